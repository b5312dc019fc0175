namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// A minimal stand-in for AtomicFile, used only while it has not reached this branch (WorkerPool has: tests use the real
/// one from the AgentOs.Sdk assembly). Remove it when AtomicFile lands.
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
        """;
}
