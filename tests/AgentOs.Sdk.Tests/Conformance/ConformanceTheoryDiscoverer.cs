using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// Xunit's theory discovery (data rows read and pre-enumerated the usual way), with every test case made a conformance one:
/// it carries the provider's trait, and the provider's skip reason where the provider cannot run here.
/// </summary>
public sealed class ConformanceTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc />
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute)
    {
        var testClass = testMethod.TestClass.Class.ToRuntimeType();
        if (ConformanceFactDiscoverer.ProviderOf(testClass) is null)
        {
            return
            [
                new ExecutionErrorTestCase(
                    DiagnosticMessageSink,
                    discoveryOptions.MethodDisplayOrDefault(),
                    discoveryOptions.MethodDisplayOptionsOrDefault(),
                    testMethod,
                    $"[ConformanceTheory] needs a test class that derives from a class generic in an {nameof(IStoreProviderFixture)} (for example IdempotencyHammerTests<SqliteProvider>); {testClass.FullName} does not."),
            ];
        }

        return base.Discover(discoveryOptions, testMethod, theoryAttribute);
    }

    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow)
    {
        var (provider, skipReason) = ProviderOf(testMethod);
        return [new ConformanceTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, provider, skipReason, dataRow)];
    }

    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForSkippedDataRow(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow, string skipReason)
    {
        var (provider, providerSkip) = ProviderOf(testMethod);
        return [new ConformanceTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, provider, providerSkip ?? skipReason, dataRow)];
    }

    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForSkip(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, string skipReason)
    {
        var (provider, providerSkip) = ProviderOf(testMethod);
        return [new ConformanceTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, provider, providerSkip ?? skipReason)];
    }

    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForTheory(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute)
    {
        // Rows that cannot be pre-enumerated (not serializable, or pre-enumeration turned off) run as one theory case.
        var (provider, skipReason) = ProviderOf(testMethod);
        return [new ConformanceTheoryTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, provider, skipReason)];
    }

    private static (string Provider, string? SkipReason) ProviderOf(ITestMethod testMethod)
    {
        var provider = ConformanceFactDiscoverer.ProviderOf(testMethod.TestClass.Class.ToRuntimeType())!;
        return (ConformanceFactDiscoverer.Read(provider, nameof(IStoreProviderFixture.ProviderName))!, ConformanceFactDiscoverer.Read(provider, nameof(IStoreProviderFixture.SkipReason)));
    }
}
