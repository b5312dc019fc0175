using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentOs.Sdk.Checkpoints;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;
// AgentOs.Sdk.Tests.Evidence (the failure-evidence tests) is a namespace: name the checkpoint type explicitly.
using CheckpointEvidence = AgentOs.Sdk.Checkpoints.Evidence;

namespace AgentOs.Sdk.Tests.Checkpoints;

public sealed class EvidenceSerializationTests : IDisposable
{
    private readonly CheckpointTestContext _context = new();

    public void Dispose() => _context.Dispose();

    private static EvidencePack EveryKind() =>
    [
        new ArtifactExistsEvidence("out/report.json"),
        new FileSha256Evidence("out/data.bin", new string('c', 64)),
        new CommandExitEvidence("dotnet test", 0),
        new DbRowEvidence("tasks", new Dictionary<string, JsonElement> { ["task_id"] = Json("\"t\""), ["status"] = Json("\"running\"") }),
        new CustomEvidence("http_200", Json("""{"url":"https://example.test/health"}""")),
    ];

    [Fact]
    public void The_stored_evidence_names_every_type_as_a_snake_case_string()
    {
        var checkpoint = _context.Manager.CreateCheckpoint("task", "step", Json("{}"), EveryKind());

        var stored = (string)_context.Scalar("SELECT evidence FROM checkpoints WHERE checkpoint_id = $id", ("$id", checkpoint.Id))!;

        using var document = JsonDocument.Parse(stored);
        var types = document.RootElement.EnumerateArray().Select(item => item.GetProperty("type")).ToList();
        Assert.All(types, type => Assert.Equal(JsonValueKind.String, type.ValueKind));
        Assert.Equal(["artifact_exists", "file_sha256", "command_exit", "db_row", "custom"], types.Select(t => t.GetString()));
        Assert.Equal(
            """[{"type":"artifact_exists","path":"out/report.json"},{"type":"file_sha256","path":"out/data.bin","sha256":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},{"type":"command_exit","command":"dotnet test","exit_code":0,"expected_exit_code":0},{"type":"db_row","table":"tasks","match":{"task_id":"t","status":"running"}},{"type":"custom","kind":"http_200","data":{"url":"https://example.test/health"}}]""",
            stored);
    }

    [Fact]
    public void Stored_evidence_reads_back_equal()
    {
        var pack = EveryKind();
        var checkpoint = _context.Manager.CreateCheckpoint("task", "step", Json("{}"), pack);

        var read = _context.Manager.GetCheckpoint(checkpoint.Id)!.Evidence;

        Assert.Equal(pack.Count, read.Count);
        for (var i = 0; i < pack.Count; i++)
        {
            Assert.Equal(pack[i], read[i]);
        }
    }

    [Fact]
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

    [Fact]
    public void Audit_payloads_write_statuses_and_evidence_types_as_strings()
    {
        var checkpoint = _context.Manager.CreateCheckpoint("task", "step", Json("{}"), [new CommandExitEvidence("x", 0)]);
        _context.Manager.VerifyCheckpoint(checkpoint.Id);
        _context.Manager.SetTaskStatus("task", AgentTaskStatus.Running);

        var audits = _context.Manager.ListAudits("task");

        var verified = audits.Single(a => a.EventType == TaskAuditEvents.CheckpointVerified);
        using var payload = JsonDocument.Parse(verified.Payload!);
        Assert.Equal("verified", payload.RootElement.GetProperty("status").GetString());
        var item = Assert.Single(payload.RootElement.GetProperty("evidence").EnumerateArray());
        Assert.Equal("command_exit", item.GetProperty("type").GetString());
        Assert.True(item.GetProperty("passed").GetBoolean());
        var status = audits.Single(a => a.EventType == TaskAuditEvents.StatusChanged).Payload;
        Assert.Equal("""{"from_status":"pending","to_status":"running"}""", status);
    }

    [Fact]
    public void Statuses_are_stored_as_their_names()
    {
        _context.Create("task");
        _context.Manager.CreateCheckpoint("task", "step", Json("{}"), []);
        _context.Manager.BeginStep("task", "step");

        Assert.Equal("verified,failed,pending", _context.Scalar("SELECT group_concat(status, ',') FROM (SELECT status FROM checkpoints ORDER BY sequence_number)"));
    }
}
