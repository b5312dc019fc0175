using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class FileSha256EvidenceTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private string PathOf(string relative) => Path.Combine(Context.StoreDirectory, relative);

    private AtomicWriteResult WriteAtomically(string relative, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(relative))!);
        return AtomicFile.WriteAllText(PathOf(relative), content);
    }

    [ConformanceFact]
    public void A_file_written_atomically_passes_with_the_hash_it_was_written_with()
    {
        var write = WriteAtomically("out/report.json", """{"rows":3}""");

        var checkpoint = Manager.CreateCheckpoint("task", "report", Json("{}"), [FileSha256Evidence.FromWrite(write)]);

        Assert.Equal(CheckpointStatus.Verified, checkpoint.Status);
        Assert.Equal(write.Sha256, ((FileSha256Evidence)Manager.GetCheckpoint(checkpoint.Id)!.Evidence[0]).Sha256);
        Assert.True(Manager.VerifyEvidence([new FileSha256Evidence("out/report.json")]).IsVerified);
        Assert.True(Manager.VerifyEvidence([new FileSha256Evidence("out/report.json", write.Sha256.ToUpperInvariant())]).IsVerified);
    }

    [ConformanceFact]
    public void A_file_edited_in_place_after_the_write_fails()
    {
        var write = WriteAtomically("out/report.json", """{"rows":3}""");
        File.WriteAllText(PathOf("out/report.json"), """{"rows":4}""");

        var result = Manager.VerifyEvidence([FileSha256Evidence.FromWrite(write)]);

        Assert.False(result.IsVerified);
        Assert.Contains("report.json", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("is intact", result.Error, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void A_file_without_its_ok_marker_fails()
    {
        File.WriteAllText(PathOf("plain.txt"), "written without AtomicFile");
        var write = WriteAtomically("atomic.txt", "x");
        File.Delete(AtomicFile.GetOkMarkerPath(write.Path));

        var plain = Manager.VerifyEvidence([new FileSha256Evidence("plain.txt")]);
        var unmarked = Manager.VerifyEvidence([new FileSha256Evidence("atomic.txt")]);

        Assert.False(plain.IsVerified);
        Assert.False(unmarked.IsVerified);
        Assert.Contains(".ok", plain.Error, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Another_intact_write_to_the_same_path_fails_against_the_recorded_hash()
    {
        var first = WriteAtomically("state.json", """{"v":1}""");
        var second = WriteAtomically("state.json", """{"v":2}""");

        var pinned = Manager.VerifyEvidence([FileSha256Evidence.FromWrite(first)]);

        Assert.False(pinned.IsVerified);
        Assert.Contains($"is intact but has SHA-256 {second.Sha256}, not the {first.Sha256}", pinned.Error, StringComparison.Ordinal);
        Assert.True(Manager.VerifyEvidence([new FileSha256Evidence("state.json")]).IsVerified);
    }

    [ConformanceFact]
    public void A_file_deleted_after_verification_is_caught_when_resuming()
    {
        var first = Manager.CreateCheckpoint("task", "step", Json("""{"n":1}"""), [FileSha256Evidence.FromWrite(WriteAtomically("a1.json", "1"))]);
        var second = Manager.CreateCheckpoint("task", "step", Json("""{"n":2}"""), [FileSha256Evidence.FromWrite(WriteAtomically("a2.json", "2"))]);
        File.Delete(PathOf("a2.json"));

        Assert.Equal(first.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
        Assert.Equal(CheckpointStatus.Failed, Manager.GetCheckpoint(second.Id)!.Status);
    }
}

public sealed class FileSha256EvidenceTests_Sqlite(SqliteProvider provider) : FileSha256EvidenceTests<SqliteProvider>(provider);

public sealed class FileSha256EvidenceTests_PostgreSql(PostgreSqlProvider provider) : FileSha256EvidenceTests<PostgreSqlProvider>(provider);
