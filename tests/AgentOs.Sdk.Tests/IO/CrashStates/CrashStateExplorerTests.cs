using AgentOs.Cli.Durability;
using AgentOs.Sdk.Tests.IO.Support;
using AgentOs.Sdk.Tests.TestSupport;
using TempDirectory = AgentOs.Sdk.Tests.TestSupport.TempDirectory;

namespace AgentOs.Sdk.Tests.IO.CrashStates;

/// <summary>
/// The crash-state explorer run on the real SDK: each operation is executed by the agentos tool in a child process
/// under strace, every crash state of its recorded system calls is put on disk, recovered and verified.
/// </summary>
[Trait("Category", "CrashStates")]
public sealed class CrashStateExplorerTests : IDisposable
{
    private static readonly PersistenceModel[] BothModels = [PersistenceModel.Posix, PersistenceModel.Ext4Ordered];

    private readonly TempDirectory _work = new();

    public static TheoryData<string> AtomicFileOperations => [.. CrashScenarios.All.Where(s => !s.ExpectViolations).Select(s => s.Name)];

    public void Dispose() => _work.Dispose();

    [StraceTheory]
    [MemberData(nameof(AtomicFileOperations))]
    public void AtomicFile_operation_survives_every_crash_state_under_both_models(string scenarioName)
    {
        CrashScenario scenario = CrashScenarios.Find(scenarioName);

        IReadOnlyList<ExplorationResult> results = Explorer().Explore(scenario, BothModels);

        foreach (ExplorationResult result in results)
        {
            Assert.True(
                result.ViolatingStates == 0,
                $"{scenarioName} under {result.Model}: {result.ViolatingStates} of {result.States} states break a promise:{Environment.NewLine}"
                + string.Join(Environment.NewLine, result.Violations.Select(v => $"{v.State} -> {v.Problems}")));

            // Not a vacuous pass: crash points before, between and after the renames were all explored.
            Assert.True(result.States >= 4, $"{scenarioName} under {result.Model}: only {result.States} states");
        }
    }

    [StraceTheory]
    [InlineData("write-all-bytes")]
    [InlineData("write-async")]
    [InlineData("write-json")]
    public void Recorded_write_has_every_durability_step_in_order(string scenarioName)
    {
        RecordedTrace trace = Explorer().Record(CrashScenarios.Find(scenarioName));

        // The real system calls, not the SDK's intentions: temps created, their names made durable, data and marker
        // written and fsynced, both renames, then the directory fsynced after the renames.
        List<TraceOp> ops = [.. trace.Ops];
        int firstRename = ops.FindIndex(o => o.Kind == TraceOpKind.Rename);
        int secondRename = ops.FindLastIndex(o => o.Kind == TraceOpKind.Rename);
        Assert.True(firstRename >= 0 && secondRename > firstRename, "two renames expected");
        Assert.EndsWith(CrashScenarios.Find(scenarioName).Target, ops[firstRename].NewName, StringComparison.Ordinal);
        Assert.EndsWith(".ok", ops[secondRename].NewName, StringComparison.Ordinal);

        int dataInode = ops[firstRename].Inode;
        int markerInode = ops[secondRename].Inode;
        Assert.Contains(ops[..firstRename], o => o.Kind == TraceOpKind.FileSync && o.Inode == dataInode);
        Assert.Contains(ops[..firstRename], o => o.Kind == TraceOpKind.FileSync && o.Inode == markerInode);
        Assert.Contains(ops[..firstRename], o => o.Kind == TraceOpKind.DirectorySync);
        Assert.Equal(TraceOpKind.DirectorySync, ops[^1].Kind);
        Assert.All(ops.Where(o => o.Kind == TraceOpKind.Write), w => Assert.True(w.Inode == dataInode || w.Inode == markerInode));
    }

    [StraceFact]
    public void Recorded_batch_shares_its_syncs_and_makes_every_file_durable_before_its_first_rename()
    {
        RecordedTrace trace = Explorer().Record(CrashScenarios.Find("batch"));

        List<TraceOp> ops = [.. trace.Ops];
        List<TraceOp> renames = [.. ops.Where(o => o.Kind == TraceOpKind.Rename)];
        int firstRename = ops.IndexOf(renames[0]);
        Assert.Equal(["artifact.bin", "artifact.bin.ok", "notes.txt", "notes.txt.ok"], renames.Select(r => Path.GetFileName(r.NewName)));
        Assert.All(renames, r => Assert.Contains(ops[..firstRename], o => o.Kind == TraceOpKind.FileSync && o.Inode == r.Inode));

        // Shared: one directory fsync makes all four temps' names durable before the renames, one makes the renames durable.
        Assert.Single(ops[..firstRename], o => o.Kind == TraceOpKind.DirectorySync);
        Assert.Equal(2, ops.Count(o => o.Kind == TraceOpKind.DirectorySync));
        Assert.Equal(TraceOpKind.DirectorySync, ops[^1].Kind);
    }

    [StraceTheory]
    [InlineData("naive-in-place")]
    [InlineData("no-directory-fsync")]
    public void Broken_writer_is_caught_under_both_models(string scenarioName)
    {
        IReadOnlyList<ExplorationResult> results = Explorer().Explore(CrashScenarios.Find(scenarioName), BothModels);

        Assert.All(results, r => Assert.True(r.ViolatingStates > 0, $"{scenarioName} under {r.Model}: no violation in {r.States} states"));
        string problems = string.Join("\n", results.SelectMany(r => r.Violations).Select(v => v.Problems));
        if (scenarioName == "naive-in-place")
        {
            Assert.Contains("the target is torn", problems, StringComparison.Ordinal);
        }
        else
        {
            ExplorationResult ext4 = results.Single(r => r.Model == PersistenceModel.Ext4Ordered);
            Assert.Contains(ext4.Violations, v => v.Problems.Contains("the call had returned, but the target holds the old content", StringComparison.Ordinal));
        }
    }

    private DurabilityExplorer Explorer() => new(new ChildCommand("dotnet", [BuiltProgram.Cli]), _work.Path);
}
