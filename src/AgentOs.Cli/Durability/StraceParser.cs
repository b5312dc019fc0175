using System.Globalization;
using System.Text;

namespace AgentOs.Cli.Durability;

/// <summary>
/// Reads an <c>strace -f -xx</c> log (every string as hex escapes, so the written bytes are exact) and keeps the system
/// calls that touch one directory: which files were created, written at which offset with which bytes, truncated,
/// renamed, unlinked and synced. Calls before the child opens the begin sentinel, or after it opens the returned
/// sentinel, belong to the runtime or the child's own start and end, not to the operation.
/// </summary>
internal sealed class StraceParser
{
    private readonly string _directory;
    private readonly string _beginSentinel;
    private readonly string _returnedSentinel;
    private readonly Dictionary<string, int> _names;
    private readonly Dictionary<int, OpenFile> _fds = [];
    private readonly Dictionary<string, string> _unfinished = new(StringComparer.Ordinal);
    private readonly List<TraceOp> _ops = [];
    private int _nextInode;
    private bool _recording;
    private bool _returned;

    private StraceParser(string directory, string beginSentinel, string returnedSentinel, IReadOnlyDictionary<string, int> initialNames)
    {
        _directory = Path.TrimEndingDirectorySeparator(directory);
        _beginSentinel = beginSentinel;
        _returnedSentinel = returnedSentinel;
        _names = new Dictionary<string, int>(initialNames, StringComparer.Ordinal);
        _nextInode = initialNames.Count == 0 ? 1 : initialNames.Values.Max() + 1;
    }

    /// <summary>Parses the log; throws when the operation never returned or a call cannot be followed faithfully.</summary>
    public static RecordedTrace Parse(
        IEnumerable<string> lines, string directory, string beginSentinel, string returnedSentinel,
        IReadOnlyDictionary<string, int> initialNames, IReadOnlyDictionary<int, byte[]> initialContents)
    {
        var parser = new StraceParser(directory, beginSentinel, returnedSentinel, initialNames);
        foreach (string line in lines)
        {
            parser.Feed(line);
            if (parser._returned)
            {
                break;
            }
        }

        if (!parser._returned)
        {
            throw new InvalidOperationException($"The trace never shows the operation returning (no open of '{returnedSentinel}'): the child failed or strace lost calls.");
        }

        return new RecordedTrace(initialNames, initialContents, parser._ops);
    }

    private void Feed(string line)
    {
        // "PID call(args) = result", possibly split by another thread into "<unfinished ...>" and "<... call resumed>".
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return;
        }

        string pid = line[..space];
        string rest = line[(space + 1)..].TrimStart();
        const string Unfinished = " <unfinished ...>";
        if (rest.EndsWith(Unfinished, StringComparison.Ordinal))
        {
            _unfinished[pid] = rest[..^Unfinished.Length];
            return;
        }

        if (rest.StartsWith("<... ", StringComparison.Ordinal))
        {
            int close = rest.IndexOf("resumed>", StringComparison.Ordinal);
            if (close < 0 || !_unfinished.Remove(pid, out string? start))
            {
                return;
            }

            rest = start + rest[(close + "resumed>".Length)..];
        }

        // strace pads short calls before " = result"; with -xx no string argument contains a space, so the last " = " is the result.
        int open = rest.IndexOf('(', StringComparison.Ordinal);
        int equals = rest.LastIndexOf(" = ", StringComparison.Ordinal);
        if (open <= 0 || equals < open)
        {
            return;
        }

        string call = rest[..open];
        string arguments = rest[(open + 1)..equals].TrimEnd();
        if (!arguments.EndsWith(')'))
        {
            return;
        }

        List<string> args = SplitArguments(arguments[..^1]);
        string resultText = rest[(equals + 3)..];
        int resultEnd = resultText.IndexOf(' ', StringComparison.Ordinal);
        if (!long.TryParse(resultEnd < 0 ? resultText : resultText[..resultEnd], NumberStyles.Integer, CultureInfo.InvariantCulture, out long result) || result < 0)
        {
            return;
        }

        Handle(call, args, result);
    }

    private void Handle(string call, List<string> args, long result)
    {
        switch (call)
        {
            case "openat":
                Open(ResolvePath(args[0], args[1]), args[2], (int)result);
                break;
            case "open":
                Open(ResolvePath("AT_FDCWD", args[0]), args[1], (int)result);
                break;
            case "creat":
                Open(ResolvePath("AT_FDCWD", args[0]), "O_WRONLY|O_CREAT|O_TRUNC", (int)result);
                break;
            case "close":
                _fds.Remove(ParseInt(args[0]));
                break;
            case "dup":
                Dup(ParseInt(args[0]), (int)result);
                break;
            case "dup2" or "dup3":
                Dup(ParseInt(args[0]), ParseInt(args[1]));
                break;
            case "write" or "pwrite64" or "writev" or "pwritev" or "pwritev2":
                Write(call, args, result);
                break;
            case "ftruncate":
                if (_recording && _fds.TryGetValue(ParseInt(args[0]), out OpenFile? truncated) && !truncated.IsDirectory)
                {
                    Add(TraceOpKind.Truncate, truncated.Inode, length: ParseLong(args[1]));
                }

                break;
            case "fsync" or "fdatasync":
                if (_recording && _fds.TryGetValue(ParseInt(args[0]), out OpenFile? synced))
                {
                    Add(synced.IsDirectory ? TraceOpKind.DirectorySync : TraceOpKind.FileSync, synced.Inode);
                }

                break;
            case "rename":
                Rename(ResolvePath("AT_FDCWD", args[0]), ResolvePath("AT_FDCWD", args[1]));
                break;
            case "renameat" or "renameat2":
                Rename(ResolvePath(args[0], args[1]), ResolvePath(args[2], args[3]));
                break;
            case "unlink":
                Unlink(ResolvePath("AT_FDCWD", args[0]));
                break;
            case "unlinkat":
                Unlink(ResolvePath(args[0], args[1]));
                break;
            case "truncate" or "link" or "linkat" or "symlink" or "symlinkat" or "mkdir" or "mkdirat" or "rmdir" or "sync" or "syncfs" or "sync_file_range":
                if (_recording && args.Any(a => a.StartsWith('"') && InDirectory(Encoding.UTF8.GetString(Decode(a))) is not null))
                {
                    throw new NotSupportedException($"The explorer does not model '{call}' inside the directory under test.");
                }

                break;
        }
    }

    private void Open(string path, string flags, int fd)
    {
        if (string.Equals(path, _beginSentinel, StringComparison.Ordinal))
        {
            _recording = true;
            return;
        }

        if (string.Equals(path, _returnedSentinel, StringComparison.Ordinal))
        {
            _returned = _recording;
            return;
        }

        if (!_recording)
        {
            return;
        }

        if (string.Equals(Path.TrimEndingDirectorySeparator(path), _directory, StringComparison.Ordinal))
        {
            _fds[fd] = new OpenFile(0, IsDirectory: true);
            return;
        }

        string? name = InDirectory(path);
        if (name is null)
        {
            _fds.Remove(fd);
            return;
        }

        if (!_names.TryGetValue(name, out int inode))
        {
            if (!flags.Contains("O_CREAT", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The trace opens '{name}', which the explorer does not know to exist.");
            }

            inode = _nextInode++;
            _names[name] = inode;
            Add(TraceOpKind.Create, inode, name);
        }
        else if (flags.Contains("O_TRUNC", StringComparison.Ordinal)
            && (flags.Contains("O_WRONLY", StringComparison.Ordinal) || flags.Contains("O_RDWR", StringComparison.Ordinal)))
        {
            Add(TraceOpKind.Truncate, inode, length: 0);
        }

        _fds[fd] = new OpenFile(inode, IsDirectory: false);
    }

    private void Dup(int from, int to)
    {
        if (_fds.TryGetValue(from, out OpenFile? file))
        {
            _fds[to] = file;
        }
        else
        {
            _fds.Remove(to);
        }
    }

    private void Write(string call, List<string> args, long written)
    {
        if (!_recording || !_fds.TryGetValue(ParseInt(args[0]), out OpenFile? file) || file.IsDirectory)
        {
            return;
        }

        byte[] bytes = call is "write" or "pwrite64" ? Decode(args[1]) : DecodeVector(args[1]);
        if (bytes.Length < written)
        {
            throw new InvalidOperationException($"strace cut a {call} of {written} bytes to {bytes.Length}: raise its -s limit.");
        }

        bytes = bytes[..(int)written];
        long offset = call switch
        {
            "pwrite64" => ParseLong(args[3]),
            "pwritev" or "pwritev2" => ParseLong(args[3]),
            _ => file.Position,
        };
        if (call is "write" or "writev")
        {
            file.Position = offset + written;
        }

        Add(TraceOpKind.Write, file.Inode, offset: offset, bytes: bytes);
    }

    private void Rename(string from, string to)
    {
        if (!_recording)
        {
            return;
        }

        string? fromName = InDirectory(from);
        string? toName = InDirectory(to);
        if (fromName is null && toName is null)
        {
            return;
        }

        if (fromName is null || toName is null || !_names.Remove(fromName, out int inode))
        {
            throw new NotSupportedException($"The explorer does not model a rename into or out of the directory under test ('{from}' -> '{to}').");
        }

        _names[toName] = inode;
        Add(TraceOpKind.Rename, inode, fromName, toName);
    }

    private void Unlink(string path)
    {
        string? name = InDirectory(path);
        if (!_recording || name is null || !_names.Remove(name, out int inode))
        {
            return;
        }

        Add(TraceOpKind.Unlink, inode, name);
    }

    private void Add(TraceOpKind kind, int inode, string? name = null, string? newName = null, long offset = 0, byte[]? bytes = null, long length = 0) =>
        _ops.Add(new TraceOp(_ops.Count, kind, inode, name, newName, offset, bytes, length));

    /// <summary>The name of <paramref name="path"/> when it is directly inside the directory under test.</summary>
    private string? InDirectory(string path) =>
        string.Equals(Path.GetDirectoryName(path), _directory, StringComparison.Ordinal) ? Path.GetFileName(path) : null;

    private string ResolvePath(string dirFd, string quotedPath)
    {
        string path = Encoding.UTF8.GetString(Decode(quotedPath));
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        if (!string.Equals(dirFd, "AT_FDCWD", StringComparison.Ordinal) && _fds.TryGetValue(ParseInt(dirFd), out OpenFile? dir) && dir.IsDirectory)
        {
            return Path.Combine(_directory, path);
        }

        // Relative to the working directory or to a directory the explorer does not follow: never inside ours.
        return Path.Combine("/nonexistent-relative", path);
    }

    private static int ParseInt(string text) => (int)ParseLong(text);

    private static long ParseLong(string text) => long.Parse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>Decodes a quoted strace string printed with -xx ("\x41\x42"), or the other escapes strace may use.</summary>
    private static byte[] Decode(string quoted)
    {
        string text = quoted.Trim();
        if (text.EndsWith("...", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("strace cut a string argument short: raise its -s limit.");
        }

        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return [];
        }

        var bytes = new List<byte>(text.Length / 4);
        for (int i = 1; i < text.Length - 1; i++)
        {
            char c = text[i];
            if (c != '\\')
            {
                bytes.Add((byte)c);
                continue;
            }

            char e = text[++i];
            switch (e)
            {
                case 'x':
                    bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'v': bytes.Add((byte)'\v'); break;
                case 'f': bytes.Add((byte)'\f'); break;
                default:
                    if (e is >= '0' and <= '7')
                    {
                        int value = 0, digits = 0;
                        while (digits < 3 && text[i] is >= '0' and <= '7')
                        {
                            value = (value * 8) + (text[i] - '0');
                            i++;
                            digits++;
                        }

                        i--;
                        bytes.Add((byte)value);
                    }
                    else
                    {
                        bytes.Add((byte)e);
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Decodes an iovec array: <c>[{iov_base="..", iov_len=N}, ...]</c>.</summary>
    private static byte[] DecodeVector(string vector)
    {
        var bytes = new List<byte>();
        foreach (string element in SplitArguments(vector.Trim().TrimStart('[').TrimEnd(']')))
        {
            string inner = element.Trim().TrimStart('{').TrimEnd('}');
            foreach (string field in SplitArguments(inner))
            {
                string f = field.Trim();
                if (f.StartsWith("iov_base=", StringComparison.Ordinal))
                {
                    bytes.AddRange(Decode(f["iov_base=".Length..]));
                }
            }
        }

        return [.. bytes];
    }

    /// <summary>Splits on commas that are outside quotes, brackets and braces.</summary>
    private static List<string> SplitArguments(string text)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }

                continue;
            }

            switch (c)
            {
                case '"': quoted = true; break;
                case '[' or '{' or '(': depth++; break;
                case ']' or '}' or ')': depth--; break;
                case ',' when depth == 0:
                    parts.Add(text[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        if (start < text.Length)
        {
            parts.Add(text[start..].Trim());
        }

        return parts;
    }

    private sealed class OpenFile(int inode, bool IsDirectory)
    {
        public int Inode { get; } = inode;

        public bool IsDirectory { get; } = IsDirectory;

        public long Position { get; set; }
    }
}
