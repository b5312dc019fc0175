// AgentOs.Sdk quickstart: the smallest complete crash-safe app.
//
//   dotnet run --project samples/AgentOs.Samples.Quickstart
//
// It opens a store under ./store, proves at start-up that the store is safe to use, writes an artifact atomically,
// records a checkpoint whose evidence is that artifact's SHA-256, and verifies both. Run it twice: the second run
// adds checkpoint #2 to the same task. Exit code 0 means every check held.
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Storage;

string storeDirectory = Path.GetFullPath("./store");
string databasePath = Path.Combine(storeDirectory, "agentos.db");
string artifactPath = Path.Combine(storeDirectory, "artifacts", "report.json");
Console.WriteLine($"Store: {databasePath}");

// 1. Open the store. The first open creates the SQLite database in WAL mode with synchronous=FULL and a busy timeout,
//    and applies the schema (tasks, checkpoints, leases, idempotency records).
Directory.CreateDirectory(storeDirectory);
using AgentOsStore store = AgentOsStore.Open(databasePath);
Console.WriteLine($"Opened: schema {store.SchemaVersion}");

// 2. Start-up health check, strict: if the database is not in WAL mode, has no busy timeout, lacks the recovery tables,
//    fails SQLite's quick_check or sits in a read-only folder, this throws before the app does any work.
StartupHealthReport health = StartupHealthCheck.Run(databasePath, HealthCheckMode.Strict, verbose: false);
Console.WriteLine($"Health: {health.Summary.PassedCount} checks passed (SQLite {health.SqliteVersion})");

// 3. Recover the artifact folder in case an earlier run was killed mid-write: a half-written temp file is removed,
//    so only whole files remain.
Directory.CreateDirectory(Path.GetDirectoryName(artifactPath)!);
Console.WriteLine($"Recover: {AtomicFile.Recover(Path.GetDirectoryName(artifactPath)!)}");

// 4. Write the artifact. AtomicFile writes a temp file, fsyncs it, renames it over the target and fsyncs the folder,
//    then writes report.json.ok with the SHA-256: after a crash there is the old file or the new one, never a torn one.
AtomicWriteResult written = AtomicFile.WriteJson(artifactPath, new { task = "quickstart", answer = 42, at = DateTimeOffset.UtcNow });
Console.WriteLine($"Wrote: {written.Path} ({written.Size} bytes, sha256 {written.Sha256[..16]}...)");

// 5. Checkpoint with evidence. The manager re-checks the evidence (the file's hash must match) before it records the
//    checkpoint as verified; a resuming agent only trusts verified checkpoints.
using var checkpoints = new CheckpointManager(store);
checkpoints.EnsureTask("quickstart", "Write one report");
using var snapshot = System.Text.Json.JsonDocument.Parse("""{"step":"report-written"}""");
Checkpoint checkpoint = checkpoints.CreateCheckpoint(
    "quickstart",
    "report",
    snapshot.RootElement,
    new EvidencePack([new FileSha256Evidence(artifactPath, written.Sha256)]));
Console.WriteLine($"Checkpoint: #{checkpoint.SequenceNumber} {checkpoint.Status}");

// 6. Verify again, as a later run or another process would: the artifact against its .ok marker, and the
//    checkpoint's evidence against the files on disk now.
AtomicVerifyResult artifactCheck = AtomicFile.Verify(artifactPath);
EvidenceVerificationResult checkpointCheck = checkpoints.VerifyCheckpoint(checkpoint.Id);
Console.WriteLine($"Verify artifact: {(artifactCheck.IsValid ? "valid" : "INVALID: " + artifactCheck.Error)}");
Console.WriteLine($"Verify checkpoint: {(checkpointCheck.IsVerified ? "verified" : "FAILED: " + checkpointCheck.Error)}");

// 7. A non-zero exit code tells scripts and CI that something did not hold.
bool ok = checkpoint.Status == CheckpointStatus.Verified && artifactCheck.IsValid && checkpointCheck.IsVerified;
Console.WriteLine(ok ? "OK: store healthy, artifact written, checkpoint verified." : "FAILED: see above.");
return ok ? 0 : 1;
