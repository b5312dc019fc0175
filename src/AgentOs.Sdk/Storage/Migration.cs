using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace AgentOs.Sdk.Storage;

/// <summary>One embedded SQL script that moves the schema to <see cref="Version"/>.</summary>
internal sealed record Migration(SchemaVersion Version, string Description, string Sql, string Checksum)
{
    private const string ResourcePrefix = "AgentOs.Sdk.Storage.Migrations.";

    /// <summary>Every migration embedded in this assembly, oldest first.</summary>
    public static IReadOnlyList<Migration> All { get; } = LoadEmbedded(typeof(Migration).Assembly, ResourcePrefix);

    /// <summary>
    /// The migrations embedded in <paramref name="assembly"/> under <paramref name="resourcePrefix"/>, oldest first: each
    /// provider's package embeds its own scripts with the same names and versions.
    /// </summary>
    // Resource names look like "<prefix>0.24__recovery_tables.sql".
    internal static Migration[] LoadEmbedded(Assembly assembly, string resourcePrefix)
    {
        var migrations = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(resourcePrefix, StringComparison.Ordinal) || !name.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = name[resourcePrefix.Length..^".sql".Length];
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
            throw new InvalidOperationException($"No schema migration is embedded in {assembly.GetName().Name}.");
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
