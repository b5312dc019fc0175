namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// Minimal stand-ins for AtomicFile and WorkerPool, used only while those types have not reached this branch; the
/// real assembly replaces them (see <see cref="Verifiers.AnalyzerTestSetup"/>).
/// </summary>
internal static class SdkStandIns
{
    public const string Source = """
        namespace AgentOs.Sdk.IO
        {
            using System;
            using System.Collections.Generic;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class AtomicWriteResult { }

            public static class AtomicFile
            {
                public static AtomicWriteResult WriteAllText(string path, string? contents) => new();
                public static AtomicWriteResult WriteAllText(string path, string? contents, Encoding encoding) => new();
                public static Task<AtomicWriteResult> WriteAllTextAsync(string path, string? contents, CancellationToken cancellationToken = default) => Task.FromResult(new AtomicWriteResult());
                public static Task<AtomicWriteResult> WriteAllTextAsync(string path, string? contents, Encoding encoding, CancellationToken cancellationToken = default) => Task.FromResult(new AtomicWriteResult());
                public static AtomicWriteResult WriteAllBytes(string path, byte[] bytes) => new();
                public static Task<AtomicWriteResult> WriteAllBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken = default) => Task.FromResult(new AtomicWriteResult());
                public static AtomicWriteResult WriteAllLines(string path, IEnumerable<string> contents) => new();
                public static AtomicWriteResult WriteAllLines(string path, string[] contents) => new();
                public static Task<AtomicWriteResult> WriteAllLinesAsync(string path, IEnumerable<string> contents, CancellationToken cancellationToken = default) => Task.FromResult(new AtomicWriteResult());
            }
        }

        namespace AgentOs.Sdk.Workers
        {
            using System;
            using System.Collections.Generic;
            using System.Text.Json;
            using System.Text.Json.Nodes;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class WorkerContext
            {
                public int WorkerId { get; }
                public JsonObject Arguments { get; } = new();
                public T GetArgument<T>(string name) => Arguments[name]!.Deserialize<T>()!;
            }

            public sealed class WorkerPoolOptions
            {
                public string? Directory { get; set; }
                public JsonObject Arguments { get; } = new();
            }

            public sealed record WorkerResult(int WorkerId);

            public static class WorkerPool
            {
                public static Task<IReadOnlyList<WorkerResult>> RunAsync(int workerCount, [WorkerEntryPoint] Func<WorkerContext, CancellationToken, Task<int>> entry, WorkerPoolOptions? options = null, CancellationToken cancellationToken = default)
                    => Task.FromResult<IReadOnlyList<WorkerResult>>(new List<WorkerResult>());
            }
        }
        """;
}
