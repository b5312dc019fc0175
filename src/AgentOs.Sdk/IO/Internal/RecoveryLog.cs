namespace AgentOs.Sdk.IO.Internal;

/// <summary>Collects what <c>AtomicFile.Recover</c> does, for its <see cref="AtomicRecoveryResult"/>.</summary>
internal sealed class RecoveryLog
{
    private readonly List<string> _completed = [];
    private readonly List<string> _rolledBack = [];
    private readonly List<string> _deleted = [];
    private readonly List<string> _inUse = [];

    /// <summary>How many changes on disk so far.</summary>
    public int Changes => _completed.Count + _deleted.Count;

    public void Complete(string target) => _completed.Add(target);

    public void RollBack(string target, string deletedTemp)
    {
        if (!_rolledBack.Contains(target, StringComparer.Ordinal))
        {
            _rolledBack.Add(target);
        }

        _deleted.Add(deletedTemp);
    }

    public void Skip(string temp) => _inUse.Add(temp);

    public AtomicRecoveryResult ToResult(string directory) =>
        new(directory, _completed.AsReadOnly(), _rolledBack.AsReadOnly(), _deleted.AsReadOnly(), _inUse.AsReadOnly());
}
