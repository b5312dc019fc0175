using System.Text.Json;
using AgentOs.Sdk.AgentFramework;
using AgentOs.Sdk.AgentFramework.Chaos;
using AgentOs.Sdk.AI.Tests.TestSupport;
using AgentOs.Sdk.Storage;
using Microsoft.Agents.AI.Workflows;

namespace AgentOs.Sdk.AI.Tests.AgentFramework;

/// <summary>What the framework's own checkpoint-store tests check, against ours, plus what ours adds: verification on read.</summary>
public sealed class AgentOsCheckpointStoreContractTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly AgentOsStore _store;
    private readonly AgentOsCheckpointStore _checkpoints;

    public AgentOsCheckpointStoreContractTests()
    {
        _store = AgentOsStore.Open(_temp.Combine("af.db"));
        _checkpoints = new AgentOsCheckpointStore(_store);
    }

    public void Dispose()
    {
        _checkpoints.Dispose();
        _store.Dispose();
        _temp.Dispose();
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public async Task A_created_checkpoint_reads_back_equal_and_is_indexed_under_its_session()
    {
        var value = Json("""{"step":3,"name":"Zoë \"quoted\" \u2603","nested":{"list":[1,2.5,null,true],"empty":{}}}""");

        var info = await _checkpoints.CreateCheckpointAsync("session-a", value);
        var read = await _checkpoints.RetrieveCheckpointAsync("session-a", info);

        Assert.Equal("session-a", info.SessionId);
        Assert.True(JsonElement.DeepEquals(value, read));
        Assert.Equal([info], await _checkpoints.RetrieveIndexAsync("session-a"));
        Assert.Empty(await _checkpoints.RetrieveIndexAsync("session-b"));
    }

    [Fact]
    public async Task Checkpoint_ids_are_unique_and_the_index_is_in_commit_order()
    {
        var created = new List<CheckpointInfo>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await _checkpoints.CreateCheckpointAsync("s", Json($$"""{"i":{{i}}}"""), created.LastOrDefault()));
        }

        Assert.Equal(5, created.Select(c => c.CheckpointId).Distinct().Count());
        Assert.Equal(created, await _checkpoints.RetrieveIndexAsync("s"));
        Assert.Equal(4, (await _checkpoints.RetrieveCheckpointAsync("s", created[4])).GetProperty("i").GetInt32());
    }

    [Fact]
    public async Task The_index_filtered_by_parent_lists_only_its_children()
    {
        var root = await _checkpoints.CreateCheckpointAsync("s", Json("{}"));
        var left = await _checkpoints.CreateCheckpointAsync("s", Json("""{"b":"left"}"""), root);
        var right = await _checkpoints.CreateCheckpointAsync("s", Json("""{"b":"right"}"""), root);
        var grandchild = await _checkpoints.CreateCheckpointAsync("s", Json("""{"b":"left-1"}"""), left);

        Assert.Equal([left, right], await _checkpoints.RetrieveIndexAsync("s", root));
        Assert.Equal([grandchild], await _checkpoints.RetrieveIndexAsync("s", left));
        Assert.Empty(await _checkpoints.RetrieveIndexAsync("s", grandchild));
        Assert.Equal([root, left, right, grandchild], await _checkpoints.RetrieveIndexAsync("s"));
    }

    [Fact]
    public async Task An_unknown_checkpoint_or_another_sessions_checkpoint_is_not_found()
    {
        var info = await _checkpoints.CreateCheckpointAsync("s", Json("{}"));

        await Assert.ThrowsAsync<KeyNotFoundException>(async () => await _checkpoints.RetrieveCheckpointAsync("s", new CheckpointInfo("s", "no-such-id")));
        var other = await Assert.ThrowsAsync<KeyNotFoundException>(async () => await _checkpoints.RetrieveCheckpointAsync("other", new CheckpointInfo("other", info.CheckpointId)));
        Assert.Contains("other", other.Message);
        await Assert.ThrowsAsync<ArgumentException>(async () => await _checkpoints.CreateCheckpointAsync("s", Json("{}"), new CheckpointInfo("other", info.CheckpointId)));
    }

    [Fact]
    public async Task Checkpoints_survive_a_restart_and_are_shared_by_store_instances()
    {
        var info = await _checkpoints.CreateCheckpointAsync("s", Json("""{"x":1}"""));

        using var reopened = AgentOsStore.Open(_temp.Combine("af.db"));
        using var again = new AgentOsCheckpointStore(reopened);

        Assert.Equal([info], await again.RetrieveIndexAsync("s"));
        Assert.Equal(1, (await again.RetrieveCheckpointAsync("s", info)).GetProperty("x").GetInt32());
    }

    [Fact]
    public async Task A_damaged_snapshot_is_refused_with_the_session_checkpoint_and_database_named()
    {
        var info = await _checkpoints.CreateCheckpointAsync("s", Json("""{"balance":100}"""));
        using (var connection = _store.OpenConnection())
        using (var command = connection.CreateCommand())
        {
            // A row changed behind the store's back: valid JSON, another value.
            command.CommandText = "UPDATE checkpoints SET snapshot = '{\"balance\":999}' WHERE checkpoint_id = $id";
            var id = command.CreateParameter();
            id.ParameterName = "$id";
            id.Value = info.CheckpointId;
            command.Parameters.Add(id);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await _checkpoints.RetrieveCheckpointAsync("s", info));
        Assert.Contains(info.CheckpointId, error.Message);
        Assert.Contains("'s'", error.Message);
        Assert.Contains(_store.DatabasePath, error.Message);
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public async Task A_snapshot_given_with_whitespace_is_stored_as_given_and_verifies_byte_for_byte()
    {
        // The digest is of the JSON text exactly as given and stored: no second serialisation on write or on read.
        var value = Json("{ \"balance\" : 100,\n  \"log\" : [ 1, 2 ] }");
        var info = await _checkpoints.CreateCheckpointAsync("s", value);

        var read = await _checkpoints.RetrieveCheckpointAsync("s", info);
        Assert.Equal(value.GetRawText(), read.GetRawText());

        // Even a change that keeps the value (whitespace only) is a change to the stored bytes, and is refused.
        Execute($"UPDATE checkpoints SET snapshot = '{{\"balance\":100,\"log\":[1,2]}}' WHERE checkpoint_id = '{info.CheckpointId}'");
        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await _checkpoints.RetrieveCheckpointAsync("s", info));
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public async Task A_checkpoint_recorded_with_the_earlier_compact_digest_still_verifies_and_is_still_refused_when_damaged()
    {
        // Checkpoints written before the digest of the stored text carry the digest of the compact form and no "form".
        var good = await _checkpoints.CreateCheckpointAsync("s", Json("""{"balance":100}"""));
        var damaged = await _checkpoints.CreateCheckpointAsync("s", Json("""{"balance":200}"""));
        Execute("UPDATE checkpoints SET evidence = json_remove(evidence, '$[0].data.form') WHERE task_id = 's' AND json_extract(evidence, '$[0].data.form') = 'raw_utf8'");
        Execute($"UPDATE checkpoints SET snapshot = '{{\"balance\":999}}' WHERE checkpoint_id = '{damaged.CheckpointId}'");

        Assert.Equal(100, (await _checkpoints.RetrieveCheckpointAsync("s", good)).GetProperty("balance").GetInt32());
        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await _checkpoints.RetrieveCheckpointAsync("s", damaged));
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public async Task Threads_writing_one_session_at_once_lose_nothing()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(async () => await _checkpoints.CreateCheckpointAsync("busy", Json($$"""{"i":{{i}}}""")))));

        var index = (await _checkpoints.RetrieveIndexAsync("busy")).ToList();
        Assert.Equal(24, index.Count);
        Assert.Equal(created.OrderBy(c => c.CheckpointId), index.OrderBy(c => c.CheckpointId));
        var values = await Task.WhenAll(index.Select(async c => (await _checkpoints.RetrieveCheckpointAsync("busy", c)).GetProperty("i").GetInt32()));
        Assert.Equal(Enumerable.Range(0, 24), values.Order());
    }

    [Fact]
    public async Task A_real_workflow_checkpoints_on_the_store_and_resumes_in_a_new_instance()
    {
        var results = _temp.Combine("results");
        Directory.CreateDirectory(results);
        var resultPath = Path.Combine(results, "wf.txt");
        var manager = CheckpointManager.CreateJson(_checkpoints);

        // Run only until the fourth checkpoint, in lockstep, as if the process had stopped there.
        var seen = 0;
        await using (var run = await InProcessExecution.Lockstep.WithCheckpointing(manager).RunStreamingAsync(CountingWorkflow.Build(4, resultPath), CountingWorkflow.Input, "wf"))
        {
            await foreach (var evt in run.WatchStreamAsync())
            {
                if (evt is SuperStepCompletedEvent { CompletionInfo.Checkpoint: not null } && ++seen == 4)
                {
                    break;
                }
            }
        }

        Assert.False(File.Exists(resultPath));
        using var reopened = AgentOsStore.Open(_temp.Combine("af.db"));
        using var again = new AgentOsCheckpointStore(reopened);
        var resumeManager = CheckpointManager.CreateJson(again);
        var latest = await resumeManager.GetLatestCheckpointAsync("wf");
        Assert.NotNull(latest);
        Assert.Equal((await again.RetrieveIndexAsync("wf")).Last(), latest);

        string? output = null;
        await using (var resumed = await InProcessExecution.ResumeStreamingAsync(CountingWorkflow.Build(4, resultPath), latest, resumeManager))
        {
            await foreach (var evt in resumed.WatchStreamAsync())
            {
                if (evt is WorkflowOutputEvent o)
                {
                    output = o.Data?.ToString();
                }
            }
        }

        Assert.Equal(CountingWorkflow.Expected(4), output);
        Assert.Equal(output, File.ReadAllText(resultPath));
    }

    private void Execute(string sql)
    {
        using var connection = _store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(command.ExecuteNonQuery() > 0, $"no row changed: {sql}");
    }
}
