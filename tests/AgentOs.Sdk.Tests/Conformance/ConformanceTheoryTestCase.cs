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
    private ConformanceCaseProvider _provider = new(string.Empty, skipReason: null);

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
        _provider = new ConformanceCaseProvider(provider, skipReason);
    }

    /// <inheritdoc />
    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        _provider.Serialize(data);
    }

    /// <inheritdoc />
    public override void Deserialize(IXunitSerializationInfo data)
    {
        _provider = ConformanceCaseProvider.Deserialize(data);
        base.Deserialize(data);
    }

    /// <inheritdoc />
    protected override void Initialize()
    {
        base.Initialize();
        _provider.AddTrait(Traits);
    }

    /// <inheritdoc />
    protected override string GetSkipReason(IAttributeInfo factAttribute) => _provider.SkipReason ?? base.GetSkipReason(factAttribute);
}
