using System.Reflection;
using AgentOs.Sdk.Tests.Idempotency;
using AgentOs.Sdk.Tests.Leases;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>The suite's own machinery: every module runs on both providers, and each test case carries its provider's trait and skip.</summary>
public sealed class ConformanceSuiteTests
{
    [Fact]
    public void Every_conformance_class_runs_on_both_providers()
    {
        var concrete = typeof(ConformanceSuiteTests).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && ConformanceFactDiscoverer.ProviderOf(t) is not null)
            .ToList();
        var suites = concrete.GroupBy(t => GenericSuite(t)).ToList();

        Assert.NotEmpty(suites);
        Assert.All(suites, suite => Assert.Equal(
            [nameof(PostgreSqlProvider), nameof(SqliteProvider)],
            suite.Select(t => ConformanceFactDiscoverer.ProviderOf(t)!.Name).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void No_conformance_test_is_a_plain_fact_that_would_run_without_its_provider_trait()
    {
        var plain = typeof(ConformanceSuiteTests).Assembly.GetTypes()
            .Where(t => t.IsAbstract && t.IsGenericTypeDefinition && DerivesFromStoreConformanceTests(t))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttributes<FactAttribute>().Any(a => a is not (ConformanceFactAttribute or ConformanceTheoryAttribute)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();

        Assert.Contains(typeof(ConformanceSuiteTests).Assembly.GetTypes(), t => t.IsGenericTypeDefinition && DerivesFromStoreConformanceTests(t));
        Assert.Empty(plain);
    }

    [Fact]
    public void A_test_case_carries_its_providers_trait_and_skip_reason_through_serialization()
    {
        var method = typeof(LeaseManagerTests<PostgreSqlProvider>).GetMethod(nameof(LeaseManagerTests<>.Acquiring_an_item_that_does_not_exist_returns_null))!;
        var testMethod = TestMethodOf(typeof(LeaseManagerTests_PostgreSql), method);
        var skipped = new ConformanceTestCase(new NullMessageSink(), TestMethodDisplay.ClassAndMethod, TestMethodDisplayOptions.None, testMethod, PostgreSqlProvider.Name, "no server here");
        var runs = new ConformanceTestCase(new NullMessageSink(), TestMethodDisplay.ClassAndMethod, TestMethodDisplayOptions.None, testMethod, PostgreSqlProvider.Name, skipReason: null);

        var roundTripped = SerializationHelper.Deserialize<ConformanceTestCase>(SerializationHelper.Serialize(skipped))!;

        foreach (var testCase in new[] { skipped, roundTripped })
        {
            Assert.Equal("no server here", testCase.SkipReason);
            Assert.Equal([PostgreSqlProvider.Name], testCase.Traits["Provider"]);
        }

        Assert.Null(runs.SkipReason);
        Assert.Equal([PostgreSqlProvider.Name], runs.Traits["Provider"]);
    }

    [Fact]
    public void A_conformance_theory_yields_one_case_per_data_row_each_with_its_providers_trait_and_skip_reason()
    {
        var method = typeof(IdempotencyHammerTests<PostgreSqlProvider>).GetMethod(nameof(IdempotencyHammerTests<>.Six_processes_hammering_the_same_keys_never_fail_never_stall_and_run_each_effect_once))!;
        var theory = Reflector.Wrap(method.GetCustomAttributesData().Single(a => a.AttributeType == typeof(ConformanceTheoryAttribute)));
        var discoverer = new ConformanceTheoryDiscoverer(new NullMessageSink());
        var options = new DiscoveryOptions();

        var sqlite = discoverer.Discover(options, TestMethodOf(typeof(IdempotencyHammerTests_Sqlite), method), theory).ToList();
        var postgreSql = discoverer.Discover(options, TestMethodOf(typeof(IdempotencyHammerTests_PostgreSql), method), theory).ToList();

        foreach (var (cases, provider, skip) in new[] { (sqlite, SqliteProvider.Name, SqliteProvider.SkipReason), (postgreSql, PostgreSqlProvider.Name, PostgreSqlProvider.SkipReason) })
        {
            // One case per [InlineData] row, each a conformance case that runs its row on its provider.
            Assert.Equal([["ledger"], ["cache"]], cases.Select(c => c.TestMethodArguments.Cast<string>().ToArray()));
            Assert.All(cases, c => Assert.IsType<ConformanceTestCase>(c));
            Assert.All(cases, c => Assert.Equal([provider], c.Traits["Provider"]));
            Assert.All(cases, c => Assert.Equal(skip, c.SkipReason));
        }

        // A row survives the runner's serialization with its arguments, trait and skip reason.
        var roundTripped = SerializationHelper.Deserialize<ConformanceTestCase>(SerializationHelper.Serialize(postgreSql[1]))!;
        Assert.Equal(["cache"], roundTripped.TestMethodArguments.Cast<string>());
        Assert.Equal([PostgreSqlProvider.Name], roundTripped.Traits["Provider"]);
        Assert.Equal(PostgreSqlProvider.SkipReason, roundTripped.SkipReason);
    }

    [Fact]
    public void A_conformance_theory_outside_a_provider_class_is_an_error_not_a_silent_pass()
    {
        var method = typeof(IdempotencyHammerTests<SqliteProvider>).GetMethod(nameof(IdempotencyHammerTests<>.Six_processes_hammering_the_same_keys_never_fail_never_stall_and_run_each_effect_once))!;
        var theory = Reflector.Wrap(method.GetCustomAttributesData().Single(a => a.AttributeType == typeof(ConformanceTheoryAttribute)));

        var cases = new ConformanceTheoryDiscoverer(new NullMessageSink()).Discover(new DiscoveryOptions(), TestMethodOf(typeof(ConformanceSuiteTests), method), theory).ToList();

        var error = Assert.IsType<ExecutionErrorTestCase>(Assert.Single(cases));
        Assert.Contains("[ConformanceTheory] needs a test class", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_discoverer_finds_the_provider_of_each_side()
    {
        Assert.Equal(typeof(SqliteProvider), ConformanceFactDiscoverer.ProviderOf(typeof(LeaseManagerTests_Sqlite)));
        Assert.Equal(typeof(PostgreSqlProvider), ConformanceFactDiscoverer.ProviderOf(typeof(LeaseManagerTests_PostgreSql)));
        Assert.Null(ConformanceFactDiscoverer.ProviderOf(typeof(ConformanceSuiteTests)));
    }

    private static bool DerivesFromStoreConformanceTests(Type type)
    {
        for (var b = type.BaseType; b is not null; b = b.BaseType)
        {
            if (b.IsGenericType && b.GetGenericTypeDefinition() == typeof(StoreConformanceTests<>))
            {
                return true;
            }
        }

        return false;
    }

    private static Type GenericSuite(Type concrete)
    {
        for (var type = concrete.BaseType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() != typeof(StoreConformanceTests<>) && ConformanceFactDiscoverer.ProviderOf(type) is not null)
            {
                return type.GetGenericTypeDefinition();
            }
        }

        return concrete;
    }

    /// <summary>Discovery options with every setting at xunit's default (theories pre-enumerated).</summary>
    private sealed class DiscoveryOptions : ITestFrameworkDiscoveryOptions
    {
        private readonly Dictionary<string, object?> _values = [];

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var value) ? (TValue)value! : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }

    private static TestMethod TestMethodOf(Type testClass, MethodInfo method)
    {
        var assembly = new TestAssembly(Reflector.Wrap(testClass.Assembly));
        var collection = new TestCollection(assembly, collectionDefinition: null, displayName: "conformance");
        return new TestMethod(new TestClass(collection, Reflector.Wrap(testClass)), Reflector.Wrap(method));
    }
}
