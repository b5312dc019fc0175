using System.Globalization;
using AgentOs.Samples.Tests.TestSupport;

namespace AgentOs.Samples.Tests.Packaging;

/// <summary>
/// Packs the whole solution once (<c>dotnet pack AgentOs.Sdk.sln --no-build</c>) into a temp feed, with a version never
/// used before so that no package cache can hide this build; shared by every packaging test.
/// </summary>
/// <remarks>
/// <c>--no-build</c> packs the outputs the test build made (the test project references every packable project), so the pack
/// cannot rewrite assemblies that running tests have loaded.
/// </remarks>
public sealed class PackedSolution : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _work = new("aos-pack-");

    /// <summary>The version every package was packed with.</summary>
    public string Version { get; } = "0.1.0-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N")[..6];

    /// <summary>The folder with the packages (the local feed).</summary>
    public string Feed => Path.Combine(_work.Path, "feed");

    /// <summary>A scratch folder for the tests, deleted with the fixture.</summary>
    public string Work => _work.Path;

    /// <summary>What <c>dotnet pack</c> printed.</summary>
    public string PackOutput { get; private set; } = string.Empty;

    /// <summary>The path of package <paramref name="id"/> (<c>.nupkg</c> or <c>.snupkg</c>).</summary>
    public string PackagePath(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        using var gate = await AgentOs.Sdk.Tests.Shared.PackagingGate.AcquireAsync(TimeSpan.FromMinutes(10));
        var pack = await ChildProcess.RunAsync(
            "dotnet",
            ["pack", Path.Combine(Repository.Root, "AgentOs.Sdk.sln"), "-c", Repository.Configuration, "--no-build", "-o", Feed, "-p:Version=" + Version, "--disable-build-servers"],
            Repository.Root,
            TimeSpan.FromMinutes(5));
        PackOutput = pack.Output;
        Assert.True(pack.ExitCode == 0, "dotnet pack of the solution failed:\n" + pack.Output);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _work.Dispose();
}

/// <summary>The packaging tests share one pack of the solution.</summary>
[CollectionDefinition(Name)]
public sealed class PackagingGroup : ICollectionFixture<PackedSolution>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Packaging";
}
