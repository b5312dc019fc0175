namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// A user-declared API with a <c>[WorkerEntryPoint]</c> parameter (the attribute is public so teams can mark their own
/// APIs). Test snippets append it so they stay short.
/// </summary>
internal static class WorkerApiSnippet
{
    public const string Source = """

        namespace WorkerApi
        {
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            public sealed class Ctx
            {
                public int WorkerId { get; set; }
            }

            public static class Pool
            {
                public static Task<int> RunAsync(int workerCount, [WorkerEntryPoint] Func<Ctx, CancellationToken, Task<int>> entry, object? options = null, CancellationToken cancellationToken = default)
                    => Task.FromResult(workerCount);

                public static Task<int> RunPlain(int workerCount, Func<Ctx, CancellationToken, Task<int>> entry) => Task.FromResult(workerCount);
            }

            public sealed class Runner
            {
                public Runner([WorkerEntryPoint] Func<Ctx, CancellationToken, Task<int>> entry) { }
            }

            public abstract class Scheduler
            {
                public abstract void Schedule([WorkerEntryPoint] Func<Ctx, CancellationToken, Task<int>> entry);
            }

            public sealed class LocalScheduler : Scheduler
            {
                public override void Schedule(Func<Ctx, CancellationToken, Task<int>> entry) { }
            }
        }
        """;
}
