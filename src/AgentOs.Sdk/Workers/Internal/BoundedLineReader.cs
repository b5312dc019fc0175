using System.Text;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>
/// Reads lines from a worker's pipe with a cap on line length. <see cref="TextReader.ReadLineAsync()"/> would buffer a line
/// without newline without limit; here a longer line is handed out in pieces of at most <c>maxLineLength</c> characters.
/// </summary>
internal sealed class BoundedLineReader
{
    private readonly TextReader _reader;
    private readonly int _maxLineLength;
    private readonly char[] _buffer = new char[4096];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;

    public BoundedLineReader(TextReader reader, int maxLineLength)
    {
        _reader = reader;
        _maxLineLength = maxLineLength;
    }

    /// <summary>The next line without its terminator, or <see langword="null"/> at the end of the stream.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_position == _length)
            {
                _length = await _reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                _position = 0;
                if (_length == 0)
                {
                    return _line.Length == 0 ? null : Take();
                }
            }

            while (_position < _length)
            {
                char c = _buffer[_position++];
                if (c == '\n')
                {
                    if (_line.Length > 0 && _line[^1] == '\r')
                    {
                        _line.Length--;
                    }

                    return Take();
                }

                _line.Append(c);
                if (_line.Length >= _maxLineLength)
                {
                    return Take();
                }
            }
        }
    }

    private string Take()
    {
        string line = _line.ToString();
        _line.Clear();
        return line;
    }
}
