using Verify = AgentOs.Sdk.Analyzers.Tests.Verifiers.AnalyzerVerifier<AgentOs.Sdk.Analyzers.Rules.WorkerEntryPointCapturesStateAnalyzer>;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>AOS002: <c>{|AOS002:...|}</c> marks the delegate that captures state.</summary>
public sealed class WorkerEntryPointCapturesStateAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using WorkerApi;

        """;

    private static Task VerifyAsync(string code, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected)
        => Verify.VerifyAsync(Usings + code + WorkerApiSnippet.Source, expected);

    // ---------- positive: reported ----------

    [Fact]
    public Task Captured_local_is_reported_and_named()
        => VerifyAsync(
            """
            class C
            {
                Task M()
                {
                    var retries = 3;
                    return Pool.RunAsync(2, {|#0:(ctx, ct) => Task.FromResult(retries)|});
                }
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("Pool.RunAsync", "'retries'"));

    [Fact]
    public Task Captured_parameter_is_reported()
        => VerifyAsync(
            """
            class C
            {
                Task M(string queue) => Pool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(queue.Length)|});
            }
            """);

    [Fact]
    public Task Instance_field_read_captures_this()
        => VerifyAsync(
            """
            class C
            {
                private int _limit = 5;
                Task M() => Pool.RunAsync(2, {|#0:(ctx, ct) => Task.FromResult(_limit)|});
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("Pool.RunAsync", "'this'"));

    [Fact]
    public Task Every_captured_variable_is_named_in_declaration_order_with_this_last()
        => VerifyAsync(
            """
            class C
            {
                private int _offset;
                Task M(int a)
                {
                    var b = 2;
                    return Pool.RunAsync(2, {|#0:(ctx, ct) => Task.FromResult(b + a + _offset)|});
                }
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("Pool.RunAsync", "'a', 'b' and 'this'"));

    [Fact]
    public Task Anonymous_method_capture_is_reported()
        => VerifyAsync(
            """
            class C
            {
                Task M(int n) => Pool.RunAsync(2, {|AOS002:delegate (Ctx ctx, CancellationToken ct) { return Task.FromResult(n); }|});
            }
            """);

    [Fact]
    public Task Capturing_local_function_passed_as_method_group_is_reported()
        => VerifyAsync(
            """
            class C
            {
                Task M(int n)
                {
                    Task<int> Work(Ctx ctx, CancellationToken ct) => Task.FromResult(n);
                    return Pool.RunAsync(2, {|#0:Work|});
                }
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("Pool.RunAsync", "'n'"));

    [Fact]
    public Task Instance_method_group_is_reported_as_capturing_this()
        => VerifyAsync(
            """
            class C
            {
                Task<int> Work(Ctx ctx, CancellationToken ct) => Task.FromResult(1);
                Task M() => Pool.RunAsync(2, {|#0:Work|});
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("Pool.RunAsync", "'this'"));

    [Fact]
    public Task Instance_method_group_of_another_object_names_the_receiver()
        => VerifyAsync(
            """
            class Job
            {
                public Task<int> Run(Ctx ctx, CancellationToken ct) => Task.FromResult(1);
            }
            class C
            {
                Task M(Job job) => Pool.RunAsync(2, {|#0:job.Run|});
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("Pool.RunAsync", "'job'"));

    [Fact]
    public Task Named_and_out_of_order_arguments_are_mapped_to_the_marked_parameter()
        => VerifyAsync(
            """
            class C
            {
                Task M(int n) => Pool.RunAsync(entry: {|AOS002:(ctx, ct) => Task.FromResult(n)|}, cancellationToken: default, workerCount: 2);
            }
            """);

    [Fact]
    public Task Capture_inside_a_nested_lambda_is_a_capture_of_the_entry_point()
        => VerifyAsync(
            """
            using System.Linq;
            class C
            {
                Task M(int[] weights) => Pool.RunAsync(2, {|#0:(ctx, ct) => Task.FromResult(Enumerable.Range(0, 3).Sum(i => weights[i]))|});
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("Pool.RunAsync", "'weights'"));

    [Fact]
    public Task Top_level_statement_locals_are_captures()
        => Verify.VerifyAsync(
            """
            using System.Threading.Tasks;
            using WorkerApi;
            var dbPath = args[0];
            await Pool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(dbPath.Length)|});
            """ + WorkerApiSnippet.Source,
            editorConfig: null,
            topLevel: true,
            withSdk: true);

    [Fact]
    public Task Writing_a_captured_local_is_a_capture()
        => VerifyAsync(
            """
            class C
            {
                Task M()
                {
                    var done = 0;
                    return Pool.RunAsync(2, {|AOS002:async (ctx, ct) => { await Task.Yield(); done++; return 0; }|});
                }
            }
            """);

    [Fact]
    public Task Constructor_parameter_marked_WorkerEntryPoint_is_checked()
        => VerifyAsync(
            """
            class C
            {
                Runner M(int n)
                {
                    Runner implicitRunner = new({|AOS002:(ctx, ct) => Task.FromResult(n)|});
                    return new Runner({|AOS002:(ctx, ct) => Task.FromResult(n + 1)|});
                }
            }
            """);

    [Fact]
    public Task Primary_constructor_parameter_is_named()
        => VerifyAsync(
            """
            class C(string queue)
            {
                Task M() => Pool.RunAsync(2, {|#0:(ctx, ct) => Task.FromResult(queue.Length)|});
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("Pool.RunAsync", "'queue'"));

    [Fact]
    public Task Attribute_on_the_overridden_parameter_is_inherited()
        => VerifyAsync(
            """
            class C
            {
                void M(LocalScheduler scheduler, int n) => scheduler.Schedule({|AOS002:(ctx, ct) => Task.FromResult(n)|});
            }
            """);

    [Fact]
    public Task Loop_variable_and_using_variable_are_captures()
        => VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string[] queues)
                {
                    foreach (var queue in queues)
                    {
                        _ = Pool.RunAsync(1, {|AOS002:(ctx, ct) => Task.FromResult(queue.Length)|});
                    }

                    using var stream = new MemoryStream();
                    _ = Pool.RunAsync(1, {|AOS002:(ctx, ct) => Task.FromResult((int)stream.Length)|});
                }
            }
            """);

    [Fact]
    public Task Real_WorkerPool_RunAsync_and_Start_are_checked()
        => Verify.VerifyAsync(
            """
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;
            class C
            {
                async Task M(string queue)
                {
                    await WorkerPool.RunAsync(2, {|#0:(ctx, ct) => Task.FromResult(queue.Length)|});
                    await using var run = WorkerPool.Start(1, {|#1:async (ctx, ct) => { await Task.Yield(); return queue.Length; }|});
                    await WorkerPool.RunAsync(2, static (ctx, ct) => Task.FromResult(ctx.GetArgument<string>("queue").Length),
                        new WorkerPoolOptions { Arguments = { ["queue"] = queue } });
                }
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("WorkerPool.RunAsync", "'queue'"),
            Verify.Diagnostic("AOS002").WithLocation(1).WithArguments("WorkerPool.Start", "'queue'"));

    // ---------- negative: not reported ----------

    [Fact]
    public Task Static_lambda_is_not_reported()
        => VerifyAsync(
            """
            class C
            {
                Task M() => Pool.RunAsync(2, static (ctx, ct) => Task.FromResult(ctx.WorkerId));
            }
            """);

    [Fact]
    public Task Non_capturing_lambda_that_is_not_static_is_not_an_AOS002_warning()
        => VerifyAsync(
            """
            class C
            {
                Task M() => Pool.RunAsync(2, (ctx, ct) => Task.FromResult(ctx.WorkerId));
            }
            """);

    [Fact]
    public Task Lambda_reading_a_static_field_captures_nothing()
        => VerifyAsync(
            """
            class C
            {
                private static int s_limit = 5;
                private static readonly string Queue = "jobs";
                Task M() => Pool.RunAsync(2, (ctx, ct) => Task.FromResult(s_limit + Queue.Length));
            }
            """);

    [Fact]
    public Task Constants_and_nameof_are_not_captures()
        => VerifyAsync(
            """
            class C
            {
                Task M(int count)
                {
                    const int Retries = 3;
                    return Pool.RunAsync(2, (ctx, ct) => Task.FromResult(Retries + nameof(count).Length));
                }
            }
            """);

    [Fact]
    public Task Arguments_evaluated_eagerly_are_not_captures()
        => VerifyAsync(
            """
            class C
            {
                Task M(int workers, CancellationToken token)
                {
                    var options = new { Name = "x" };
                    return Pool.RunAsync(workers, static (ctx, ct) => Task.FromResult(0), options, token);
                }
            }
            """);

    [Fact]
    public Task Static_method_group_and_static_local_function_are_not_reported()
        => VerifyAsync(
            """
            class C
            {
                static Task<int> Work(Ctx ctx, CancellationToken ct) => Task.FromResult(1);
                Task M(int n)
                {
                    static Task<int> Local(Ctx ctx, CancellationToken ct) => Task.FromResult(2);
                    Task<int> NonCapturing(Ctx ctx, CancellationToken ct) => Task.FromResult(ctx.WorkerId);
                    _ = Pool.RunAsync(1, Local);
                    _ = Pool.RunAsync(1, NonCapturing);
                    return Pool.RunAsync(n, Work);
                }
            }
            """);

    [Fact]
    public Task A_delegate_stored_in_a_local_assigned_once_is_followed_to_its_lambda()
        => VerifyAsync(
            """
            class C
            {
                Task M(int n)
                {
                    Func<Ctx, CancellationToken, Task<int>> entry = {|#0:(ctx, ct) => Task.FromResult(n)|};
                    var runner = new Runner(entry);
                    Func<Ctx, CancellationToken, Task<int>> fine = static (ctx, ct) => Task.FromResult(ctx.WorkerId);
                    _ = Pool.RunAsync(2, fine);
                    return Task.CompletedTask;
                }
            }
            """,
            Verify.Diagnostic("AOS002").WithLocation(0).WithArguments("new Runner", "'n'"));

    [Fact]
    public Task Out_of_reach_a_delegate_local_written_twice_a_field_or_a_parameter_is_not_followed()
        => VerifyAsync(
            """
            class C
            {
                private Func<Ctx, CancellationToken, Task<int>> _entry = (ctx, ct) => Task.FromResult(1);

                Task M(int n, Func<Ctx, CancellationToken, Task<int>> given)
                {
                    Func<Ctx, CancellationToken, Task<int>> entry = (ctx, ct) => Task.FromResult(n);
                    entry = (ctx, ct) => Task.FromResult(n + 1);
                    _ = Pool.RunAsync(2, entry);
                    _ = Pool.RunAsync(2, _entry);
                    return Pool.RunAsync(2, given);
                }
            }
            """);

    [Fact]
    public Task A_delegate_returned_by_a_factory_is_evaluated_eagerly_and_not_reported()
        => VerifyAsync(
            """
            class C
            {
                static Func<Ctx, CancellationToken, Task<int>> Make(int n) => (ctx, ct) => Task.FromResult(n);
                Task M(int n) => Pool.RunAsync(2, Make(n));
            }
            """);

    [Fact]
    public Task Parameter_without_the_attribute_is_not_checked()
        => VerifyAsync(
            """
            class C
            {
                Task M(int n)
                {
                    _ = Task.Run(() => n);
                    return Pool.RunPlain(2, (ctx, ct) => Task.FromResult(n));
                }
            }
            """);

    [Fact]
    public Task Locals_of_the_entry_point_used_by_its_own_nested_lambdas_are_not_captures()
        => VerifyAsync(
            """
            using System.Linq;
            class C
            {
                Task M() => Pool.RunAsync(2, static (ctx, ct) =>
                {
                    var scale = ctx.WorkerId + 1;
                    return Task.FromResult(Enumerable.Range(0, 3).Sum(i => i * scale));
                });

                Task N() => Pool.RunAsync(2, (ctx, ct) =>
                {
                    var scale = ctx.WorkerId + 1;
                    Func<int, int> times = i => i * scale;
                    return Task.FromResult(times(3));
                });
            }
            """);

    [Fact]
    public Task A_different_attribute_with_the_same_name_is_ignored()
        => Verify.VerifyAsync(
            """
            using System;
            using System.Threading.Tasks;
            namespace Other
            {
                [AttributeUsage(AttributeTargets.Parameter)]
                sealed class WorkerEntryPointAttribute : Attribute { }
                static class Pool
                {
                    public static Task<int> RunAsync([WorkerEntryPoint] Func<Task<int>> entry) => entry();
                }
                class C
                {
                    Task M(int n) => Pool.RunAsync(() => Task.FromResult(n));
                }
            }
            """);

    [Fact]
    public Task A_project_without_AgentOs_Sdk_is_not_analyzed()
        => Verify.VerifyAsync(
            """
            using System;
            using System.Threading.Tasks;
            static class Pool
            {
                public static Task<int> RunAsync(Func<Task<int>> entry) => entry();
            }
            class C
            {
                Task M(int n) => Pool.RunAsync(() => Task.FromResult(n));
            }
            """,
            editorConfig: null,
            topLevel: false,
            withSdk: false);

    [Fact]
    public Task Generated_code_is_skipped()
        => Verify.VerifyAsync(
            "// <auto-generated/>\n" + Usings +
            """
            class C
            {
                Task M(int n) => Pool.RunAsync(2, (ctx, ct) => Task.FromResult(n));
            }
            """ + WorkerApiSnippet.Source);

    [Fact]
    public Task GeneratedCode_attribute_hides_the_capture_as_the_driver_would()
        => VerifyAsync(
            """
            [System.CodeDom.Compiler.GeneratedCode("tool", "1.0")]
            class Generated
            {
                Task M(int n) => Pool.RunAsync(2, (ctx, ct) => Task.FromResult(n));
            }

            class Written
            {
                Task M(int n) => Pool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(n)|});
            }
            """);

    [Fact]
    public Task Lambda_using_only_its_own_parameters_is_not_reported()
        => VerifyAsync(
            """
            class C
            {
                Task M() => Pool.RunAsync(2, async (ctx, ct) =>
                {
                    await Task.Delay(1, ct);
                    var id = ctx.WorkerId;
                    return id;
                });
            }
            """);

    [Fact]
    public Task Same_method_name_on_another_type_without_the_attribute_is_not_checked()
        => VerifyAsync(
            """
            static class Other
            {
                public static Task<int> RunAsync(int count, Func<Ctx, CancellationToken, Task<int>> entry) => Task.FromResult(count);
            }
            class C
            {
                Task M(int n) => Other.RunAsync(2, (ctx, ct) => Task.FromResult(n));
            }
            """);
}
