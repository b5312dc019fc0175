// AgentOs.Sdk quickstart: write artifacts atomically, prove they are intact, catch a tampered one, clean up after crashes.
//
// Run from the repository root:  dotnet run --project samples/AgentOs.Samples.Quickstart
// Everything lands in ./store/artifacts (relative to the current directory).
using System.Security.Cryptography;
using AgentOs.Sdk.IO;

string artifacts = Path.GetFullPath(Path.Combine("store", "artifacts"));
Console.WriteLine($"AgentOs.Sdk quickstart: atomic artifacts in {artifacts}");
Console.WriteLine();

// 1. Recover first, as a real agent would at start-up: if an earlier run was killed mid-write, this finishes or
//    undoes that write and deletes its temp files. (The directory is created if it is missing.)
Directory.CreateDirectory(artifacts);
AtomicRecoveryResult recovery = AtomicFile.Recover(artifacts);
Console.WriteLine($"Recover: {recovery}");
Console.WriteLine();

// 2. Write three artifacts. Each write is all-or-nothing: a crash leaves the old file or the new one, never a torn one,
//    and each file gets a "<name>.ok" marker holding its SHA-256, size, timestamp and path.
AtomicWriteResult[] written =
[
    AtomicFile.WriteAllText(Path.Combine(artifacts, "notes.txt"), $"Run at {DateTimeOffset.UtcNow:O}: all steps done.\n"),
    AtomicFile.WriteJson(Path.Combine(artifacts, "summary.json"), new { task = "quickstart", steps = 3, ok = true }),
    AtomicFile.WriteAllBytes(Path.Combine(artifacts, "model.bin"), RandomNumberGenerator.GetBytes(64 * 1024)),
];
Console.WriteLine("Wrote:");
foreach (AtomicWriteResult result in written)
{
    Console.WriteLine($"  {Path.GetFileName(result.Path),-14} {result.Size,8} bytes  sha256 {result.Sha256[..16]}…  marker {Path.GetFileName(result.OkMarkerPath)}");
}

Console.WriteLine();

// 3. Verify each one: re-hash the file and compare with its marker. Verify never throws; it says why when it fails.
int failures = 0;
Console.WriteLine("Verify:");
foreach (AtomicWriteResult result in written)
{
    var (isValid, error) = AtomicFile.Verify(result.Path);
    Console.WriteLine($"  {Path.GetFileName(result.Path),-14} {(isValid ? "valid" : "INVALID: " + error)}");
    failures += isValid ? 0 : 1;
}

Console.WriteLine();

// 4. Tamper with a copy: write it atomically (so it verifies), then change one byte behind the SDK's back.
string copy = Path.Combine(artifacts, "notes.tampered.txt");
AtomicFile.WriteAllText(copy, File.ReadAllText(written[0].Path));
byte[] bytes = File.ReadAllBytes(copy);
bytes[0] ^= 0x20; // "R" becomes "r": same size, different hash.
File.WriteAllBytes(copy, bytes);
var (tamperedIsValid, tamperedError) = AtomicFile.Verify(copy);
Console.WriteLine("Tampered copy:");
Console.WriteLine(tamperedIsValid
    ? "  notes.tampered.txt was NOT caught: verification is broken"
    : $"  caught as expected: {tamperedError}");
failures += tamperedIsValid ? 1 : 0;
Console.WriteLine();

// 5. A non-zero exit code tells scripts and CI that something did not hold.
Console.WriteLine(failures == 0
    ? $"OK: {written.Length} artifacts written and verified; the tampered copy was caught."
    : $"FAILED: {failures} check(s) did not hold.");
return failures == 0 ? 0 : 1;
