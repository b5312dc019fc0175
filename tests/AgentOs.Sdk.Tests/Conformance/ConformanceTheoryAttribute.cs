using Xunit.Sdk;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// A theory of the conformance suite: like <see cref="ConformanceFactAttribute"/>, written once in an abstract
/// <c>...Tests&lt;TProvider&gt;</c> class and run by each sealed subclass on its provider, with one test case per data row
/// (<c>[InlineData]</c>, <c>[MemberData]</c>...). Each case carries the trait <c>Provider=Sqlite</c> or
/// <c>Provider=PostgreSql</c> and the provider's skip reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("AgentOs.Sdk.Tests.Conformance.ConformanceTheoryDiscoverer", "AgentOs.Sdk.Tests")]
public sealed class ConformanceTheoryAttribute : TheoryAttribute;
