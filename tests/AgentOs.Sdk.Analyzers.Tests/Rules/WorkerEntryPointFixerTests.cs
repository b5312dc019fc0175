using AgentOs.Sdk.CodeFixes.Rules;
using StaticFix = AgentOs.Sdk.Analyzers.Tests.Verifiers.CodeFixVerifier<AgentOs.Sdk.Analyzers.Rules.WorkerEntryPointCanBeStaticAnalyzer, AgentOs.Sdk.CodeFixes.Rules.WorkerEntryPointCanBeStaticFixer>;
using Verify = AgentOs.Sdk.Analyzers.Tests.Verifiers.CodeFixVerifier<AgentOs.Sdk.Analyzers.Rules.WorkerEntryPointCapturesStateAnalyzer, AgentOs.Sdk.CodeFixes.Rules.WorkerEntryPointCapturesStateFixer>;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// AOS002 fix (captured primitives move into WorkerPoolOptions.Arguments) and AOS003 fix (add static).
/// </summary>
public sealed class WorkerEntryPointFixerTests
{
    private static Task VerifyAsync(string source, string fixedSource)
        => Verify.VerifyAsync(new[] { source }, new[] { fixedSource }, topLevel: false, WorkerEntryPointCapturesStateFixer.EquivalenceKey);

    [Fact]
    public Task Captured_locals_move_into_new_options_and_the_lambda_becomes_static()
        => VerifyAsync(
            """
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            class C
            {
                Task M(string queue)
                {
                    var retries = 3;
                    return WorkerPool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(queue.Length + retries)|});
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            class C
            {
                Task M(string queue)
                {
                    var retries = 3;
                    return WorkerPool.RunAsync(2, static (ctx, ct) =>
                    {
                        var queue = ctx.GetArgument<string>("queue");
                        var retries = ctx.GetArgument<int>("retries");
                        return Task.FromResult(queue.Length + retries);
                    }, options: new WorkerPoolOptions { Arguments = { ["queue"] = queue, ["retries"] = retries } });
                }
            }
            """);

    [Fact]
    public Task Existing_options_and_arguments_are_extended_and_a_block_body_keeps_its_statements()
        => VerifyAsync(
            """
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            class C
            {
                Task M(double scale, bool dryRun)
                {
                    _ = WorkerPool.RunAsync(2, {|AOS002:async (ctx, ct) =>
                    {
                        await Task.Yield();
                        return (int)scale;
                    }|}, new WorkerPoolOptions { Directory = "store/w", Arguments = { ["mode"] = "fast" } });
                    return WorkerPool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(dryRun ? 0 : 1)|}, new WorkerPoolOptions { Directory = "store/x" });
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            class C
            {
                Task M(double scale, bool dryRun)
                {
                    _ = WorkerPool.RunAsync(2, static async (ctx, ct) =>
                    {
                        var scale = ctx.GetArgument<double>("scale");
                        await Task.Yield();
                        return (int)scale;
                    }, new WorkerPoolOptions { Directory = "store/w", Arguments = { ["mode"] = "fast", ["scale"] = scale } });
                    return WorkerPool.RunAsync(2, static (ctx, ct) =>
                    {
                        var dryRun = ctx.GetArgument<bool>("dryRun");
                        return Task.FromResult(dryRun ? 0 : 1);
                    }, new WorkerPoolOptions { Directory = "store/x", Arguments = { ["dryRun"] = dryRun } });
                }
            }
            """);

    private const string Launchers = """

        public static class Launcher
        {
            public static Task<int> Launch(string name, [WorkerEntryPoint] Func<WorkerContext, CancellationToken, Task<int>> entry, WorkerPoolOptions? settings = null) => Task.FromResult(0);

            public static Task<int> LaunchBare([WorkerEntryPoint] Func<WorkerContext, CancellationToken, Task<int>> entry) => Task.FromResult(0);
        }

        public sealed class Job
        {
            public Job([WorkerEntryPoint] Func<WorkerContext, CancellationToken, Task<int>> entry, WorkerPoolOptions? options = null) { }
        }
        """;

    [Fact]
    public Task Users_own_launcher_methods_and_constructors_get_the_fix()
        => VerifyAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            class C
            {
                Task M(int retries)
                {
                    _ = new Job({|AOS002:(ctx, ct) => Task.FromResult(retries)|});
                    return Launcher.Launch("a", {|AOS002:(ctx, ct) => Task.FromResult(retries)|});
                }
            }
            """ + Launchers,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            class C
            {
                Task M(int retries)
                {
                    _ = new Job(static (ctx, ct) =>
                    {
                        var retries = ctx.GetArgument<int>("retries");
                        return Task.FromResult(retries);
                    }, options: new WorkerPoolOptions { Arguments = { ["retries"] = retries } });
                    return Launcher.Launch("a", static (ctx, ct) =>
                    {
                        var retries = ctx.GetArgument<int>("retries");
                        return Task.FromResult(retries);
                    }, settings: new WorkerPoolOptions { Arguments = { ["retries"] = retries } });
                }
            }
            """ + Launchers);

    [Fact]
    public Task A_launcher_without_WorkerPoolOptions_gets_no_fix()
        => Verify.VerifyNoFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            class C
            {
                Task M(int retries) => Launcher.LaunchBare({|AOS002:(ctx, ct) => Task.FromResult(retries)|});
            }
            """ + Launchers);

    [Fact]
    public Task Captures_that_are_not_mechanical_get_no_fix()
        => Verify.VerifyNoFixAsync(
            """
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            class C
            {
                private int _limit;

                Task M(List<int> items, int n)
                {
                    var options = new WorkerPoolOptions();
                    var count = 0;
                    _ = WorkerPool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(_limit)|});
                    _ = WorkerPool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(items.Count)|});
                    _ = WorkerPool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(count++)|});
                    _ = WorkerPool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(n)|}, options);
                    return WorkerPool.RunAsync(2, {|AOS002:(ctx, ct) => Task.FromResult(n)|}, new WorkerPoolOptions { Arguments = { ["n"] = 1 } });
                }
            }
            """);

    [Fact]
    public Task Fix_all_moves_captures_of_every_call()
        => Verify.VerifyAsync(
            new[]
            {
                """
                using System.Threading.Tasks;
                using AgentOs.Sdk.Workers;

                class C
                {
                    void M(int a, long b)
                    {
                        _ = WorkerPool.RunAsync(1, {|AOS002:(ctx, ct) => Task.FromResult(a)|});
                        _ = WorkerPool.RunAsync(1, {|AOS002:(ctx, ct) => Task.FromResult((int)b)|});
                    }
                }
                """,
            },
            new[]
            {
                """
                using System.Threading.Tasks;
                using AgentOs.Sdk.Workers;

                class C
                {
                    void M(int a, long b)
                    {
                        _ = WorkerPool.RunAsync(1, static (ctx, ct) =>
                        {
                            var a = ctx.GetArgument<int>("a");
                            return Task.FromResult(a);
                        }, options: new WorkerPoolOptions { Arguments = { ["a"] = a } });
                        _ = WorkerPool.RunAsync(1, static (ctx, ct) =>
                        {
                            var b = ctx.GetArgument<long>("b");
                            return Task.FromResult((int)b);
                        }, options: new WorkerPoolOptions { Arguments = { ["b"] = b } });
                    }
                }
                """,
            },
            topLevel: false,
            WorkerEntryPointCapturesStateFixer.EquivalenceKey);

    [Fact]
    public Task Non_capturing_lambdas_get_static_and_fix_all_covers_every_one()
        => StaticFix.VerifyAsync(
            new[]
            {
                """
                using System.Threading.Tasks;
                using AgentOs.Sdk.Workers;

                class C
                {
                    void M()
                    {
                        _ = WorkerPool.RunAsync(1, {|AOS003:(ctx, ct) => Task.FromResult(ctx.WorkerId)|});
                        _ = WorkerPool.RunAsync(1,
                            {|AOS003:async (ctx, ct) => { await Task.Yield(); return 0; }|});
                    }
                }
                """,
            },
            new[]
            {
                """
                using System.Threading.Tasks;
                using AgentOs.Sdk.Workers;

                class C
                {
                    void M()
                    {
                        _ = WorkerPool.RunAsync(1, static (ctx, ct) => Task.FromResult(ctx.WorkerId));
                        _ = WorkerPool.RunAsync(1,
                            static async (ctx, ct) => { await Task.Yield(); return 0; });
                    }
                }
                """,
            },
            topLevel: false,
            WorkerEntryPointCanBeStaticFixer.EquivalenceKey);
}
