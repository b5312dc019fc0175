using System.Text;
using System.Text.Json;
using AgentOs.Sdk.AgentFramework;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Agents.AI.Workflows;
using CheckpointManager = AgentOs.Sdk.Checkpoints.CheckpointManager;
using Checkpoint = AgentOs.Sdk.Checkpoints.Checkpoint;
using Microsoft.Agents.AI.Workflows.Checkpointing;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// One Agent Framework checkpoint of a 64 KiB workflow state: AgentOsCheckpointStore.CreateCheckpointAsync beside our own
/// CheckpointManager.CreateCheckpoint of the same state (the floor: the same transaction, without the adapter's digest and
/// mapping) and beside the framework's FileSystemJsonCheckpointStore (which writes the file in place and does not fsync).
/// Goal: the adapter within 1.3x of the floor.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class WorkflowCheckpointBenchmarks
{
    private string _directory = null!;
    private AgentOsStore _store = null!;
    private CheckpointManager _floor = null!;
    private AgentOsCheckpointStore _agentOs = null!;
    private FileSystemJsonCheckpointStore _fileSystem = null!;
    private JsonElement _state;
    private EvidencePack _evidence = null!;
    private CheckpointInfo? _parent;

    /// <summary>The store's <c>PRAGMA synchronous</c>.</summary>
    [Params(SynchronousMode.Full, SynchronousMode.Normal)]
    public SynchronousMode Synchronous { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = BenchmarkDirectory.Create("workflow-checkpoints");
        _store = AgentOsStore.Open(Path.Combine(_directory, "bench.db"), new StoreOptions { Synchronous = Synchronous });
        _floor = new CheckpointManager(_store);
        _agentOs = new AgentOsCheckpointStore(_store);
        _fileSystem = new FileSystemJsonCheckpointStore(new DirectoryInfo(Path.Combine(_directory, "filesystem")));
        _evidence = [new CommandExitEvidence("workflow superstep", 0)];

        // About 64 KiB of state: a message log of 256 entries of ~250 bytes each.
        var json = new StringBuilder("{\"superstep\":42,\"messages\":[");
        for (var i = 0; i < 256; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("{\"executor\":\"exec-").Append(i % 7).Append("\",\"text\":\"").Append(new string((char)('a' + (i % 26)), 200)).Append("\"}");
        }

        _state = JsonDocument.Parse(json.Append("]}").ToString()).RootElement.Clone();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fileSystem.Dispose();
        _agentOs.Dispose();
        _floor.Dispose();
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "CheckpointManager.CreateCheckpoint (floor)")]
    public Checkpoint Floor() => _floor.CreateCheckpoint("floor", AgentOsCheckpointStore.CheckpointType, _state, _evidence);

    [Benchmark(Description = "AgentOsCheckpointStore.CreateCheckpointAsync")]
    public async Task<CheckpointInfo> AgentOs() => _parent = await _agentOs.CreateCheckpointAsync("session", _state, _parent);

    [Benchmark(Description = "FileSystemJsonCheckpointStore.CreateCheckpointAsync (no fsync)")]
    public async Task<CheckpointInfo> FileSystem() => await _fileSystem.CreateCheckpointAsync("session", _state);
}
