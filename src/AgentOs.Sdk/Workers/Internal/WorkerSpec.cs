using System.Globalization;
using System.Text;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>
/// What a worker process needs to find and run its entry. The parent formats it once per run and writes it as one line to each
/// worker's standard input: nothing is left on disk if the parent dies, and large arguments never hit argv limits.
/// </summary>
/// <remarks>
/// The line is tab-separated with <c>\</c>-escapes rather than JSON on purpose: the first use of System.Text.Json costs a fresh
/// process tens of milliseconds, paid by every worker; the arguments stay JSON text and are parsed only when the entry reads them.
/// </remarks>
internal sealed record WorkerSpec(
    string AssemblyName,
    string AssemblyPath,
    Guid ModuleVersionId,
    int MetadataToken,
    string DeclaringType,
    string MethodName,
    int WorkerCount,
    string Directory,
    string ArgumentsJson)
{
    private const int FieldCount = 10;

    /// <summary>The spec as one line (no terminator): the version, then each field, tab-separated and escaped.</summary>
    public string Format()
    {
        var line = new StringBuilder(256 + ArgumentsJson.Length);
        line.Append(CultureInfo.InvariantCulture, $"v{WorkerProtocol.SpecVersion}");
        foreach (string field in new[]
        {
            AssemblyName,
            AssemblyPath,
            ModuleVersionId.ToString("D"),
            MetadataToken.ToString(CultureInfo.InvariantCulture),
            DeclaringType,
            MethodName,
            WorkerCount.ToString(CultureInfo.InvariantCulture),
            Directory,
            ArgumentsJson,
        })
        {
            line.Append('\t');
            Escape(field, line);
        }

        return line.ToString();
    }

    /// <summary>Reads a line written by <see cref="Format"/>.</summary>
    /// <exception cref="FormatException">The line is not a spec of this version; the message says what is wrong.</exception>
    public static WorkerSpec Parse(string line)
    {
        string[] fields = line.Split('\t');
        string version = $"v{WorkerProtocol.SpecVersion}";
        if (fields[0] != version)
        {
            throw new FormatException(
                $"The worker spec starts with '{Truncate(fields[0])}', this host understands '{version}': the host and the parent use different AgentOs.Sdk versions.");
        }

        if (fields.Length != FieldCount)
        {
            throw new FormatException($"The worker spec has {fields.Length} fields, expected {FieldCount}.");
        }

        for (int i = 1; i < fields.Length; i++)
        {
            fields[i] = Unescape(fields[i]);
        }

        return new WorkerSpec(
            AssemblyName: fields[1],
            AssemblyPath: fields[2],
            ModuleVersionId: Guid.ParseExact(fields[3], "D"),
            MetadataToken: int.Parse(fields[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            DeclaringType: fields[5],
            MethodName: fields[6],
            WorkerCount: int.Parse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture),
            Directory: fields[8],
            ArgumentsJson: fields[9]);
    }

    private static void Escape(string value, StringBuilder line)
    {
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => line.Append(@"\\"),
                '\t' => line.Append(@"\t"),
                '\n' => line.Append(@"\n"),
                '\r' => line.Append(@"\r"),
                _ => line.Append(c),
            };
        }
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var value = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            char c = field[i];
            if (c != '\\')
            {
                value.Append(c);
                continue;
            }

            if (++i == field.Length)
            {
                throw new FormatException("The worker spec ends inside an escape.");
            }

            value.Append(field[i] switch
            {
                '\\' => '\\',
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                char other => throw new FormatException($"The worker spec has an unknown escape '\\{other}'."),
            });
        }

        return value.ToString();
    }

    private static string Truncate(string value) => value.Length <= 20 ? value : value[..20] + "...";
}
