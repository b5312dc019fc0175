using AgentOs.Cli.Durability;
using AgentOs.Sdk.IO;
using TempDirectory = AgentOs.Sdk.Tests.TestSupport.TempDirectory;

namespace AgentOs.Sdk.Tests.IO.CrashStates;

/// <summary>The checker on hand-made states: it must be able to fail, or a clean exploration would prove nothing.</summary>
[Trait("Category", "CrashStates")]
public sealed class CrashStateCheckerTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void A_batch_whose_later_file_is_new_while_an_earlier_one_is_old_breaks_the_ext4_rule_but_not_the_posix_one()
    {
        CrashScenario batch = CrashScenarios.Find("batch");
        (ScenarioFile first, ScenarioFile second) = (batch.Files[0], batch.Files[1]);
        string directory = Path.Combine(_work.Path, "dir");
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllBytes(Path.Combine(directory, first.Name), first.Old!);
        AtomicFile.WriteAllBytes(Path.Combine(directory, second.Name), second.New);
        var state = new CrashState(3, AfterReturn: false, CrashStateChecker.Snapshot(directory), "hand-made: the second file renamed, the first not");

        List<string> ext4 = CrashStateChecker.Check(batch, state, directory, PersistenceModel.Ext4Ordered);
        List<string> posix = CrashStateChecker.Check(batch, state, directory, PersistenceModel.Posix);

        Assert.Equal([$"the new files are not a prefix of the batch's order: {first.Name}=old, {second.Name}=new"], ext4);
        Assert.Empty(posix);
    }

    [Fact]
    public void A_batch_state_after_return_with_one_file_old_names_that_file()
    {
        CrashScenario batch = CrashScenarios.Find("batch");
        (ScenarioFile first, ScenarioFile second) = (batch.Files[0], batch.Files[1]);
        string directory = Path.Combine(_work.Path, "dir");
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllBytes(Path.Combine(directory, first.Name), first.New);
        AtomicFile.WriteAllBytes(Path.Combine(directory, second.Name), second.New);
        File.Delete(Path.Combine(directory, second.Name + ".ok"));
        var state = new CrashState(9, AfterReturn: true, CrashStateChecker.Snapshot(directory), "hand-made: the second marker lost");

        List<string> problems = CrashStateChecker.Check(batch, state, directory, PersistenceModel.Posix);

        Assert.Equal([$"after Recover, Verify of '{second.Name}' is invalid: " + AtomicFile.Verify(Path.Combine(directory, second.Name)).Error], problems);
    }
}
