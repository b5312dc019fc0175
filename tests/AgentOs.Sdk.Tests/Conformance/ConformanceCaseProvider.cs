using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// What a conformance test case adds to xunit's own (<see cref="ConformanceTestCase"/> for facts and data rows,
/// <see cref="ConformanceTheoryTestCase"/> for theories run whole): its provider, carried as the <c>Provider</c> trait, and
/// the provider's skip reason. One place for both cases, so that what is serialized and what is read back stay the same.
/// </summary>
internal sealed class ConformanceCaseProvider
{
    public ConformanceCaseProvider(string provider, string? skipReason)
    {
        Provider = provider;
        SkipReason = skipReason;
    }

    /// <summary>The provider's name (<c>Sqlite</c> or <c>PostgreSql</c>).</summary>
    public string Provider { get; }

    /// <summary>Why the provider cannot run here, or null.</summary>
    public string? SkipReason { get; }

    public static ConformanceCaseProvider Deserialize(IXunitSerializationInfo data) =>
        new(data.GetValue<string>("Provider"), data.GetValue<string?>("ProviderSkipReason"));

    public void Serialize(IXunitSerializationInfo data)
    {
        data.AddValue("Provider", Provider);
        data.AddValue("ProviderSkipReason", SkipReason);
    }

    /// <summary>Adds <c>Provider=...</c> to a test case's traits (once).</summary>
    public void AddTrait(Dictionary<string, List<string>> traits)
    {
        if (!traits.TryGetValue("Provider", out var values))
        {
            traits["Provider"] = values = [];
        }

        if (!values.Contains(Provider))
        {
            values.Add(Provider);
        }
    }
}
