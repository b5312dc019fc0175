using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = AgentOs.Sdk.Analyzers.Tests.Verifiers.AnalyzerVerifier<AgentOs.Sdk.Analyzers.Rules.WorkerEntryPointCanBeStaticAnalyzer>;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>AOS003: a non-capturing entry point lambda that is not static gets a suggestion (Info).</summary>
public sealed class WorkerEntryPointCanBeStaticAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using WorkerApi;

        """;

    private static DiagnosticResult Info(int location) => new DiagnosticResult("AOS003", DiagnosticSeverity.Info).WithLocation(location).WithArguments("Pool.RunAsync");

    [Fact]
    public Task Non_capturing_lambda_and_anonymous_method_get_the_suggestion()
        => Verify.VerifyAsync(
            Usings +
            """
            class C
            {
                private static int s_limit = 2;
                void M()
                {
                    _ = Pool.RunAsync(2, {|#0:(ctx, ct) => Task.FromResult(ctx.WorkerId + s_limit)|});
                    _ = Pool.RunAsync(2, {|#1:delegate (Ctx ctx, CancellationToken ct) { return Task.FromResult(1); }|});
                }
            }
            """ + WorkerApiSnippet.Source,
            Info(0),
            Info(1));

    [Fact]
    public Task Static_capturing_and_method_group_arguments_get_no_suggestion()
        => Verify.VerifyAsync(
            Usings +
            """
            class C
            {
                static Task<int> Work(Ctx ctx, CancellationToken ct) => Task.FromResult(1);
                void M(int n)
                {
                    _ = Pool.RunAsync(2, static (ctx, ct) => Task.FromResult(ctx.WorkerId));
                    _ = Pool.RunAsync(2, (ctx, ct) => Task.FromResult(n));
                    _ = Pool.RunAsync(2, Work);
                    _ = Pool.RunPlain(2, (ctx, ct) => Task.FromResult(1));
                }
            }
            """ + WorkerApiSnippet.Source);

    [Fact]
    public Task Non_capturing_lambda_in_a_local_assigned_once_gets_the_suggestion()
        => Verify.VerifyAsync(
            Usings +
            """
            class C
            {
                Task M()
                {
                    Func<Ctx, CancellationToken, Task<int>> entry = {|#0:(ctx, ct) => Task.FromResult(ctx.WorkerId)|};
                    return Pool.RunAsync(2, entry);
                }
            }
            """ + WorkerApiSnippet.Source,
            Info(0));
}
