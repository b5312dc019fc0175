using System.Linq.Expressions;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Tests.Workers;

/// <summary>
/// Entries that cannot run in another process are refused before any process starts, with a message that names the problem.
/// None of these tests starts a process: the checks run first (HostPath points nowhere to prove it).
/// </summary>
public sealed class WorkerEntryValidationTests
{
    private static readonly WorkerPoolOptions NoHost = new() { HostPath = "/nonexistent/host", Directory = Path.GetTempPath() };

    private readonly int _threshold = 3;

    [Fact]
    public void A_lambda_capturing_a_local_a_parameter_and_this_is_refused_naming_them()
    {
        int count = 2;
        string label = "x";
        ArgumentException refused = Refuse(Capturing(label, count));

        Assert.Equal("entry", refused.ParamName);
        Assert.Contains("captures 'label', 'count' and 'this'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("lambda in AgentOs.Sdk.Tests.Workers.WorkerEntryValidationTests.Capturing", refused.Message, StringComparison.Ordinal);
        Assert.Contains("WorkerPoolOptions.Arguments", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lambda_capturing_variables_of_an_outer_scope_names_them_too()
    {
        int outer = 1;
        Func<WorkerContext, CancellationToken, Task<int>>? entry = null;
        for (int i = 0; i < 1; i++)
        {
            int inner = i;
            entry = (context, _) => Task.FromResult(outer + inner);
        }

        ArgumentException refused = Refuse(entry!);

        Assert.Contains("captures 'inner' and 'outer'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_capturing_local_function_is_refused_by_its_name()
    {
        int limit = 5;
        Task<int> LimitedAsync(WorkerContext context, CancellationToken cancellationToken) => Task.FromResult(limit);

        ArgumentException refused = Refuse(LimitedAsync);

        Assert.Contains(
            "'local function LimitedAsync in AgentOs.Sdk.Tests.Workers.WorkerEntryValidationTests.A_capturing_local_function_is_refused_by_its_name' captures 'limit'",
            refused.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_instance_method_is_refused()
    {
        ArgumentException refused = Refuse(InstanceEntryAsync);

        Assert.Contains(
            "'AgentOs.Sdk.Tests.Workers.WorkerEntryValidationTests.InstanceEntryAsync' is an instance method",
            refused.Message,
            StringComparison.Ordinal);
        Assert.Contains("Make the method static", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_static_method_bound_to_a_first_argument_is_refused()
    {
        var bound = (Func<WorkerContext, CancellationToken, Task<int>>)Delegate.CreateDelegate(
            typeof(Func<WorkerContext, CancellationToken, Task<int>>),
            "bound",
            typeof(WorkerEntryValidationTests).GetMethod(nameof(BoundEntryAsync), System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!);

        Assert.Contains("bound to a first argument", Refuse(bound).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multicast_delegate_is_refused()
    {
        Func<WorkerContext, CancellationToken, Task<int>> first = StaticEntryAsync;
        Func<WorkerContext, CancellationToken, Task<int>> both = first + (static (_, _) => Task.FromResult(1));

        ArgumentException refused = Refuse(both);

        Assert.Contains("multicast delegate of 2 methods", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_compiled_expression_tree_is_refused_as_a_dynamic_method()
    {
        Expression<Func<WorkerContext, CancellationToken, Task<int>>> expression = (context, _) => Task.FromResult(context.WorkerId);

        Assert.Contains("dynamic method", Refuse(expression.Compile()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lambda_inside_a_generic_method_is_refused()
    {
        Assert.Contains("generic", Refuse(GenericEntry<string>()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Static_methods_and_lambdas_that_capture_nothing_pass_the_checks()
    {
        // They get past the entry checks and fail only on the missing host.
        Assert.Throws<FileNotFoundException>(() => WorkerPool.Start(1, StaticEntryAsync, NoHost));
        Assert.Throws<FileNotFoundException>(() => WorkerPool.Start(1, static (_, _) => Task.FromResult(0), NoHost));
        // Without the `static` keyword, a lambda that captures nothing is just as good.
        Assert.Throws<FileNotFoundException>(() => WorkerPool.Start(1, (context, _) => Task.FromResult(context.WorkerId), NoHost));
    }

    [Fact]
    public async Task RunAsync_refuses_at_the_call_and_a_missing_host_is_named()
    {
        int captured = 1;
        // Thrown by the call itself, not by the returned task.
        Assert.Throws<ArgumentException>(() => { _ = WorkerPool.RunAsync(1, (_, _) => Task.FromResult(captured), NoHost); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = WorkerPool.RunAsync(0, StaticEntryAsync, NoHost); });
        FileNotFoundException missing = Assert.Throws<FileNotFoundException>(() => { _ = WorkerPool.RunAsync(1, StaticEntryAsync, NoHost); });
        Assert.Contains("'/nonexistent/host' does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("WorkerHost.TryRun", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TaskCanceledException>(() => WorkerPool.RunAsync(1, StaticEntryAsync, NoHost, new CancellationToken(canceled: true)));
    }

    private static ArgumentException Refuse(Func<WorkerContext, CancellationToken, Task<int>> entry) =>
        Assert.Throws<ArgumentException>(() => WorkerPool.Start(1, entry, NoHost));

    private Func<WorkerContext, CancellationToken, Task<int>> Capturing(string label, int count) =>
        (context, _) => Task.FromResult(label.Length + count + _threshold + context.WorkerId);

    private static Func<WorkerContext, CancellationToken, Task<int>> GenericEntry<T>() =>
        static (_, _) => Task.FromResult(typeof(T).Name.Length);

    private Task<int> InstanceEntryAsync(WorkerContext context, CancellationToken cancellationToken) => Task.FromResult(_threshold);

    private static Task<int> StaticEntryAsync(WorkerContext context, CancellationToken cancellationToken) => Task.FromResult(0);

    private static Task<int> BoundEntryAsync(string first, WorkerContext context, CancellationToken cancellationToken) => Task.FromResult(first.Length);
}
