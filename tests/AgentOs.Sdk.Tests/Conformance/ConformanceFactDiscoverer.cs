using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// Finds the provider a conformance test class runs on (the <see cref="IStoreProviderFixture"/> among its base types' type
/// arguments) and makes a <see cref="ConformanceTestCase"/> that carries that provider's trait and skip reason. Xunit's own
/// skip is fixed per attribute, and one attribute serves every provider here.
/// </summary>
public sealed class ConformanceFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var testClass = testMethod.TestClass.Class.ToRuntimeType();
        if (ProviderOf(testClass) is not { } provider)
        {
            yield return new ExecutionErrorTestCase(
                diagnosticMessageSink,
                discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(),
                testMethod,
                $"[ConformanceFact] needs a test class that derives from a class generic in an {nameof(IStoreProviderFixture)} (for example LeaseManagerTests<SqliteProvider>); {testClass.FullName} does not.");
            yield break;
        }

        yield return new ConformanceTestCase(
            diagnosticMessageSink,
            discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(),
            testMethod,
            Read(provider, nameof(IStoreProviderFixture.ProviderName))!,
            Read(provider, nameof(IStoreProviderFixture.SkipReason)));
    }

    /// <summary>The provider type among the generic arguments of <paramref name="testClass"/> or one of its base classes.</summary>
    internal static Type? ProviderOf(Type testClass)
    {
        for (var type = testClass; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericArguments().FirstOrDefault(a => !a.IsGenericParameter && typeof(IStoreProviderFixture).IsAssignableFrom(a)) is { } provider)
            {
                return provider;
            }
        }

        return null;
    }

    internal static string? Read(Type provider, string property) =>
        (string?)provider.GetProperty(property, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)!.GetValue(null);
}
