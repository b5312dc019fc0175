using System.Text.RegularExpressions;
using AgentOs.Sdk.Analyzers.Tests.Support;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// Recall and precision of AOS001 on the corpus of real-world write shapes in <c>Corpus/</c> (see its README): every
/// line ending in <c>// expect AOS001</c> must be reported, no other line may be.
/// </summary>
public sealed partial class CorpusTests(ITestOutputHelper output)
{
    // The figures this corpus gives today. A change that loses a true report or adds a false one fails here.
    private const int ExpectedTruePositives = 13;
    private const int ExpectedMisses = 2;

    // What the corpus test sets, as a project would in .editorconfig: the default contracts plus one type of its own.
    private static readonly Dictionary<string, string> Options = new()
    {
        ["agentos_sdk.artifact_writers"] = "Microsoft.Agents.AI.Workflows.ICheckpointStore, Microsoft.Agents.AI.Workflows.JsonCheckpointStore, Corpus.Persistence.SnapshotWriter",
    };

    [Fact]
    public async Task Corpus_recall_and_precision_hold()
    {
        var score = await ScoreAsync(Options);
        output.WriteLine(score.ToString());
        Assert.True(score.FalsePositives.Count == 0, "false positives:\n" + string.Join("\n", score.FalsePositives));
        Assert.True(score.TruePositives >= ExpectedTruePositives, $"recall dropped: {score}\nmissed:\n" + string.Join("\n", score.Missed));
        Assert.Equal(ExpectedMisses, score.Missed.Count);
        Assert.All(score.Missed, missed => Assert.Contains("out of reach", missed, StringComparison.Ordinal));
        Assert.True(score.NeverLines >= 14, $"the corpus should keep its non-report shapes ({score.NeverLines})");
    }

    [Fact]
    public async Task Each_source_of_recall_contributes_and_none_adds_a_false_positive()
    {
        // Names off: the writes only their names reveal are lost, nothing else changes.
        var withoutNames = await ScoreAsync(new Dictionary<string, string>(Options) { ["agentos_sdk.artifact_path_names"] = "none" });
        output.WriteLine("without names: " + withoutNames);
        Assert.Empty(withoutNames.FalsePositives);
        Assert.Equal(ExpectedTruePositives - 3, withoutNames.TruePositives);

        // Contracts off: the two checkpoint stores and the type named in the option are lost; [ArtifactWriter] stays.
        var withoutWriters = await ScoreAsync(new Dictionary<string, string> { ["agentos_sdk.artifact_writers"] = "none" });
        output.WriteLine("without writers: " + withoutWriters);
        Assert.Empty(withoutWriters.FalsePositives);
        Assert.Equal(ExpectedTruePositives - 4, withoutWriters.TruePositives);

        // The shapes that must never be reported stay quiet even when a catch-all glob makes every known path an
        // artifact: a lock file (OpenOrCreate), a temporary file moved or replaced into place, a zero-length file, a
        // scratch file deleted after use, an append-only log. (Plain writes to known paths are then reported, as asked.)
        var catchAll = await ScoreAsync(new Dictionary<string, string>(Options) { ["agentos_sdk.artifact_paths"] = "**" });
        output.WriteLine("catch-all glob: " + catchAll);
        string[] shapes = ["OpenOrCreate", "into place", "zero-length", "empty signal", "deleted below", "append-only"];
        Assert.DoesNotContain(catchAll.FalsePositives, line => shapes.Any(shape => line.Contains(shape, StringComparison.Ordinal)));
        Assert.True(catchAll.FalsePositives.Count > 0, "the catch-all glob should report the plain writes, or this check proves nothing");
    }

    private static async Task<Score> ScoreAsync(IReadOnlyDictionary<string, string> options)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Corpus");
        var files = Directory.GetFiles(directory, "*.cs").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 6, "corpus files missing from " + directory);
        var sources = files.Select(f => (Path: "/corpus/" + Path.GetFileName(f), Text: File.ReadAllText(f))).ToList();
        var compilation = AnalyzerRunner.Compile(sources);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the corpus must compile:\n" + string.Join("\n", errors));

        var result = await AnalyzerRunner.RunAsync(compilation, options);
        Assert.Empty(result.Exceptions);
        var reported = result.Ours.Where(d => d.Id == "AOS001")
            .Select(d => (File: d.Location.SourceTree!.FilePath, Line: d.Location.GetLineSpan().StartLinePosition.Line))
            .ToHashSet();

        var score = new Score();
        foreach (var (path, text) in sources)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].TrimEnd('\r');
                var isReported = reported.Remove((path, i));
                var where = $"{path}:{i + 1}: {line.Trim()}";
                if (ExpectPattern().IsMatch(line))
                {
                    score.Expected++;
                    if (isReported)
                    {
                        score.TruePositives++;
                    }
                    else
                    {
                        score.Missed.Add(where);
                    }
                }
                else
                {
                    if (line.Contains("// never:", StringComparison.Ordinal))
                    {
                        score.NeverLines++;
                    }

                    if (isReported)
                    {
                        score.FalsePositives.Add(where);
                    }
                }
            }
        }

        return score;
    }

    [GeneratedRegex(@"//\s*expect AOS001")]
    private static partial Regex ExpectPattern();

    private sealed class Score
    {
        public int Expected { get; set; }

        public int TruePositives { get; set; }

        public int NeverLines { get; set; }

        public List<string> Missed { get; } = [];

        public List<string> FalsePositives { get; } = [];

        public override string ToString()
        {
            var reported = TruePositives + FalsePositives.Count;
            var recall = Expected == 0 ? 0 : (double)TruePositives / Expected;
            var precision = reported == 0 ? 0 : (double)TruePositives / reported;
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"expected {Expected}, reported {reported}: {TruePositives} true, {FalsePositives.Count} false, {Missed.Count} missed; recall {recall:P0}, precision {precision:P0}; {NeverLines} never-report shapes");
        }
    }
}
