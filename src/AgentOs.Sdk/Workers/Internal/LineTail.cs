namespace AgentOs.Sdk.Workers.Internal;

/// <summary>The last N lines of a stream, in a ring buffer: memory stays bounded however much a worker writes.</summary>
internal sealed class LineTail
{
    private readonly string[] _lines;
    private int _next;
    private int _count;

    public LineTail(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _lines = new string[capacity];
    }

    public int Count => _count;

    public void Add(string line)
    {
        if (_lines.Length == 0)
        {
            return;
        }

        _lines[_next] = line;
        _next = (_next + 1) % _lines.Length;
        _count = Math.Min(_count + 1, _lines.Length);
    }

    /// <summary>The retained lines, oldest first.</summary>
    public IEnumerable<string> Lines()
    {
        int first = (_next - _count + _lines.Length) % Math.Max(_lines.Length, 1);
        for (int i = 0; i < _count; i++)
        {
            yield return _lines[(first + i) % _lines.Length];
        }
    }

    /// <summary>The retained lines joined with <c>\n</c>.</summary>
    public override string ToString() => string.Join('\n', Lines());
}
