using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;
// AgentOs.Sdk.Tests.Evidence (the failure-evidence tests) is a namespace: name the checkpoint type explicitly.
using CheckpointEvidence = AgentOs.Sdk.Checkpoints.Evidence;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class EvidenceSerializationTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private static EvidencePack EveryKind() =>
    [
        new ArtifactExistsEvidence("out/report.json"),
        new FileSha256Evidence("out/data.bin", new string('c', 64)),
        new CommandExitEvidence("dotnet test", 0),
        new DbRowEvidence("tasks", new Dictionary<string, JsonElement> { ["task_id"] = Json("\"t\""), ["status"] = Json("\"running\"") }),
        new CustomEvidence("http_200", Json("""{"url":"https://example.test/health"}""")),
    ];

    [ConformanceFact]
    public void The_stored_evidence_names_every_type_as_a_snake_case_string()
    {
        var checkpoint = Context.Manager.CreateCheckpoint("task", "step", Json("{}"), EveryKind());

        var stored = (string)Context.Scalar($"SELECT evidence FROM checkpoints WHERE checkpoint_id = '{checkpoint.Id}'")!;

        using var document = JsonDocument.Parse(stored);
        var types = document.RootElement.EnumerateArray().Select(item => item.GetProperty("type")).ToList();
        Assert.All(types, type => Assert.Equal(JsonValueKind.String, type.ValueKind));
        Assert.Equal(["artifact_exists", "file_sha256", "command_exit", "db_row", "custom"], types.Select(t => t.GetString()));
        Assert.Equal(
            """[{"type":"artifact_exists","path":"out/report.json"},{"type":"file_sha256","path":"out/data.bin","sha256":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},{"type":"command_exit","command":"dotnet test","exit_code":0,"expected_exit_code":0},{"type":"db_row","table":"tasks","match":{"task_id":"t","status":"running"}},{"type":"custom","kind":"http_200","data":{"url":"https://example.test/health"}}]""",
            stored);
    }

    [ConformanceFact]
    public void Stored_evidence_reads_back_equal()
    {
        var pack = EveryKind();
        var checkpoint = Context.Manager.CreateCheckpoint("task", "step", Json("{}"), pack);

        var read = Context.Manager.GetCheckpoint(checkpoint.Id)!.Evidence;

        Assert.Equal(pack.Count, read.Count);
        for (var i = 0; i < pack.Count; i++)
        {
            Assert.Equal(pack[i], read[i]);
        }
    }

    [ConformanceFact]
    public void Each_discriminator_is_the_string_name_of_its_evidence_type()
    {
        var derived = typeof(CheckpointEvidence).GetCustomAttributes<JsonDerivedTypeAttribute>().ToList();
        Assert.Equal(Enum.GetValues<EvidenceType>().Length, derived.Count);
        foreach (var attribute in derived)
        {
            var instance = EveryKind().Single(e => e.GetType() == attribute.DerivedType);
            var member = typeof(EvidenceType).GetField(instance.Type.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!;
            Assert.Equal(member.Name, attribute.TypeDiscriminator);
        }
    }

    [ConformanceFact]
    public void Audit_payloads_write_statuses_and_evidence_types_as_strings()
    {
        var checkpoint = Context.Manager.CreateCheckpoint("task", "step", Json("{}"), [new CommandExitEvidence("x", 0)]);
        Context.Manager.VerifyCheckpoint(checkpoint.Id);
        Context.Manager.SetTaskStatus("task", AgentTaskStatus.Running);

        var audits = Context.Manager.ListAudits("task");

        var verified = audits.Single(a => a.EventType == TaskAuditEvents.CheckpointVerified);
        using var payload = JsonDocument.Parse(verified.Payload!);
        Assert.Equal("verified", payload.RootElement.GetProperty("status").GetString());
        var item = Assert.Single(payload.RootElement.GetProperty("evidence").EnumerateArray());
        Assert.Equal("command_exit", item.GetProperty("type").GetString());
        Assert.True(item.GetProperty("passed").GetBoolean());
        var status = audits.Single(a => a.EventType == TaskAuditEvents.StatusChanged).Payload;
        Assert.Equal("""{"from_status":"pending","to_status":"running"}""", status);
    }

    [ConformanceFact]
    public void Statuses_are_stored_as_their_names()
    {
        Context.Create("task");
        Context.Manager.CreateCheckpoint("task", "step", Json("{}"), []);
        Context.Manager.BeginStep("task", "step");

        Assert.Equal("verified,failed,pending", Context.Scalar(Database.Choose(
            "SELECT group_concat(status, ',') FROM (SELECT status FROM checkpoints ORDER BY sequence_number)",
            "SELECT string_agg(status, ',' ORDER BY sequence_number) FROM checkpoints")));
    }
}

public sealed class EvidenceSerializationTests_Sqlite(SqliteProvider provider) : EvidenceSerializationTests<SqliteProvider>(provider);

public sealed class EvidenceSerializationTests_PostgreSql(PostgreSqlProvider provider) : EvidenceSerializationTests<PostgreSqlProvider>(provider);
