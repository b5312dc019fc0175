using Xunit.Sdk;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// A fact of the conformance suite, written once in an abstract <c>...Tests&lt;TProvider&gt;</c> class and run by each sealed
/// subclass on its provider. Each test case carries the trait <c>Provider=Sqlite</c> or <c>Provider=PostgreSql</c>, and is
/// skipped with the provider's one-line reason where the provider cannot run (see <see cref="IStoreProviderFixture.SkipReason"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("AgentOs.Sdk.Tests.Conformance.ConformanceFactDiscoverer", "AgentOs.Sdk.Tests")]
public sealed class ConformanceFactAttribute : FactAttribute;
