using AgentOs.Cli.Durability;

namespace AgentOs.Sdk.Tests.IO.CrashStates;

/// <summary>The two persistence models on hand-made traces: what each lets a crash keep and lose.</summary>
[Trait("Category", "CrashStates")]
public sealed class CrashStateEnumeratorTests
{
    // a.tmp created and written, fsynced; b.tmp the same; rename a.tmp -> a, rename b.tmp -> b; no directory fsync.
    private static readonly RecordedTrace TwoRenames = new(
        new Dictionary<string, int>(),
        new Dictionary<int, byte[]>(),
        [
            new TraceOp(0, TraceOpKind.Create, 1, "a.tmp"),
            new TraceOp(1, TraceOpKind.Write, 1, Bytes: [1, 2, 3]),
            new TraceOp(2, TraceOpKind.FileSync, 1),
            new TraceOp(3, TraceOpKind.Create, 2, "b.tmp"),
            new TraceOp(4, TraceOpKind.Write, 2, Bytes: [4, 5]),
            new TraceOp(5, TraceOpKind.FileSync, 2),
            new TraceOp(6, TraceOpKind.Rename, 1, "a.tmp", "a"),
            new TraceOp(7, TraceOpKind.Rename, 2, "b.tmp", "b"),
        ]);

    [Fact]
    public void Posix_lets_the_second_rename_persist_without_the_first()
    {
        List<CrashState> states = [.. new CrashStateEnumerator(TwoRenames, PersistenceModel.Posix).Enumerate()];

        Assert.Contains(states, s => s.Files.ContainsKey("b") && !s.Files.ContainsKey("a"));
        // ...and a file fsynced but never named durably is lost whole, never torn.
        Assert.Contains(states, s => s.AfterReturn && s.Files.Count == 0);
        Assert.DoesNotContain(states, s => s.Files.TryGetValue("a", out byte[]? a) && a.Length is > 0 and < 3);
    }

    [Fact]
    public void Ext4_ordered_persists_renames_in_order()
    {
        List<CrashState> states = [.. new CrashStateEnumerator(TwoRenames, PersistenceModel.Ext4Ordered).Enumerate()];

        Assert.DoesNotContain(states, s => s.Files.ContainsKey("b") && !s.Files.ContainsKey("a"));
        // The fsyncs committed the journal with the creates, so the data files survive under their temp names at least.
        Assert.All(states.Where(s => s.AfterReturn), s => Assert.Equal(2, s.Files.Count));
    }

    [Fact]
    public void Unsynced_write_may_be_torn_at_a_block_or_zeroed_under_posix_but_never_zeroed_under_ext4()
    {
        byte[] content = [.. Enumerable.Range(0, 9000).Select(i => (byte)(i % 251 + 1))];
        var trace = new RecordedTrace(
            new Dictionary<string, int> { ["f"] = 1 },
            new Dictionary<int, byte[]> { [1] = [] },
            [new TraceOp(0, TraceOpKind.Write, 1, Bytes: content)]);

        List<CrashState> posix = [.. new CrashStateEnumerator(trace, PersistenceModel.Posix).Enumerate()];
        List<CrashState> ext4 = [.. new CrashStateEnumerator(trace, PersistenceModel.Ext4Ordered).Enumerate()];

        Assert.Contains(posix, s => s.Files["f"].Length == 4096);
        Assert.Contains(posix, s => s.Files["f"].Length == 9000 && s.Files["f"].All(b => b == 0));
        Assert.Contains(ext4, s => s.Files["f"].Length == 4096);
        Assert.DoesNotContain(ext4, s => s.Files["f"].Length > 0 && s.Files["f"].All(b => b == 0));
    }
}
