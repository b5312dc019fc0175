using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// A test case of the conformance suite: an ordinary fact (or one data row of a theory), plus its provider's <c>Provider</c>
/// trait and skip reason.
/// </summary>
public sealed class ConformanceTestCase : XunitTestCase
{
    private string _provider = "";
    private string? _skipReason;

    /// <summary>For the runner's deserialization only.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ConformanceTestCase()
    {
    }

    /// <summary>
    /// Creates the test case of <paramref name="testMethod"/> on <paramref name="provider"/>, with one data row of a
    /// <see cref="ConformanceTheoryAttribute"/> in <paramref name="testMethodArguments"/>.
    /// </summary>
    public ConformanceTestCase(
        IMessageSink diagnosticMessageSink,
        TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod,
        string provider,
        string? skipReason,
        object?[]? testMethodArguments = null)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, testMethodArguments)
    {
        _provider = provider;
        _skipReason = skipReason;
    }

    /// <inheritdoc />
    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("Provider", _provider);
        data.AddValue("ProviderSkipReason", _skipReason);
    }

    /// <inheritdoc />
    public override void Deserialize(IXunitSerializationInfo data)
    {
        _provider = data.GetValue<string>("Provider");
        _skipReason = data.GetValue<string?>("ProviderSkipReason");
        base.Deserialize(data);
    }

    /// <inheritdoc />
    protected override void Initialize()
    {
        base.Initialize();
        AddProviderTrait(Traits, _provider);
    }

    /// <summary>Adds <c>Provider=<paramref name="provider"/></c> to a test case's traits (once).</summary>
    internal static void AddProviderTrait(Dictionary<string, List<string>> traits, string provider)
    {
        if (!traits.TryGetValue("Provider", out var values))
        {
            traits["Provider"] = values = [];
        }

        if (!values.Contains(provider))
        {
            values.Add(provider);
        }
    }

    /// <inheritdoc />
    protected override string GetSkipReason(IAttributeInfo factAttribute) => _skipReason ?? base.GetSkipReason(factAttribute);
}
