using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// A conformance theory whose data rows could not be pre-enumerated, run as one test case over all its rows (xunit's
/// theory case), with its provider's <c>Provider</c> trait and skip reason.
/// </summary>
public sealed class ConformanceTheoryTestCase : XunitTheoryTestCase
{
    private string _provider = "";
    private string? _skipReason;

    /// <summary>For the runner's deserialization only.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ConformanceTheoryTestCase()
    {
    }

    /// <summary>Creates the theory case of <paramref name="testMethod"/> on <paramref name="provider"/>.</summary>
    public ConformanceTheoryTestCase(
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
        ConformanceTestCase.AddProviderTrait(Traits, _provider);
    }

    /// <inheritdoc />
    protected override string GetSkipReason(IAttributeInfo factAttribute) => _skipReason ?? base.GetSkipReason(factAttribute);
}
