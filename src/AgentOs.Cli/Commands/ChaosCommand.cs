using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Chaos;
using AgentOs.Sdk.Storage;

namespace AgentOs.Cli.Commands;

/// <summary>
/// <c>agentos chaos [--scenario N]... [--store CONNECTION] [--db-dir DIR] [--seed N] [--synchronous full|normal] [--json]</c>:
/// runs the chaos drills on fresh embedded stores, or on fresh databases of a PostgreSQL server with <c>--store</c> (real worker
/// processes, real SIGKILLs), shows progress, prints the matrix, and exits 1 when any drill that ran failed.
/// </summary>
internal static class ChaosCommand
{
    public static Command Create(CliConsole console)
    {
        var scenarios = new Option<int[]>("--scenario", "-s")
        {
            Description = "Run only these scenarios (1 to 10); repeat the option for several. Default: all.",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "N",
        };
        scenarios.Validators.Add(result =>
        {
            foreach (var n in result.GetValueOrDefault<int[]>() ?? [])
            {
                if (CliDrills.All.All(d => d.Number != n))
                {
                    result.AddError($"There is no scenario {n}: choose from 1 to {CliDrills.All.Max(d => d.Number)}.");
                }
            }
        });
        var directory = new Option<string>("--db-dir")
        {
            Description = "Where the drills create their databases; each drill gets a fresh folder, deleted when it passes.",
            DefaultValueFactory = _ => Path.Combine("store", "chaos"),
            HelpName = "DIR",
        };
        var store = new Option<string?>("--store")
        {
            Description = "Run the drills on a PostgreSQL server instead of SQLite files: a connection string (\"Host=...;Database=...;Username=...\") whose role may CREATE DATABASE. Each drill gets fresh databases, dropped when it passes; drills that need SQLite files are skipped.",
            HelpName = "CONNECTION",
        };
        store.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is null)
            {
                return;
            }

            if (!PostgreSqlEndpoint.LooksLikeConnectionString(value))
            {
                result.AddError("--store takes a PostgreSQL connection string (\"Host=...;Database=...\"); the SQLite drills' folder is --db-dir.");
                return;
            }

            try
            {
                _ = PostgreSqlEndpoint.Parse(value);
            }
            catch (ArgumentException ex)
            {
                result.AddError(ex.Message);
            }
        });
        var seed = new Option<int?>("--seed") { Description = "Replay the random choices (kill points) of an earlier run.", HelpName = "N" };
        var synchronous = new Option<string>("--synchronous")
        {
            Description = "SQLite synchronous level of the drills' stores.",
            DefaultValueFactory = _ => "full",
            HelpName = "full|normal",
        };
        synchronous.AcceptOnlyFromAmong("full", "normal");
        var compare = new Option<bool>("--compare-filesystem-store")
        {
            Description = "After drill 9, run its kill loop against the Agent Framework's FileSystemJsonCheckpointStore and report how often that store could not be opened or read (a comparison, never a failure).",
        };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON instead of a table (progress still goes to standard error)." };

        var command = new Command("chaos", "Run the chaos drills: SIGKILL recovery, concurrent checkpoints, lease expiry, recovery sweep, LLM cache, tool replay, full resume, shared-database contention, Agent Framework workflow resume, two hosts sharing one store.")
        {
            scenarios,
            store,
            directory,
            seed,
            synchronous,
            compare,
            json,
        };
        command.SetAction(parsed =>
        {
            var chosen = parsed.GetValue(scenarios) is { Length: > 0 } numbers ? numbers : [.. CliDrills.All.Select(d => d.Number)];
            var options = new ChaosDrillOptions
            {
                WorkDirectory = parsed.GetRequiredValue(directory),
                Seed = parsed.GetValue(seed),
                Store = new StoreOptions { Synchronous = Enum.Parse<SynchronousMode>(parsed.GetRequiredValue(synchronous), ignoreCase: true) },
                StoreProvider = parsed.GetValue(store) is { } connectionString ? new PostgreSqlChaosStoreProvider(connectionString) : ChaosStoreProvider.Sqlite,
            };
            return Run(chosen, options, parsed.GetValue(compare), parsed.GetValue(json), console);
        });
        return command;
    }

    private static int Run(int[] numbers, ChaosDrillOptions options, bool compareFileSystemStore, bool json, CliConsole console)
    {
        // Progress goes to standard error so that --json output stays clean on standard output.
        options.Progress = new LineProgress(p => console.Error.WriteLine(console.Dim($"[{p.Number}] {p.Name}: {p.Message}")));
        if (options.StoreProvider.IsServer)
        {
            console.Error.WriteLine(console.Dim($"store: {options.StoreProvider} (fresh databases per drill, dropped when it passes)"));
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // First Ctrl+C: kill the drills' workers and stop; the second one ends the process as usual.
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        IReadOnlyList<ChaosDrillResult> results;
        try
        {
            var drills = numbers.Distinct().Order().Select(n => CliDrills.All.Single(d => d.Number == n)).ToList();
            if (compareFileSystemStore && numbers.Contains(9))
            {
                drills.Add(CliDrills.FileSystemStoreComparison);
            }

            results = ChaosDrills.RunAllAsync(drills, options, cancel.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            console.WriteError("cancelled; the drills' workers were killed.");
            return ExitCodes.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        if (json)
        {
            WriteJson(results, options.StoreProvider, console);
        }
        else
        {
            WriteMatrix(results, options.StoreProvider, console);
        }

        return results.All(r => r.Passed || r.Skipped) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static void WriteMatrix(IReadOnlyList<ChaosDrillResult> results, ChaosStoreProvider provider, CliConsole console)
    {
        var width = results.Max(r => r.Name.Length);
        console.Out.WriteLine();
        console.Out.WriteLine(console.Dim($"  store: {provider}"));
        console.Out.WriteLine(console.Dim($"  {"#",2}  {"SCENARIO".PadRight(width)}  RESULT  {"TIME",8}  KEY FIGURE"));
        foreach (var r in results)
        {
            var verdict = r.Skipped ? console.Dim("SKIP  ") : r.Passed ? console.Green("PASS  ") : console.Red("FAIL  ");
            var time = string.Create(CultureInfo.InvariantCulture, $"{r.Duration.TotalSeconds,6:0.00} s");
            console.Out.WriteLine($"  {r.Number,2}  {r.Name.PadRight(width)}  {verdict}  {time}  {(r.Skipped ? r.SkipReason : r.Passed ? r.KeyFigure : r.Error)}");
            if (r.EvidencePath is not null)
            {
                console.Out.WriteLine($"     evidence: {r.EvidencePath}");
            }
        }

        var passed = results.Count(r => r.Passed);
        var skipped = results.Count(r => r.Skipped);
        var ran = results.Count - skipped;
        var total = TimeSpan.FromTicks(results.Sum(r => r.Duration.Ticks));
        var seeds = string.Join(", ", results.Select(r => r.Seed).Distinct());
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{passed}/{ran} drills passed{(skipped > 0 ? $", {skipped} skipped" : "")} in {total.TotalSeconds:0.0} s (seed {seeds})");
        console.Out.WriteLine($"  {(passed == ran ? console.Green(summary) : console.Red(summary))}");
    }

    private static void WriteJson(IReadOnlyList<ChaosDrillResult> results, ChaosStoreProvider provider, CliConsole console)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("all_passed", results.All(r => r.Passed || r.Skipped));
            writer.WriteStartObject("store");
            writer.WriteString("provider", provider.Name);
            writer.WriteString("location", provider.Location);
            writer.WriteEndObject();
            writer.WriteStartArray("drills");
            foreach (var r in results)
            {
                writer.WriteStartObject();
                writer.WriteNumber("number", r.Number);
                writer.WriteString("name", r.Name);
                writer.WriteBoolean("passed", r.Passed);
                writer.WriteBoolean("skipped", r.Skipped);
                writer.WriteString("skip_reason", r.SkipReason);
                writer.WriteString("key_figure", r.KeyFigure);
                writer.WriteNumber("duration_ms", Math.Round(r.Duration.TotalMilliseconds, 1));
                writer.WriteNumber("seed", r.Seed);
                writer.WriteString("error", r.Error);
                writer.WriteString("evidence_path", r.EvidencePath);
                writer.WriteStartObject("metrics");
                foreach (var (name, value) in r.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    writer.WriteNumber(name, Math.Round(value, 3));
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private sealed class LineProgress(Action<ChaosProgress> write) : IProgress<ChaosProgress>
    {
        public void Report(ChaosProgress value) => write(value);
    }
}
