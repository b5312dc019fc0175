using System.Security.Cryptography;
using System.Text.Json;
using AgentOs.Sdk.IO;

namespace AgentOs.Cli.Durability;

/// <summary>
/// Puts one crash state on disk, runs <see cref="AtomicFile.Recover(string)"/> and <see cref="AtomicFile.Verify"/> on it
/// as a program would at start-up, and checks the four promises of docs/durability.md:
/// <list type="number">
/// <item>the target is wholly the old or wholly the new content, never torn, never missing or empty unless it was;</item>
/// <item>once the call had returned, it is the new content;</item>
/// <item>after Recover, Verify is valid, and valid only for bytes the marker describes (checked independently);</item>
/// <item>Recover leaves no temp file, and a second Recover changes nothing.</item>
/// </list>
/// A batch's files are each checked the same way; under ext4 <c>data=ordered</c> its new files must also be a prefix of
/// the order the batch added them (the rule <see cref="AtomicBatch"/> documents).
/// </summary>
internal static class CrashStateChecker
{
    /// <summary>Returns the broken promises; empty when the state is safe.</summary>
    public static List<string> Check(CrashScenario scenario, CrashState state, string directory, PersistenceModel model)
    {
        Materialise(state, directory);
        var problems = new List<string>();
        try
        {
            AtomicFile.Recover(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            problems.Add($"Recover failed: {e.Message}");
            return problems;
        }

        Dictionary<string, byte[]> recovered = Snapshot(directory);
        string[] temps = [.. recovered.Keys.Where(n => n.StartsWith('.') && n.EndsWith(".tmp", StringComparison.Ordinal)).Select(TraceOp.Short)];
        if (temps.Length > 0)
        {
            problems.Add($"Recover left temp files: {string.Join(", ", temps)}");
        }

        var isNewByFile = new List<bool>();
        foreach (ScenarioFile file in scenario.Files)
        {
            isNewByFile.Add(CheckFile(file, state, directory, recovered, scenario.Files.Count > 1, problems));
        }

        // The batch's ordering claim under ext4: once a file is found old, no later file of the batch is new.
        if (scenario.NewFilesArePrefixUnderExt4 && model == PersistenceModel.Ext4Ordered)
        {
            int firstOld = isNewByFile.IndexOf(false);
            if (firstOld >= 0 && isNewByFile.Skip(firstOld).Any(isNew => isNew))
            {
                problems.Add($"the new files are not a prefix of the batch's order: {string.Join(", ", scenario.Files.Select((f, i) => $"{f.Name}={(isNewByFile[i] ? "new" : "old")}"))}");
            }
        }

        AtomicRecoveryResult second = AtomicFile.Recover(directory);
        if (second.ChangedAnything || !SameFiles(recovered, Snapshot(directory)))
        {
            problems.Add($"a second Recover changed the directory ({second})");
        }

        return problems;
    }

    /// <summary>Checks one file after Recover; returns whether it holds its new content.</summary>
    private static bool CheckFile(ScenarioFile file, CrashState state, string directory, Dictionary<string, byte[]> recovered, bool named, List<string> problems)
    {
        string which = named ? $"'{file.Name}'" : "the target";
        string target = Path.Combine(directory, file.Name);
        if (recovered.TryGetValue(file.Name, out byte[]? content))
        {
            bool isOld = file.Old is not null && content.AsSpan().SequenceEqual(file.Old);
            bool isNew = content.AsSpan().SequenceEqual(file.New);
            if (!isOld && !isNew)
            {
                problems.Add($"{which} is torn: {content.Length} bytes, neither the old {file.Old?.Length ?? 0} nor the new {file.New.Length}");
            }
            else if (state.AfterReturn && !isNew)
            {
                problems.Add($"the call had returned, but {which} holds the old content");
            }

            AtomicVerifyResult verified = AtomicFile.Verify(target);
            if (!verified.IsValid)
            {
                problems.Add($"after Recover, Verify{(named ? $" of {which}" : "")} is invalid: {verified.Error}");
            }
            else if (!MarkerDescribes(recovered, file.Name + AtomicFile.OkMarkerSuffix, content))
            {
                problems.Add($"Verify is valid for bytes its marker does not describe{(named ? $" ({which})" : "")}");
            }

            return isNew && !isOld;
        }

        if (file.Old is not null)
        {
            problems.Add($"{which} is missing");
        }
        else if (state.AfterReturn)
        {
            problems.Add($"the call had returned, but the new file {which} is missing");
        }

        return false;
    }

    /// <summary>Replaces the directory's content with the state's files (the directory keeps its path: markers name it).</summary>
    public static void Materialise(CrashState state, string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        foreach ((string name, byte[] bytes) in state.Files)
        {
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }
    }

    /// <summary>Every file directly in <paramref name="directory"/>, hidden ones included.</summary>
    public static Dictionary<string, byte[]> Snapshot(string directory)
    {
        var listing = new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false };
        return Directory.EnumerateFiles(directory, "*", listing)
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal);
    }

    public static bool SameFiles(IReadOnlyDictionary<string, byte[]> a, IReadOnlyDictionary<string, byte[]> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out byte[]? other) && other.AsSpan().SequenceEqual(e.Value));

    /// <summary>Reads the marker's size and SHA-256 without the SDK, so that a Verify bug cannot hide itself.</summary>
    private static bool MarkerDescribes(Dictionary<string, byte[]> files, string markerName, byte[] content)
    {
        if (!files.TryGetValue(markerName, out byte[]? marker))
        {
            return false;
        }

        try
        {
            using JsonDocument json = JsonDocument.Parse(marker);
            return json.RootElement.GetProperty("size").GetInt64() == content.Length
                && string.Equals(json.RootElement.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(content)), StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }
}
