using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 10: two groups of worker processes, each under its own host name (lease holders read
/// <c>host-a/worker-0/pid-…</c>), compete for 1,000 work items in one shared store. Host A is SIGKILLed midway, while one of
/// its workers holds a lease it keeps renewing; host B and the recovery sweep finish every item, the effect log holds exactly
/// one effect per item, and a zombie process that replays host A's leases with their old epochs has every write refused.
/// </summary>
/// <remarks>
/// Each item's effect is a row written under the lease's fence (<see cref="LeaseManager.ExecuteFencedAsync{T}"/>), keyed
/// by the item as a tool with idempotency keys would be, and the lease is released after it. A worker killed between the
/// two leaves an item whose effect is applied but not released: the next holder finds the effect and only releases it.
/// The log keeps one row per applied effect and no unique key, so a fence that let two holders write would show up as a
/// count of two.
/// </remarks>
public sealed class TwoHostsDrill : ChaosDrill
{
    private const string Kind = "two-hosts";
    private const string HostA = "host-a";
    private const string HostB = "host-b";
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(50);

    private const string CreateEffectsSql = """
        CREATE TABLE chaos_effects (work_item_id TEXT NOT NULL, holder TEXT NOT NULL, epoch BIGINT NOT NULL)
        """;

    private const string ApplyEffectSql = """
        INSERT INTO chaos_effects (work_item_id, holder, epoch)
        SELECT @id, @holder, @epoch WHERE NOT EXISTS (SELECT 1 FROM chaos_effects WHERE work_item_id = @id)
        """;

    private readonly TwoHostsDrillOptions _options;

    /// <summary>Creates the drill.</summary>
    /// <param name="options">Item count, workers per host, lease and work durations; copied.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (fewer than 10 items, no worker, a lease under 100 ms).</exception>
    public TwoHostsDrill(TwoHostsDrillOptions? options = null)
    {
        var source = options ?? new TwoHostsDrillOptions();
        _options = new TwoHostsDrillOptions
        {
            Items = source.Items,
            WorkersPerHost = source.WorkersPerHost,
            LeaseDuration = source.LeaseDuration,
            WorkDuration = source.WorkDuration,
        };
        _options.Validate();
    }

    /// <inheritdoc />
    public override int Number => 10;

    /// <inheritdoc />
    public override string Name => "Scenario10_TwoHosts";

    /// <inheritdoc />
    public override string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"Two hosts' worker processes share {_options.Items:N0} items; one host is SIGKILLed midway; the other and the sweep finish every item exactly once; every zombie write is refused.");

    /// <inheritdoc />
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        var items = _options.Items;
        var perHost = _options.WorkersPerHost;
        // The server's clock judges expiry on a server store: the hosts must agree on when host A's leases ran out.
        using var store = await context.OpenStoreAsync("two-hosts", cancellationToken: cancellationToken).ConfigureAwait(false);
        store.ExecuteWrite(tx =>
        {
            using var create = tx.CreateCommand(CreateEffectsSql);
            return create.ExecuteNonQuery();
        });
        await new WorkQueue(store).EnqueueRangeAsync(
            Enumerable.Range(0, items).Select(i => new WorkItemRequest(Kind) { Id = string.Create(CultureInfo.InvariantCulture, $"item-{i:D5}"), MaxAttempts = 10 }),
            cancellationToken).ConfigureAwait(false);

        // The first of host A's workers to finish its stall_after-th item stalls on the next (a model call that never returns,
        // its lease kept alive by a heartbeat), somewhere in the first two thirds of a worker's share; host A dies then,
        // holding that lease and whatever its other workers hold. Whichever worker it is: one that started late may never
        // get that far while the others drain the queue.
        var share = items / (2 * perHost);
        var stallAfter = context.Random.Next(Math.Max(1, share / 3), Math.Max(2, (share * 2 / 3) + 1));
        context.Report(string.Create(CultureInfo.InvariantCulture, $"{items} items; {perHost} workers on {HostA} and {perHost} on {HostB}; {HostA} dies when one of its workers stalls after {stallAfter} items"));

        var summaries = new ConcurrentQueue<string>();
        var stalledLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var optionsA = HostOptions(context, HostA, stallAfter, summaries, stalledLine);
        var optionsB = HostOptions(context, HostB, stallAfter: -1, summaries, stalled: null);
        await using var hostA = WorkerPool.Start(perHost, RunHostWorkerAsync, optionsA);
        await using var hostB = WorkerPool.Start(perHost, RunHostWorkerAsync, optionsB);

        // A worker of host A that ends first (host B drained the queue, or the worker timed out) means no stall will come.
        var hostAEnded = Task.WhenAll(hostA.Workers.Select(w => w.WaitForExitAsync(cancellationToken)));
        var first = await Task.WhenAny(stalledLine.Task, hostAEnded).ConfigureAwait(false);
        context.Require(first == stalledLine.Task, string.Create(CultureInfo.InvariantCulture, $"no worker of {HostA} stalled: they ended before either had done {stallAfter} items"));
        var stalled = ParseLease(await stalledLine.Task.ConfigureAwait(false));
        hostA.Kill();
        foreach (var worker in hostA.Workers)
        {
            var result = await worker.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            context.RequireEqual(9, result.Signal, string.Create(CultureInfo.InvariantCulture, $"signal that ended {HostA} worker {worker.WorkerId} ({result.Outcome}: {result.StderrTail})"));
        }

        // What host A held when it died, as the store saw it (no lease of it can have expired yet), plus the stalled one.
        var zombies = (await ReadLeasesAsync(store, HostA + "/", cancellationToken).ConfigureAwait(false))
            .Append(stalled).Distinct().ToList();
        var doneAtKill = await CountEffectsAsync(store, cancellationToken).ConfigureAwait(false);
        context.Require(doneAtKill < items, $"{HostA} was killed after every item was done ({doneAtKill}/{items}): not midway");
        context.Report(string.Create(CultureInfo.InvariantCulture, $"{HostA} SIGKILLed holding {zombies.Count} leases; {doneAtKill}/{items} items done"));

        // The sweep runs beside host B until B has finished: whichever comes first re-queues or takes over host A's items.
        var sweep = new RecoverySweep(store);
        int sweeps = 0, recovered = 0, sweepErrors = 0;
        var finishing = hostB.WaitAsync(cancellationToken);
        while (!finishing.IsCompleted)
        {
            var stats = await sweep.ScanAndRecoverAsync(cancellationToken).ConfigureAwait(false);
            sweeps++;
            recovered += stats.Recovered;
            sweepErrors += stats.Errors;
            await Task.WhenAny(finishing, Task.Delay(_options.LeaseDuration / 4, cancellationToken)).ConfigureAwait(false);
        }

        foreach (var result in await finishing.ConfigureAwait(false))
        {
            context.Require(result.Succeeded, string.Create(CultureInfo.InvariantCulture, $"{HostB} worker {result.WorkerId} failed ({result.Outcome}): {result.StderrTail}"));
        }

        context.RequireEqual(0, sweepErrors, "recovery sweep errors");
        context.RequireEqual(perHost, summaries.Count, $"summaries of {HostB}'s workers");
        var totals = Totals(summaries);

        // Every item finished, and its effect applied exactly once.
        var statuses = await ReadStatusesAsync(store, cancellationToken).ConfigureAwait(false);
        context.RequireEqual(items, statuses.GetValueOrDefault("succeeded"), $"items succeeded (statuses: {string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}"))})");
        var effects = await ReadEffectsAsync(store, cancellationToken).ConfigureAwait(false);
        context.RequireEqual(items, effects.Count, "items with an effect");
        var twice = effects.Where(e => e.Value.Count != 1).Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} x{e.Value.Count}")).ToList();
        context.Require(twice.Count == 0, $"effects applied more than once: {string.Join(", ", twice.Take(10))}");
        var byA = effects.Count(e => e.Value.Holder.StartsWith(HostA + "/", StringComparison.Ordinal));
        var byB = effects.Count(e => e.Value.Holder.StartsWith(HostB + "/", StringComparison.Ordinal));
        context.RequireEqual(items, byA + byB, "effects written by the two hosts");
        context.Require(byA >= stallAfter, $"{HostA} applied {byA} effects before it died, fewer than the {stallAfter} its stalled worker reported");

        // A zombie of host A (a process that comes back believing it still holds its leases) replays every write it might try.
        context.Report(string.Create(CultureInfo.InvariantCulture, $"{HostB} finished; a zombie of {HostA} replays {zombies.Count} leases with their old epochs"));
        var (attempted, refused) = await RunZombieAsync(context, zombies, cancellationToken).ConfigureAwait(false);
        context.Require(attempted > 0, $"the zombie attempted no write although {HostA} held {zombies.Count} leases");
        context.RequireEqual(attempted, refused, "zombie writes refused");
        context.RequireEqual((long)items, await CountEffectsAsync(store, cancellationToken).ConfigureAwait(false), "effects after the zombie's attempts");

        context.Measure("items", items);
        context.Measure("workers_per_host", perHost);
        context.Measure("stall_after", stallAfter);
        context.Measure("done_at_kill", doneAtKill);
        context.Measure("leases_held_at_kill", zombies.Count);
        context.Measure("effects_by_host_a", byA);
        context.Measure("effects_by_host_b", byB);
        context.Measure("sweeps", sweeps);
        context.Measure("sweep_recovered", recovered);
        context.Measure("retried_items", totals.Retried);
        context.Measure("effects_found_applied", totals.AlreadyApplied);
        context.Measure("live_writes_refused", totals.Refused);
        context.Measure("zombie_writes_attempted", attempted);
        context.Measure("zombie_writes_refused", refused);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{items}/{items} items exactly once; {HostA} killed at {doneAtKill} with {zombies.Count} leases held; {HostB} did {byB}, sweep re-queued {recovered}; {refused}/{attempted} zombie writes refused");
    }

    private WorkerPoolOptions HostOptions(ChaosDrillContext context, string host, int stallAfter, ConcurrentQueue<string> summaries, TaskCompletionSource<string>? stalled)
    {
        var options = context.WorkerOptions(host);
        context.PassStore(options, "two-hosts");
        options.Arguments["host"] = host;
        options.Arguments["stall_after"] = stallAfter;
        options.Arguments["lease_ms"] = (long)_options.LeaseDuration.TotalMilliseconds;
        options.Arguments["work_ms"] = (long)_options.WorkDuration.TotalMilliseconds;
        options.OutputLineReceived = (_, line) =>
        {
            if (line.StartsWith("finished ", StringComparison.Ordinal))
            {
                summaries.Enqueue(line);
            }
            else if (line.StartsWith("stalled ", StringComparison.Ordinal))
            {
                stalled?.TrySetResult(line);
            }
        };
        return options;
    }

    private static async Task<int> RunHostWorkerAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var holder = string.Create(CultureInfo.InvariantCulture, $"{DrillStore.Argument<string>(context, "host")}/worker-{context.WorkerId}/pid-{Environment.ProcessId}");
        var stallAfter = DrillStore.Argument<int>(context, "stall_after");
        var duration = TimeSpan.FromMilliseconds(DrillStore.Argument<long>(context, "lease_ms"));
        var work = TimeSpan.FromMilliseconds(DrillStore.Argument<long>(context, "work_ms"));
        using var store = await ChaosWorkerStore.OpenAsync(context, cancellationToken: cancellationToken).ConfigureAwait(false);
        var leases = new LeaseManager(store, holder);
        int completed = 0, refused = 0, retried = 0, alreadyApplied = 0;
        while (true)
        {
            var lease = await leases.TryAcquireNextAsync(Kind, duration, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                // Nothing to take now: done when nothing is left unfinished, else an item is leased by someone else (alive,
                // or dead and not yet expired).
                if (await CountUnfinishedAsync(store, cancellationToken).ConfigureAwait(false) == 0)
                {
                    break;
                }

                await Task.Delay(IdlePoll, cancellationToken).ConfigureAwait(false);
                continue;
            }

            retried += lease.Attempt > 1 ? 1 : 0;
            if (completed == stallAfter)
            {
                // The model call that never returns: the heartbeat keeps the lease alive until the host is killed.
                using var heartbeat = leases.StartHeartbeat(lease);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stalled {lease.WorkItemId} {lease.Epoch} {lease.Holder}"));
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(work, cancellationToken).ConfigureAwait(false);
            try
            {
                var applied = await leases.ExecuteFencedAsync(lease, (tx, ct) => ApplyEffectAsync(tx, lease, ct), cancellationToken).ConfigureAwait(false);
                alreadyApplied += applied ? 0 : 1;
                await leases.ReleaseAsync(lease, success: true, output: holder, cancellationToken: cancellationToken).ConfigureAwait(false);
                completed++;
            }
            catch (LeaseLostException)
            {
                // This worker was too slow and its lease expired (a live zombie): the fence refused the write, as it must.
                refused++;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"finished completed={completed} refused={refused} retried={retried} already_applied={alreadyApplied}"));
        return 0;
    }

    private static async Task<bool> ApplyEffectAsync(StoreTransaction transaction, Lease lease, CancellationToken cancellationToken)
    {
        using var insert = transaction.CreateCommand(ApplyEffectSql);
        insert.SetParameter("@id", lease.WorkItemId).SetParameter("@holder", lease.Holder).SetParameter("@epoch", lease.Epoch);
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static async Task<(int Attempted, int Refused)> RunZombieAsync(ChaosDrillContext context, IReadOnlyList<ZombieLease> zombies, CancellationToken cancellationToken)
    {
        var options = context.WorkerOptions("zombie");
        context.PassStore(options, "two-hosts");
        options.Arguments["leases"] = new JsonArray([.. zombies.Select(z => (JsonNode)new JsonArray(z.WorkItemId, z.Epoch, z.Holder))]);
        string? summary = null;
        options.OutputLineReceived = (_, line) =>
        {
            if (line.StartsWith("zombie ", StringComparison.Ordinal))
            {
                summary = line;
            }
        };
        var result = (await WorkerPool.RunAsync(1, ReplayZombieAsync, options, cancellationToken).ConfigureAwait(false))[0];
        context.Require(result.Succeeded, $"the zombie process failed ({result.Outcome}): {result.StderrTail}");
        context.Require(summary is not null, "the zombie process printed no summary");
        var fields = summary!.Split(' ');
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    // The zombie: host A's holders come back and try, with the leases they had, to write the effect, renew, and release.
    private static async Task<int> ReplayZombieAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        using var store = await ChaosWorkerStore.OpenAsync(context, cancellationToken: cancellationToken).ConfigureAwait(false);
        int attempted = 0, refused = 0;
        foreach (var node in context.Arguments["leases"]!.AsArray())
        {
            var entry = node!.AsArray();
            var now = DateTimeOffset.UtcNow;
            var lease = new Lease
            {
                WorkItemId = entry[0]!.GetValue<string>(),
                Epoch = entry[1]!.GetValue<long>(),
                Holder = entry[2]!.GetValue<string>(),
                AcquiredAt = now,
                ExpiresAt = now.AddMinutes(1),
                Duration = TimeSpan.FromMinutes(1),
                Kind = Kind,
            };
            var zombie = new LeaseManager(store, lease.Holder);
            Func<Task>[] writes =
            [
                () => zombie.ExecuteFencedAsync(lease, (tx, ct) => ApplyEffectAsync(tx, lease, ct), cancellationToken),
                () => zombie.RenewAsync(lease, lease.Duration, cancellationToken),
                () => zombie.ReleaseAsync(lease, success: true, output: "zombie", cancellationToken: cancellationToken),
            ];
            foreach (var write in writes)
            {
                attempted++;
                try
                {
                    await write().ConfigureAwait(false);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACCEPTED a zombie write on {lease.WorkItemId} at epoch {lease.Epoch}"));
                }
                catch (LeaseLostException)
                {
                    refused++;
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"zombie {attempted} {refused}"));
        return 0;
    }

    private static ZombieLease ParseLease(string stalledLine)
    {
        var fields = stalledLine.Split(' ');
        return new ZombieLease(fields[1], long.Parse(fields[2], CultureInfo.InvariantCulture), fields[3]);
    }

    private static (int Refused, int Retried, int AlreadyApplied) Totals(IEnumerable<string> summaries)
    {
        int refused = 0, retried = 0, alreadyApplied = 0;
        foreach (var summary in summaries)
        {
            foreach (var field in summary.Split(' ').Skip(1))
            {
                var (name, value) = (field[..field.IndexOf('=', StringComparison.Ordinal)], int.Parse(field[(field.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture));
                refused += name == "refused" ? value : 0;
                retried += name == "retried" ? value : 0;
                alreadyApplied += name == "already_applied" ? value : 0;
            }
        }

        return (refused, retried, alreadyApplied);
    }

    private static async Task<List<ZombieLease>> ReadLeasesAsync(AgentOsStore store, string holderPrefix, CancellationToken cancellationToken)
    {
        var leases = new List<ZombieLease>();
        await QueryAsync(
            store,
            "SELECT work_item_id, lease_epoch, lease_holder FROM work_items WHERE kind = @kind AND status = 'leased'",
            reader =>
            {
                var holder = reader.GetString(2);
                if (holder.StartsWith(holderPrefix, StringComparison.Ordinal))
                {
                    leases.Add(new ZombieLease(reader.GetString(0), reader.GetInt64(1), holder));
                }
            },
            cancellationToken).ConfigureAwait(false);
        return leases;
    }

    private static async Task<Dictionary<string, long>> ReadStatusesAsync(AgentOsStore store, CancellationToken cancellationToken)
    {
        var statuses = new Dictionary<string, long>(StringComparer.Ordinal);
        await QueryAsync(
            store,
            "SELECT status, COUNT(*) FROM work_items WHERE kind = @kind GROUP BY status",
            reader => statuses[reader.GetString(0)] = reader.GetInt64(1),
            cancellationToken).ConfigureAwait(false);
        return statuses;
    }

    private static async Task<Dictionary<string, (long Count, string Holder)>> ReadEffectsAsync(AgentOsStore store, CancellationToken cancellationToken)
    {
        var effects = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        await QueryAsync(
            store,
            "SELECT work_item_id, COUNT(*), MIN(holder) FROM chaos_effects GROUP BY work_item_id",
            reader => effects[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2)),
            cancellationToken).ConfigureAwait(false);
        return effects;
    }

    private static async Task<long> CountEffectsAsync(AgentOsStore store, CancellationToken cancellationToken)
    {
        long count = 0;
        await QueryAsync(store, "SELECT COUNT(*) FROM chaos_effects", reader => count = reader.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return count;
    }

    private static async Task<long> CountUnfinishedAsync(AgentOsStore store, CancellationToken cancellationToken)
    {
        long count = 0;
        await QueryAsync(
            store,
            "SELECT COUNT(*) FROM work_items WHERE kind = @kind AND status IN ('pending', 'leased')",
            reader => count = reader.GetInt64(0),
            cancellationToken).ConfigureAwait(false);
        return count;
    }

    private static async Task QueryAsync(AgentOsStore store, string sql, Action<DbDataReader> row, CancellationToken cancellationToken)
    {
        var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            if (sql.Contains("@kind", StringComparison.Ordinal))
            {
                command.SetParameter("@kind", Kind);
            }

            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    row(reader);
                }
            }
        }
    }

    private sealed record ZombieLease(string WorkItemId, long Epoch, string Holder);
}
