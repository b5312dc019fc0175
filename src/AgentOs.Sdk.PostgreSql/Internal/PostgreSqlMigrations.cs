using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>The PostgreSQL scripts embedded in this assembly: the same versions as the SQLite ones, each with its own checksum.</summary>
internal static class PostgreSqlMigrations
{
    private const string ResourcePrefix = "AgentOs.Sdk.PostgreSql.Migrations.";

    /// <summary>Every PostgreSQL migration, oldest first.</summary>
    public static IReadOnlyList<Migration> All { get; } = Load();

    /// <summary>The newest version the PostgreSQL scripts reach.</summary>
    public static SchemaVersion CurrentVersion => All[^1].Version;

    // Resource names look like "AgentOs.Sdk.PostgreSql.Migrations.0.24__recovery_tables.sql", as the SQLite ones.
    private static Migration[] Load()
    {
        var assembly = typeof(PostgreSqlMigrations).Assembly;
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
            throw new InvalidOperationException("No schema migration is embedded in AgentOs.Sdk.PostgreSql.");
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
