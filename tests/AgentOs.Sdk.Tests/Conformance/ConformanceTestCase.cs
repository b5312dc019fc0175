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
    private ConformanceCaseProvider _provider = new(string.Empty, skipReason: null);

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
