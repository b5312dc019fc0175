using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>A test case of the conformance suite: an ordinary fact, plus its provider's <c>Provider</c> trait and skip reason.</summary>
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

    /// <summary>Creates the test case of <paramref name="testMethod"/> on <paramref name="provider"/>.</summary>
    public ConformanceTestCase(
        IMessageSink diagnosticMessageSink,
        TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod,
        string provider,
        string? skipReason)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
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
        if (!Traits.TryGetValue("Provider", out var values))
        {
            Traits["Provider"] = values = [];
        }

        if (!values.Contains(_provider))
        {
            values.Add(_provider);
        }
    }

    /// <inheritdoc />
    protected override string GetSkipReason(IAttributeInfo factAttribute) => _skipReason ?? base.GetSkipReason(factAttribute);
}
