using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentOs.Sdk.IO;

namespace AgentOs.Cli.Durability;

/// <summary>
/// The operations the explorer checks: real <see cref="AtomicFile"/> calls, and two broken writers that must fail.
/// Contents are made from fixed seeds so that the explorer and the child agree on them without passing them around.
/// </summary>
internal static class CrashScenarios
{
    private const string Target = "artifact.bin";

    /// <summary>The old content: 5,000 bytes (two blocks); the new one is longer, so a torn or stale length shows.</summary>
    private static readonly byte[] OldBytes = Seeded(1, 5_000);

    /// <summary>The new content: 9,000 bytes, three 4 KiB blocks, so a write can be torn in two places.</summary>
    private static readonly byte[] NewBytes = Seeded(2, 9_000);

    /// <summary>Streamed content: more than the 64 KiB stream buffer, so it reaches the file in several writes.</summary>
    private static readonly byte[] StreamedBytes = Seeded(3, 70_000);

    /// <summary>A third, new file of the batch scenario: 3,000 bytes.</summary>
    private static readonly byte[] NotesBytes = Seeded(5, 3_000);

    private static readonly ScenarioDocument OldDocument = new("old", 1, ["a", "b"]);
    private static readonly ScenarioDocument NewDocument = new("new", 2, ["a", "b", "c", "a longer list so the sizes differ"]);

    /// <summary>Every scenario: the <see cref="AtomicFile"/> operations first, then the writers that must fail.</summary>
    public static IReadOnlyList<CrashScenario> All { get; } =
    [
        new("write-all-bytes", "AtomicFile.WriteAllBytes over an existing file and marker", Target, OldBytes, NewBytes, ExpectViolations: false)
        {
            Setup = dir => AtomicFile.WriteAllBytes(Path.Combine(dir, Target), OldBytes),
            Run = dir => AtomicFile.WriteAllBytes(Path.Combine(dir, Target), NewBytes),
        },
        new("write-all-bytes-new", "AtomicFile.WriteAllBytes of a file that does not exist yet", Target, null, NewBytes, ExpectViolations: false)
        {
            Setup = _ => { },
            Run = dir => AtomicFile.WriteAllBytes(Path.Combine(dir, Target), NewBytes),
        },
        new("write-async", "AtomicFile.WriteAsync streaming 70,000 bytes in 10,000-byte pieces", Target, OldBytes, StreamedBytes, ExpectViolations: false)
        {
            Setup = dir => AtomicFile.WriteAllBytes(Path.Combine(dir, Target), OldBytes),
            Run = dir => AtomicFile.WriteAsync(Path.Combine(dir, Target), StreamInPiecesAsync).GetAwaiter().GetResult(),
        },
        new("write-json", "AtomicFile.WriteJson over an existing JSON file", "document.json", Json(OldDocument), Json(NewDocument), ExpectViolations: false)
        {
            Setup = dir => AtomicFile.WriteJson(Path.Combine(dir, "document.json"), OldDocument, ScenarioJsonContext.Default.ScenarioDocument),
            Run = dir => AtomicFile.WriteJson(Path.Combine(dir, "document.json"), NewDocument, ScenarioJsonContext.Default.ScenarioDocument),
        },
        new("batch", "AtomicBatch of two files (one replaced, one new) committed with shared syncs", Target, OldBytes, NewBytes, ExpectViolations: false)
        {
            OtherFiles = [new("notes.txt", null, NotesBytes)],
            NewFilesArePrefixUnderExt4 = true,
            Setup = dir => AtomicFile.WriteAllBytes(Path.Combine(dir, Target), OldBytes),
            Run = dir => new AtomicBatch()
                .Add(Path.Combine(dir, Target), NewBytes)
                .Add(Path.Combine(dir, "notes.txt"), NotesBytes)
                .Commit(),
        },
        new("recover", "AtomicFile.Recover of a write killed between its renames, beside a dead writer's data temp", Target, NewBytes, NewBytes, ExpectViolations: false)
        {
            Setup = SetUpInterruptedWrite,
            Run = dir => AtomicFile.Recover(dir),
        },
        new("naive-in-place", "broken on purpose: File.WriteAllBytes of the file, then of its marker, in place", Target, OldBytes, NewBytes, ExpectViolations: true)
        {
            Setup = dir => AtomicFile.WriteAllBytes(Path.Combine(dir, Target), OldBytes),
            Run = dir => WriteInPlace(Path.Combine(dir, Target), NewBytes),
        },
        new("no-directory-fsync", "broken on purpose: temps written and fsynced, renamed over the pair, the directory never fsynced", Target, OldBytes, NewBytes, ExpectViolations: true)
        {
            Setup = dir => AtomicFile.WriteAllBytes(Path.Combine(dir, Target), OldBytes),
            Run = dir => WriteWithoutDirectorySync(Path.Combine(dir, Target), NewBytes),
        },
    ];

    public static CrashScenario Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"Unknown crash scenario '{name}'; known: {string.Join(", ", All.Select(s => s.Name))}.", nameof(name));

    private static async ValueTask StreamInPiecesAsync(Stream stream, CancellationToken cancellationToken)
    {
        for (int offset = 0; offset < StreamedBytes.Length; offset += 10_000)
        {
            await stream.WriteAsync(StreamedBytes.AsMemory(offset, Math.Min(10_000, StreamedBytes.Length - offset)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A write of <see cref="NewBytes"/> over <see cref="OldBytes"/> killed between its two renames (the new content in
    /// place, the old marker, the new marker still in its temp), plus a data temp of another writer that died before
    /// renaming anything. Made with the real SDK, then taken apart.
    /// </summary>
    private static void SetUpInterruptedWrite(string dir)
    {
        string target = Path.Combine(dir, Target);
        AtomicFile.WriteAllBytes(target, OldBytes);
        byte[] oldMarker = File.ReadAllBytes(target + AtomicFile.OkMarkerSuffix);
        AtomicFile.WriteAllBytes(target, NewBytes);
        File.Move(target + AtomicFile.OkMarkerSuffix, Path.Combine(dir, $".{Target}.0123456789abcdef.ok.tmp"));
#pragma warning disable AOS001 // Sets up the state a crash leaves mid-write: the old marker back in place beside new data.
        File.WriteAllBytes(target + AtomicFile.OkMarkerSuffix, oldMarker);
#pragma warning restore AOS001
        File.WriteAllBytes(Path.Combine(dir, $".{Target}.fedcba9876543210.tmp"), Seeded(4, 3_000));
    }

    /// <summary>What a careless writer does: overwrite the file in place, then its marker. Neither is ever fsynced.</summary>
    private static void WriteInPlace(string target, byte[] content)
    {
        File.WriteAllBytes(target, content);
#pragma warning disable AOS001 // The scenario is the in-place write: the explorer shows the torn states it leaves.
        File.WriteAllBytes(target + AtomicFile.OkMarkerSuffix, Marker(target, content));
#pragma warning restore AOS001
    }

    /// <summary>Temp files written and fsynced, renamed over the pair, but the directory never fsynced.</summary>
    private static void WriteWithoutDirectorySync(string target, byte[] content)
    {
        string dir = Path.GetDirectoryName(target)!;
        string dataTemp = Path.Combine(dir, $".{Path.GetFileName(target)}.00000000000000aa.tmp");
        string markerTemp = Path.Combine(dir, $".{Path.GetFileName(target)}.00000000000000aa.ok.tmp");
        WriteAndSync(dataTemp, content);
        WriteAndSync(markerTemp, Marker(target, content));
        File.Move(dataTemp, target, overwrite: true);
        File.Move(markerTemp, target + AtomicFile.OkMarkerSuffix, overwrite: true);
    }

    private static void WriteAndSync(string path, byte[] content)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>A marker in the SDK's format, so that Verify judges these writers by the same rules.</summary>
    private static byte[] Marker(string target, byte[] content)
    {
        string json = string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"sha256\":\"{Convert.ToHexStringLower(SHA256.HashData(content))}\",\"size\":{content.Length},\"timestamp\":\"2026-01-01T00:00:00.0000000Z\",\"path\":{JsonSerializer.Serialize(target, ScenarioJsonContext.Default.String)}}}\n");
        return Encoding.UTF8.GetBytes(json);
    }

    private static byte[] Json(ScenarioDocument document) => JsonSerializer.SerializeToUtf8Bytes(document, ScenarioJsonContext.Default.ScenarioDocument);

    private static byte[] Seeded(int seed, int length)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>The value the JSON scenario writes.</summary>
internal sealed record ScenarioDocument(string Name, int Version, string[] Items);

[JsonSerializable(typeof(ScenarioDocument))]
[JsonSerializable(typeof(string))]
internal sealed partial class ScenarioJsonContext : JsonSerializerContext;
