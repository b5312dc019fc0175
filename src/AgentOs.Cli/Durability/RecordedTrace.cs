namespace AgentOs.Cli.Durability;

/// <summary>
/// One operation as the kernel saw it: the directory as it was before (every file durable), and the system calls that
/// changed it, in the order they completed, up to the moment the operation returned.
/// </summary>
internal sealed class RecordedTrace
{
    public RecordedTrace(IReadOnlyDictionary<string, int> initialNames, IReadOnlyDictionary<int, byte[]> initialContents, IReadOnlyList<TraceOp> ops)
    {
        InitialNames = initialNames;
        InitialContents = initialContents;
        Ops = ops;
    }

    /// <summary>Names in the directory before the operation, and the inode each names.</summary>
    public IReadOnlyDictionary<string, int> InitialNames { get; }

    /// <summary>The content of each inode before the operation.</summary>
    public IReadOnlyDictionary<int, byte[]> InitialContents { get; }

    /// <summary>The operations, in completion order.</summary>
    public IReadOnlyList<TraceOp> Ops { get; }

    /// <summary>A readable name for an inode: the name it had first (before or during the operation).</summary>
    public string InodeName(int inode)
    {
        foreach ((string name, int id) in InitialNames)
        {
            if (id == inode)
            {
                return TraceOp.Short(name);
            }
        }

        foreach (TraceOp op in Ops)
        {
            if (op.Kind == TraceOpKind.Create && op.Inode == inode)
            {
                return TraceOp.Short(op.Name);
            }
        }

        return $"inode{inode}";
    }
}
