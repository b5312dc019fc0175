namespace AgentOs.Cli.Durability;

/// <summary>
/// Turns a recorded operation into the directory states a crash may leave, under a <see cref="PersistenceModel"/>:
/// for every crash point (after 0, 1, ... n completed calls), every choice of which not-yet-durable calls persisted.
/// A crash point with more choices than <see cref="MaxChoicesPerCrashPoint"/> is sampled (seeded, so runs repeat).
/// </summary>
internal sealed class CrashStateEnumerator
{
    /// <summary>Above this many combinations at one crash point the combinations are sampled, not all enumerated.</summary>
    public const int MaxChoicesPerCrashPoint = 2048;

    private const int BlockSize = 4096;

    private readonly RecordedTrace _trace;
    private readonly PersistenceModel _model;

    public CrashStateEnumerator(RecordedTrace trace, PersistenceModel model)
    {
        _trace = trace;
        _model = model;
    }

    /// <summary>Whether some crash point had more combinations than were tried.</summary>
    public bool Sampled { get; private set; }

    /// <summary>How many combinations were generated (before identical states were merged).</summary>
    public long Combinations { get; private set; }

    public IEnumerable<CrashState> Enumerate()
    {
        IReadOnlyList<TraceOp> ops = _trace.Ops;
        for (int k = 0; k <= ops.Count; k++)
        {
            foreach (CrashState state in AtCrashPoint(k))
            {
                yield return state;
            }
        }
    }

    /// <summary>The state in which every recorded call persisted: what the directory holds when nothing crashed.</summary>
    public CrashState Everything()
    {
        int n = _trace.Ops.Count;
        bool[] all = new bool[n];
        Array.Fill(all, true);
        return Build(n, all, []);
    }

    private IEnumerable<CrashState> AtCrashPoint(int k)
    {
        IReadOnlyList<TraceOp> ops = _trace.Ops;
        bool[] durable = new bool[k];
        var pendingMeta = new List<int>();
        var pendingData = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < k; i++)
        {
            TraceOp op = ops[i];
            if (op.IsSync)
            {
                continue;
            }

            durable[i] = IsDurable(ops, i, k);
            if (durable[i])
            {
                continue;
            }

            if (IsMetadata(op))
            {
                pendingMeta.Add(i);
            }
            else
            {
                if (!pendingData.TryGetValue(op.Inode, out List<int>? list))
                {
                    pendingData[op.Inode] = list = [];
                }

                list.Add(i);
            }
        }

        // Radix 0: the directory entries; one radix per file with pending data.
        bool everySubset = _model == PersistenceModel.Posix;
        long metaChoices = everySubset ? (pendingMeta.Count >= 40 ? long.MaxValue : 1L << pendingMeta.Count) : pendingMeta.Count + 1;
        var dataChoices = pendingData.Select(entry => DataVariants(ops, entry.Value)).ToList();
        double total = metaChoices * dataChoices.Aggregate(1.0, (product, variants) => product * variants.Count);

        IEnumerable<(long Meta, int[] Data)> combos;
        if (total <= MaxChoicesPerCrashPoint)
        {
            combos = AllCombinations(metaChoices, dataChoices);
        }
        else
        {
            Sampled = true;
            combos = SampledCombinations(k, pendingMeta.Count, everySubset, dataChoices);
        }

        foreach ((long meta, int[] data) in combos)
        {
            Combinations++;
            var persisted = new bool[k];
            var partial = new Dictionary<int, DataVariant>();
            for (int i = 0; i < k; i++)
            {
                persisted[i] = durable[i];
            }

            for (int m = 0; m < pendingMeta.Count; m++)
            {
                persisted[pendingMeta[m]] = everySubset ? (meta & (1L << m)) != 0 : m < meta;
            }

            int file = 0;
            foreach (List<int> list in pendingData.Values)
            {
                DataVariant variant = dataChoices[file][data[file]];
                for (int j = 0; j < variant.FullCount; j++)
                {
                    persisted[list[j]] = true;
                }

                if (variant.Kind != PartialKind.None)
                {
                    partial[list[variant.FullCount]] = variant;
                }

                file++;
            }

            if (_model == PersistenceModel.Ext4Ordered && !RenamesFollowTheirData(ops, k, persisted))
            {
                continue;
            }

            yield return Build(k, persisted, partial);
        }
    }

    private bool IsMetadata(TraceOp op) => op.IsNameOp || (_model == PersistenceModel.Ext4Ordered && op.Kind == TraceOpKind.Truncate);

    private bool IsDurable(IReadOnlyList<TraceOp> ops, int i, int k)
    {
        TraceOp op = ops[i];
        for (int j = i + 1; j < k; j++)
        {
            TraceOp sync = ops[j];
            if (!sync.IsSync)
            {
                continue;
            }

            if (IsMetadata(op))
            {
                // POSIX: only the directory's fsync. ext4: any fsync commits the journal, with every earlier metadata change.
                if (_model == PersistenceModel.Ext4Ordered || sync.Kind == TraceOpKind.DirectorySync)
                {
                    return true;
                }
            }
            else if (sync.Kind == TraceOpKind.FileSync && sync.Inode == op.Inode)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>ext4's replace-by-rename rule: a persisted rename implies the renamed file's earlier data persisted whole.</summary>
    private static bool RenamesFollowTheirData(IReadOnlyList<TraceOp> ops, int k, bool[] persisted)
    {
        for (int r = 0; r < k; r++)
        {
            if (ops[r].Kind != TraceOpKind.Rename || !persisted[r])
            {
                continue;
            }

            for (int w = 0; w < r; w++)
            {
                if (ops[w].Kind == TraceOpKind.Write && ops[w].Inode == ops[r].Inode && !persisted[w])
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>A file's pending data may persist as any in-order prefix, the next write torn or (POSIX) zero-filled.</summary>
    private List<DataVariant> DataVariants(IReadOnlyList<TraceOp> ops, List<int> pending)
    {
        var variants = new List<DataVariant>();
        for (int count = 0; count <= pending.Count; count++)
        {
            variants.Add(new DataVariant(count, PartialKind.None, 0));
            if (count == pending.Count || ops[pending[count]].Kind != TraceOpKind.Write)
            {
                continue;
            }

            int length = ops[pending[count]].Bytes!.Length;
            int blocks = (length + BlockSize - 1) / BlockSize;
            foreach (int kept in new[] { 1, blocks / 2, blocks - 1 }.Where(b => b >= 1 && b < blocks).Distinct())
            {
                variants.Add(new DataVariant(count, PartialKind.Torn, kept * BlockSize));
            }

            if (_model == PersistenceModel.Posix)
            {
                variants.Add(new DataVariant(count, PartialKind.Zeros, length));
            }
        }

        return variants;
    }

    private static IEnumerable<(long Meta, int[] Data)> AllCombinations(long metaChoices, List<List<DataVariant>> dataChoices)
    {
        for (long meta = 0; meta < metaChoices; meta++)
        {
            int[] digits = new int[dataChoices.Count];
            while (true)
            {
                yield return (meta, (int[])digits.Clone());
                int d = 0;
                while (d < digits.Length && ++digits[d] == dataChoices[d].Count)
                {
                    digits[d] = 0;
                    d++;
                }

                if (d == digits.Length)
                {
                    break;
                }
            }
        }
    }

    private static IEnumerable<(long Meta, int[] Data)> SampledCombinations(int k, int metaCount, bool everySubset, List<List<DataVariant>> dataChoices)
    {
        var random = new Random(1000 + k);
        for (int s = 0; s < MaxChoicesPerCrashPoint; s++)
        {
            long meta = everySubset ? random.NextInt64() & ((1L << Math.Min(metaCount, 62)) - 1) : random.Next(metaCount + 1);
            int[] digits = dataChoices.Select(variants => random.Next(variants.Count)).ToArray();
            yield return (meta, digits);
        }
    }

    private CrashState Build(int k, bool[] persisted, Dictionary<int, DataVariant> partial)
    {
        IReadOnlyList<TraceOp> ops = _trace.Ops;
        var names = new Dictionary<string, int>(_trace.InitialNames, StringComparer.Ordinal);
        var contents = _trace.InitialContents.ToDictionary(e => e.Key, e => new List<byte>(e.Value));
        var persistedPending = new List<string>();
        var lost = new List<string>();
        for (int i = 0; i < k; i++)
        {
            TraceOp op = ops[i];
            if (op.IsSync)
            {
                continue;
            }

            string text = op.Describe(_trace.InodeName);
            bool pending = !IsDurable(ops, i, k);
            if (partial.TryGetValue(i, out DataVariant? variant))
            {
                byte[] bytes = variant.Kind == PartialKind.Zeros ? new byte[op.Bytes!.Length] : op.Bytes![..variant.Kept];
                WriteAt(Content(contents, op.Inode), op.Offset, bytes);
                lost.Add(variant.Kind == PartialKind.Zeros ? $"{text} as zeros" : $"{text} torn after {variant.Kept} bytes");
                continue;
            }

            if (!persisted[i])
            {
                lost.Add(text);
                continue;
            }

            if (pending)
            {
                persistedPending.Add(text);
            }

            switch (op.Kind)
            {
                case TraceOpKind.Create:
                    names[op.Name!] = op.Inode;
                    Content(contents, op.Inode);
                    break;
                case TraceOpKind.Write:
                    WriteAt(Content(contents, op.Inode), op.Offset, op.Bytes!);
                    break;
                case TraceOpKind.Truncate:
                    List<byte> truncated = Content(contents, op.Inode);
                    if (truncated.Count > op.Length)
                    {
                        truncated.RemoveRange((int)op.Length, truncated.Count - (int)op.Length);
                    }
                    else
                    {
                        truncated.AddRange(new byte[op.Length - truncated.Count]);
                    }

                    break;
                case TraceOpKind.Rename:
                    if (names.TryGetValue(op.Name!, out int source) && source == op.Inode)
                    {
                        names.Remove(op.Name!);
                    }

                    names[op.NewName!] = op.Inode;
                    Content(contents, op.Inode);
                    break;
                case TraceOpKind.Unlink:
                    if (names.TryGetValue(op.Name!, out int unlinked) && unlinked == op.Inode)
                    {
                        names.Remove(op.Name!);
                    }

                    break;
            }
        }

        var files = names.ToDictionary(e => e.Key, e => contents[e.Value].ToArray(), StringComparer.Ordinal);
        bool afterReturn = k == ops.Count;
        string where = afterReturn ? "after the call returned" : k == 0 ? "before the first call" : $"after #{k - 1}";
        string description = $"crash {where}; persisted: [{string.Join(", ", persistedPending)}]; lost: [{string.Join(", ", lost)}]";
        return new CrashState(k, afterReturn, files, description);
    }

    private static List<byte> Content(Dictionary<int, List<byte>> contents, int inode)
    {
        if (!contents.TryGetValue(inode, out List<byte>? content))
        {
            contents[inode] = content = [];
        }

        return content;
    }

    private static void WriteAt(List<byte> content, long offset, byte[] bytes)
    {
        if (content.Count < offset + bytes.Length)
        {
            content.AddRange(new byte[offset + bytes.Length - content.Count]);
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            content[(int)offset + i] = bytes[i];
        }
    }

    private enum PartialKind
    {
        None,
        Torn,
        Zeros,
    }

    /// <summary>How much of one file's pending data persisted: whole writes, then perhaps part of the next.</summary>
    private sealed record DataVariant(int FullCount, PartialKind Kind, int Kept);
}
