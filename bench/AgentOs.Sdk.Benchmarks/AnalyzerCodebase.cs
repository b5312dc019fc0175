using System.Globalization;
using System.Text;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// Generates a large C# codebase (about 100,000 lines) with the mix our analyzers meet in real projects: mostly
/// ordinary code (loops, LINQ with lambdas, string building, collections, async), with the candidates the rules look at
/// spread thinly as in an application: calls named Create/Open on user types in every class, one file write in 4
/// classes (to artifact and non-artifact paths, built with Path.Combine and interpolation), one FileStream in 8, one
/// worker pool call in 20 (static lambda) and one in 40 (capturing). Deterministic.
/// </summary>
internal static class AnalyzerCodebase
{
    public const string Header = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using AgentOs.Sdk.IO;
        using AgentOs.Sdk.Workers;

        """;

    /// <summary>The files of the codebase: <paramref name="files"/> files of <paramref name="classesPerFile"/> classes.</summary>
    public static IReadOnlyList<string> Generate(int files, int classesPerFile)
    {
        var sources = new List<string>(files);
        for (var file = 0; file < files; file++)
        {
            var text = new StringBuilder(Header);
            text.Append(CultureInfo.InvariantCulture, $"namespace Generated.Module{file};\n\n");
            for (var c = 0; c < classesPerFile; c++)
            {
                AppendClass(text, file, c);
            }

            sources.Add(text.ToString());
        }

        return sources;
    }

    private const string Writes = """
                public void SaveReport(string runId, string json)
                {
                    // An artifact written in place: AOS001.
                    File.WriteAllText(Path.Combine(ArtifactsRoot, runId + ".json"), json);
                    // Not artifacts: an append-only log and a scratch file.
                    File.AppendAllText(Path.Combine(Root, "logs", "run.log"), json);
                    File.WriteAllText(Path.Combine(Root, "tmp", "scratch.txt"), json);
                }

        """;

    private const string Stream = """
                public void SaveCheckpoint(int step, byte[] state)
                {
                    var dir = Path.Combine(Root, "checkpoints");
                    using var stream = new FileStream(Path.Combine(dir, $"step-{step}.bin"), FileMode.Create);
                    stream.Write(state);
                }

        """;

    private const string StaticWorker = """
                public Task<IReadOnlyList<WorkerResult>> RunStatic(int workers)
                    => WorkerPool.RunAsync(workers, static (ctx, ct) => Task.FromResult(ctx.WorkerId));

        """;

    private const string CapturingWorker = """
                public Task<IReadOnlyList<WorkerResult>> RunCapturing(int workers, string queue)
                    => WorkerPool.RunAsync(workers, (ctx, ct) => Task.FromResult(queue.Length + ctx.WorkerId));

        """;

    private static void AppendClass(StringBuilder text, int file, int index)
    {
        index += file * 11;
        var name = string.Create(CultureInfo.InvariantCulture, $"Service{file}_{index}");
        text.Append(CultureInfo.InvariantCulture, $$"""
            public sealed class {{name}}
            {
                private static readonly string ArtifactsRoot = Path.Combine(AppContext.BaseDirectory, "artifacts");
                private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
                private readonly List<string> _log = new();
                private int _total;

                public {{name}}(string root) => Root = root;

                public string Root { get; }

                public int Count(IEnumerable<string> words)
                {
                    foreach (var word in words)
                    {
                        _counts[word] = _counts.TryGetValue(word, out var n) ? n + 1 : 1;
                        _total++;
                    }

                    return _counts.Where(pair => pair.Value > 1).Select(pair => pair.Key.Length).Sum();
                }

                public string Describe(int limit)
                {
                    var builder = new StringBuilder();
                    for (var i = 0; i < limit; i++)
                    {
                        builder.Append(i % 3 == 0 ? "fizz" : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        if (i % 5 == 0)
                        {
                            builder.Append(',');
                        }
                    }

                    return $"{Root}: {builder} ({_total} words)";
                }

                public async Task<int> LoadAsync(string path, CancellationToken cancellationToken)
                {
                    var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
                    var lines = text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToList();
                    _log.Add($"loaded {lines.Count} lines from {path}");
                    return lines.Count;
                }

            {{(index % 4 == 0 ? Writes : string.Empty)}}{{(index % 8 == 1 ? Stream : string.Empty)}}

                public {{name}}Widget Build(int size) => {{name}}Widget.Create(size, _log.Count);

                public int Open(int value) => {{name}}Widget.Open(value).Size;

            {{(index % 20 == 2 ? StaticWorker : string.Empty)}}{{(index % 40 == 3 ? CapturingWorker : string.Empty)}}
                public List<string> Normalize(IEnumerable<string> items, int width)
                {
                    var result = new List<string>();
                    foreach (var item in items.Where(i => !string.IsNullOrWhiteSpace(i)).OrderBy(i => i, StringComparer.Ordinal))
                    {
                        var trimmed = item.Trim();
                        result.Add(trimmed.Length > width ? trimmed[..width] : trimmed.PadRight(width));
                    }

                    return result;
                }

                public Dictionary<int, List<string>> GroupByLength(IEnumerable<string> items)
                    => items.GroupBy(i => i.Length).ToDictionary(g => g.Key, g => g.OrderBy(s => s, StringComparer.Ordinal).ToList());

                public int Aggregate(int[] values)
                {
                    var tasks = values.Select(v => Task.Run(() => v * 2)).ToArray();
                    Task.WaitAll(tasks);
                    return tasks.Sum(t => t.Result) + values.Count(v => v % 2 == 0);
                }
            }

            public sealed record {{name}}Widget(int Size, int Weight)
            {
                public static {{name}}Widget Create(int size, int weight) => new(size, weight);

                public static {{name}}Widget Open(int size) => new(size, 0);
            }


            """);
    }
}
