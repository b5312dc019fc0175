using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOs.Samples.Tests.TestSupport;

namespace AgentOs.Samples.Tests.Samples;

public sealed partial class WorkersSampleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Ten_workers_with_one_database_each_merge_to_the_single_process_count()
    {
        var run = await ChildProcess.RunAsync("dotnet", [Repository.Sample("AgentOs.Samples.Workers")], _work.Path, Timeout);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Output}");
        var workers = WorkerLine().Matches(run.Output);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), workers.Select(m => m.Groups[1].Value));
        Assert.Equal(10, workers.Select(m => m.Groups[2].Value).Distinct().Count());
        Assert.Contains("Merged: 9592 primes below 100000 from 10/10 workers (single-process count: 9592)", run.Output, StringComparison.Ordinal);

        // One database per worker, and the merged summary with its .ok marker.
        var pool = Assert.Single(Directory.GetDirectories(Path.Combine(_work.Path, "store", "workers")));
        Assert.Equal(10, Directory.GetFiles(pool, "worker_*.db").Length);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(pool, "summary.json")));
        Assert.Equal(9592, summary.RootElement.GetProperty("primes").GetInt64());
        Assert.True(File.Exists(Path.Combine(pool, "summary.json.ok")));
    }

    [GeneratedRegex(@"worker (\d+): pid (\d+) .* 5 verified checkpoints")]
    private static partial Regex WorkerLine();
}
