using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class EvidenceVerificationTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    protected override void ConfigureManager(CheckpointManagerOptions options)
    {
        options.EvidenceVerifiers.Add(new ThresholdVerifier());
        options.EvidenceVerifiers.Add(new ThrowingVerifier());
    }

    [ConformanceFact]
    public void An_artifact_path_is_resolved_against_the_database_folder_not_the_current_directory()
    {
        var relative = Context.WriteArtifact(Path.Combine("artifacts", "report.json"));
        Assert.False(File.Exists(Path.GetFullPath(relative)));

        Assert.True(Manager.VerifyEvidence([new ArtifactExistsEvidence(relative)]).IsVerified);
        Assert.Equal(Context.StoreDirectory, Manager.BaseDirectory);

        var missing = Manager.VerifyEvidence([new ArtifactExistsEvidence("artifacts/missing.json")]);
        Assert.False(missing.IsVerified);
        Assert.Contains(Path.Combine(Context.StoreDirectory, "artifacts", "missing.json"), missing.Error, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void The_base_directory_can_be_set()
    {
        var elsewhere = Directory.CreateDirectory(Context.Temp.Combine("work")).FullName;
        File.WriteAllText(Path.Combine(elsewhere, "out.txt"), "x");
        using var manager = new CheckpointManager(Context.Store, new CheckpointManagerOptions { BaseDirectory = elsewhere });

        Assert.True(manager.VerifyEvidence([new ArtifactExistsEvidence("out.txt")]).IsVerified);
        Assert.False(Manager.VerifyEvidence([new ArtifactExistsEvidence("out.txt")]).IsVerified);
    }

    [ConformanceFact]
    public void A_file_hash_passes_only_for_the_intact_atomic_write_the_step_made()
    {
        var path = Path.Combine(Context.StoreDirectory, "artifacts", "hashed.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var written = AgentOs.Sdk.IO.AtomicFile.WriteAllText(path, "step output");

        Assert.True(Manager.VerifyEvidence([new FileSha256Evidence(path, written.Sha256)]).IsVerified);
        Assert.True(Manager.VerifyEvidence([new FileSha256Evidence(path)]).IsVerified);

        var other = Manager.VerifyEvidence([new FileSha256Evidence(path, new string('0', 64))]);
        Assert.False(other.IsVerified);
        Assert.Contains("is intact but has SHA-256", other.Error, StringComparison.Ordinal);
        Assert.Contains("the step wrote", other.Error, StringComparison.Ordinal);

        // Edited behind the SDK's back: same length, different bytes, so the marker no longer matches.
        File.WriteAllText(path, "STEP output");
        var tampered = Manager.VerifyEvidence([new FileSha256Evidence(path, written.Sha256)]);
        Assert.False(tampered.IsVerified);
        Assert.Contains(path, tampered.Error, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void A_command_passes_only_with_the_exit_code_it_was_expected_to_return()
    {
        Assert.True(Manager.VerifyEvidence([new CommandExitEvidence("grep -q x", 1, expectedExitCode: 1)]).IsVerified);
        Assert.True(Manager.VerifyEvidence([new CommandExitEvidence("true", 0)]).IsVerified);
        Assert.False(Manager.VerifyEvidence([new CommandExitEvidence("grep -q x", 0, expectedExitCode: 1)]).IsVerified);
        Assert.False(Manager.VerifyEvidence([new CommandExitEvidence("worker", 137)]).IsVerified);
        Assert.False(Manager.VerifyEvidence([new CommandExitEvidence("worker", -1)]).IsVerified);
    }

    [ConformanceFact]
    public void Every_item_must_hold_and_each_failure_is_reported()
    {
        var result = Manager.VerifyEvidence(
        [
            new CommandExitEvidence("build", 0),
            new CommandExitEvidence("test", 1),
            new ArtifactExistsEvidence("nothing-here"),
        ]);

        Assert.False(result.IsVerified);
        Assert.Equal([true, false, false], result.Items.Select(i => i.Passed));
        Assert.Null(result.Items[0].Error);
        Assert.StartsWith("2 of 3 evidence items failed", result.Error, StringComparison.Ordinal);
        Assert.Contains("command_exit 'test': the command exited with 1, expected 0", result.Error, StringComparison.Ordinal);
        Assert.Contains("artifact_exists 'nothing-here'", result.Error, StringComparison.Ordinal);
        Assert.Equal(Start, result.CheckedAt);
    }

    [ConformanceFact]
    public void A_database_row_is_found_by_parameterised_values()
    {
        Manager.SetTaskStatus("task-9", AgentTaskStatus.Running);

        Assert.True(Manager.VerifyEvidence([new DbRowEvidence("tasks", "task_id", "task-9")]).IsVerified);
        Assert.True(Manager.VerifyEvidence([new DbRowEvidence("tasks", new Dictionary<string, JsonElement>
        {
            ["task_id"] = Json("\"task-9\""),
            ["status"] = Json("\"running\""),
            ["title"] = Json("null"),
        })]).IsVerified);
        Assert.True(Manager.VerifyEvidence([new DbRowEvidence("TASKS", "Task_Id", "task-9")]).IsVerified);

        var wrongStatus = Manager.VerifyEvidence([new DbRowEvidence("tasks", new Dictionary<string, JsonElement>
        {
            ["task_id"] = Json("\"task-9\""),
            ["status"] = Json("\"succeeded\""),
        })]);
        Assert.False(wrongStatus.IsVerified);
        Assert.Contains("no row of 'tasks' matches", wrongStatus.Error, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Numbers_and_booleans_match_integer_columns()
    {
        Context.Execute("INSERT INTO work_items (work_item_id, attempts, created_at_ms, updated_at_ms) VALUES ('wi', 2, 0, 0)");

        Assert.True(Manager.VerifyEvidence([new DbRowEvidence("work_items", "attempts", 2)]).IsVerified);
        Assert.False(Manager.VerifyEvidence([new DbRowEvidence("work_items", "attempts", 3)]).IsVerified);
        Assert.True(Manager.VerifyEvidence([new DbRowEvidence("work_items", new Dictionary<string, JsonElement> { ["created_at_ms"] = Json("false") })]).IsVerified);
    }

    [ConformanceFact]
    public void An_unknown_table_or_column_fails_with_its_name()
    {
        var table = Manager.VerifyEvidence([new DbRowEvidence("no_such_table", "id", "1")]);
        Assert.False(table.IsVerified);
        Assert.Contains("the table 'no_such_table' does not exist", table.Error, StringComparison.Ordinal);

        var column = Manager.VerifyEvidence([new DbRowEvidence("tasks", "no_such_column", "1")]);
        Assert.False(column.IsVerified);
        Assert.Contains("the column 'no_such_column' does not exist in table 'tasks'", column.Error, StringComparison.Ordinal);
        Assert.Contains("task_id", column.Error, StringComparison.Ordinal);

        var internalTable = Manager.VerifyEvidence([new DbRowEvidence("sqlite_schema", "name", "tasks")]);
        Assert.False(internalTable.IsVerified);
    }

    [ConformanceFact]
    public void Injection_through_a_table_a_column_or_a_value_changes_nothing()
    {
        Context.Create("victim");

        var viaTable = Manager.VerifyEvidence([new DbRowEvidence("x; DROP TABLE tasks", "task_id", "victim")]);
        var viaTableComment = Manager.VerifyEvidence([new DbRowEvidence("tasks WHERE 1=1; DROP TABLE tasks; --", "task_id", "victim")]);
        var viaColumn = Manager.VerifyEvidence([new DbRowEvidence("tasks", "task_id = task_id; DROP TABLE tasks; --", "victim")]);
        var viaQuote = Manager.VerifyEvidence([new DbRowEvidence("tasks", "task_id\" = \"task_id\" OR \"1", "victim")]);
        var viaValue = Manager.VerifyEvidence([new DbRowEvidence("tasks", "task_id", "x' OR '1'='1")]);

        Assert.All(new[] { viaTable, viaTableComment, viaColumn, viaQuote, viaValue }, result => Assert.False(result.IsVerified));
        Assert.Contains("the table 'x; DROP TABLE tasks' does not exist", viaTable.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist in table 'tasks'", viaColumn.Error, StringComparison.Ordinal);
        Assert.Contains("no row of 'tasks' matches", viaValue.Error, StringComparison.Ordinal);
        Assert.Equal(1L, Context.Scalar(Database.Choose(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'tasks'",
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'tasks'")));
        Assert.Equal(1L, Context.Scalar("SELECT count(*) FROM tasks"));
        Assert.Equal(1L, Context.Scalar("SELECT count(*) FROM checkpoints"));
    }

    [ConformanceFact]
    public void A_table_whose_name_needs_quoting_is_queried_correctly()
    {
        Context.Execute("CREATE TABLE \"odd \"\"name\"\"\" (\"my col\" TEXT, \"sel\"\"ect\" INTEGER)");
        Context.Execute("INSERT INTO \"odd \"\"name\"\"\" VALUES ('v', 5)");

        Assert.True(Manager.VerifyEvidence([new DbRowEvidence("odd \"name\"", new Dictionary<string, JsonElement>
        {
            ["my col"] = Json("\"v\""),
            ["sel\"ect"] = Json("5"),
        })]).IsVerified);
    }

    [ConformanceFact]
    public void Row_evidence_refuses_an_empty_match_and_non_scalar_values()
    {
        Assert.Throws<ArgumentException>(() => new DbRowEvidence("tasks", new Dictionary<string, JsonElement>()));
        var nested = Assert.Throws<ArgumentException>(() => new DbRowEvidence("tasks", new Dictionary<string, JsonElement> { ["task_id"] = Json("[1]") }));
        Assert.Contains("tasks.task_id", nested.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Custom_evidence_is_checked_by_the_verifier_registered_for_its_kind()
    {
        Assert.True(Manager.VerifyEvidence([new CustomEvidence("threshold", Json("""{"score":0.9,"min":0.8}"""))]).IsVerified);

        var low = Manager.VerifyEvidence([new CustomEvidence("threshold", Json("""{"score":0.5,"min":0.8}"""))]);
        Assert.False(low.IsVerified);
        Assert.Contains("0.5 is below 0.8", low.Error, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Custom_evidence_of_an_unknown_kind_fails_with_a_clear_message()
    {
        var result = Manager.VerifyEvidence([new CustomEvidence("http_200", Json("""{"url":"http://x"}"""))]);

        Assert.False(result.IsVerified);
        Assert.Contains("no verifier is registered for custom evidence kind 'http_200'", result.Error, StringComparison.Ordinal);
        Assert.Contains("EvidenceVerifiers", result.Error, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void A_verifier_that_throws_fails_its_item_without_stopping_the_others()
    {
        var result = Manager.VerifyEvidence([new CustomEvidence("throws", Json("null")), new CommandExitEvidence("ok", 0)]);

        Assert.False(result.IsVerified);
        Assert.Contains("the verifier for 'throws' threw InvalidOperationException: boom", result.Error, StringComparison.Ordinal);
        Assert.True(result.Items[1].Passed);
    }

    [ConformanceFact]
    public void Two_verifiers_for_one_kind_are_refused()
    {
        var options = new CheckpointManagerOptions();
        options.EvidenceVerifiers.Add(new ThresholdVerifier());
        options.EvidenceVerifiers.Add(new ThresholdVerifier());

        var ex = Assert.Throws<ArgumentException>(() => new CheckpointManager(Context.Store, options));
        Assert.Contains("'threshold'", ex.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Evidence_arguments_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new ArtifactExistsEvidence(""));
        Assert.Throws<ArgumentException>(() => new CommandExitEvidence(" ", 0));
        Assert.Throws<ArgumentException>(() => new CustomEvidence("", Json("1")));
        Assert.Throws<ArgumentException>(() => new CustomEvidence("k", default));
        var hash = Assert.Throws<ArgumentException>(() => new FileSha256Evidence("a.txt", "abc"));
        Assert.Contains("64 hex digits", hash.Message, StringComparison.Ordinal);
        Assert.Equal(new string('a', 64), new FileSha256Evidence("a.txt", new string('A', 64)).Sha256);
        Assert.Throws<ArgumentException>(() => new EvidencePack([new CommandExitEvidence("x", 0), null!]));
    }

    [ConformanceFact]
    public void A_pack_is_immutable_and_built_with_a_collection_expression()
    {
        EvidencePack pack = [new CommandExitEvidence("a", 0)];
        var bigger = pack.Add(new ArtifactExistsEvidence("b"));

        Assert.Single(pack);
        Assert.Equal(2, bigger.Count);
        Assert.True(EvidencePack.Empty.IsEmpty);
        Assert.IsType<ArtifactExistsEvidence>(bigger[1]);
    }

    private sealed class ThresholdVerifier : IEvidenceVerifier
    {
        public string Kind => "threshold";

        public EvidenceItemResult Verify(CustomEvidence evidence, EvidenceVerificationContext context)
        {
            var score = evidence.Data.GetProperty("score").GetDouble();
            var min = evidence.Data.GetProperty("min").GetDouble();
            return score >= min
                ? EvidenceItemResult.Pass(evidence)
                : EvidenceItemResult.Fail(evidence, FormattableString.Invariant($"{score} is below {min}"));
        }
    }

    private sealed class ThrowingVerifier : IEvidenceVerifier
    {
        public string Kind => "throws";

        public EvidenceItemResult Verify(CustomEvidence evidence, EvidenceVerificationContext context) => throw new InvalidOperationException("boom");
    }
}

public sealed class EvidenceVerificationTests_Sqlite(SqliteProvider provider) : EvidenceVerificationTests<SqliteProvider>(provider);

public sealed class EvidenceVerificationTests_PostgreSql(PostgreSqlProvider provider) : EvidenceVerificationTests<PostgreSqlProvider>(provider);
