using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace AgentOs.Sdk.Storage;

/// <summary>One embedded SQL script that moves the schema to <see cref="Version"/>.</summary>
internal sealed record Migration(SchemaVersion Version, string Description, string Sql, string Checksum)
{
    private const string ResourcePrefix = "AgentOs.Sdk.Storage.Migrations.";

    /// <summary>Every migration embedded in this assembly, oldest first.</summary>
    public static IReadOnlyList<Migration> All { get; } = Load();

    // Resource names look like "AgentOs.Sdk.Storage.Migrations.0.24__recovery_tables.sql".
    private static Migration[] Load()
    {
        var assembly = typeof(Migration).Assembly;
        var migrations = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !name.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = name[ResourcePrefix.Length..^".sql".Length];
            var separator = fileName.IndexOf("__", StringComparison.Ordinal);
            if (separator < 0 || !SchemaVersion.TryParse(fileName[..separator], out var version))
            {
                throw new InvalidOperationException($"Embedded migration '{name}' is not named '<major>.<minor>__<description>.sql'.");
            }

            var sql = ReadResource(assembly, name);
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            migrations.Add(new Migration(version, fileName[(separator + 2)..].Replace('_', ' '), sql, checksum));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (migrations.Count == 0)
        {
            throw new InvalidOperationException("No schema migration is embedded in AgentOs.Sdk.");
        }

        return [.. migrations];
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded migration '{name}' cannot be read.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // Line endings are normalised so that the checksum does not depend on how git checked the file out.
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }
}
