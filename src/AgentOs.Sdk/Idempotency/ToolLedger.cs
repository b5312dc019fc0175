using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Idempotency;

/// <summary>
/// Records tool commands and their results in an <see cref="IdempotencyStore"/>: a command runs once, even when
/// concurrent callers in several processes ask for it, and later calls replay its recorded result.
/// </summary>
/// <remarks>
/// The key is <c>IdempotencyKey.From("tool", tool, command, scope)</c>. A non-zero exit is recorded as failed and the
/// command runs again next time, unless the caller sets <see cref="ToolLedgerOptions.CacheFailures"/>. Standard output
/// and error are stored whole, however long. Thread-safe.
/// </remarks>
public sealed class ToolLedger
{
    /// <summary>The kind of the keys this ledger writes.</summary>
    public const string KeyKind = "tool";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IdempotencyStore _store;
    private long _executions;
    private long _replays;

    /// <summary>Creates a ledger over <paramref name="store"/>; the caller keeps ownership of the store.</summary>
    public ToolLedger(IdempotencyStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>This instance's executions and replays so far.</summary>
    public ToolLedgerStatistics Statistics => new(Interlocked.Read(ref _executions), Interlocked.Read(ref _replays));

    /// <summary>The key a command's result is recorded under.</summary>
    public static IdempotencyKey CreateKey(string tool, string command, string? scope = null)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(command);
        // The scope's presence is part of the key too: no scope and an empty scope are different keys.
        return scope is null ? IdempotencyKey.From(KeyKind, tool, command) : IdempotencyKey.From(KeyKind, tool, command, scope);
    }

    /// <summary>
    /// Replays the recorded result of <paramref name="command"/> on <paramref name="tool"/>, or runs
    /// <paramref name="execute"/> once and records its result. While another caller runs the command, waits for it.
    /// </summary>
    /// <exception cref="TimeoutException">Another caller held the command for longer than <see cref="IdempotencyOptions.WaitTimeout"/>.</exception>
    public Task<ToolLedgerResult> ExecuteOrReplayAsync(
        string tool,
        string command,
        Func<CancellationToken, Task<ToolResult>> execute,
        ToolLedgerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execute);
        var key = CreateKey(tool, command, options?.Scope);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<ToolLedgerResult>(cancellationToken);
        }

        var caller = Activity.Current;
        var activity = AgentOsTelemetry.StartLedgerCall(tool);
        ValueTask<IdempotencyOutcome?> replay = default;
        try
        {
            // A replay is answered without entering the claim protocol: one read, no write lock. On SQLite the read
            // completes synchronously and is returned at once; on PostgreSQL it is awaited below, holding no thread meanwhile.
            if (!(options?.ForceExecute ?? false))
            {
                replay = _store.TryReplayAsync(key, options?.CacheFailures ?? false, async: true, cancellationToken);
            }

            if (replay.IsCompleted && replay.GetAwaiter().GetResult() is { } recorded)
            {
                var replayed = Replayed(recorded, activity);
                activity?.Dispose();
                return Task.FromResult(replayed);
            }
        }
        catch (Exception ex) when (ex is StoreException or ObjectDisposedException or OperationCanceledException or InvalidDataException or JsonException)
        {
            AgentOsTelemetry.Failed(activity, ex);
            activity?.Dispose();
            return Task.FromException<ToolLedgerResult>(ex);
        }

        AgentOsTelemetry.Detach(activity, caller);
        return ExecuteAsync(key, tool, command, execute, options, replay.IsCompleted ? null : replay, activity, cancellationToken);
    }

    private ToolLedgerResult Replayed(IdempotencyOutcome recorded, Activity? activity)
    {
        var replayed = new ToolLedgerResult(Decode(recorded), Replayed: true);
        Interlocked.Increment(ref _replays);
        _store.Store.Telemetry.OnLedgerCall(activity, "replayed");
        return replayed;
    }

    private async Task<ToolLedgerResult> ExecuteAsync(
        IdempotencyKey key,
        string tool,
        string command,
        Func<CancellationToken, Task<ToolResult>> execute,
        ToolLedgerOptions? options,
        ValueTask<IdempotencyOutcome?>? pendingReplay,
        Activity? activity,
        CancellationToken cancellationToken)
    {
        // The span goes on here: the tool's own spans become its children.
        using var span = AgentOsTelemetry.Attach(activity);
        try
        {
            if (pendingReplay is { } replay && await replay.ConfigureAwait(false) is { } recorded)
            {
                return Replayed(recorded, activity);
            }
        }
        catch (Exception ex) when (ex is StoreException or ObjectDisposedException or OperationCanceledException or InvalidDataException or JsonException)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }

        var result = await _store.ExecuteAsync(
            key,
            async ct =>
            {
                var ran = await execute(ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The tool '{tool}' returned no result for its command.");
                var recorded = Encode(ran);
                return ran.Succeeded
                    ? IdempotencyOutcome.Success(recorded, ran.ExitCode)
                    : IdempotencyOutcome.Failure($"The command exited with code {ran.ExitCode}.", recorded, ran.ExitCode);
            },
            new IdempotencyExecuteOptions
            {
                Description = $"{tool}: {command}",
                TimeToLive = options?.TimeToLive,
                ForceExecute = options?.ForceExecute ?? false,
                ReplayFailures = options?.CacheFailures ?? false,
            },
            cancellationToken).ConfigureAwait(false);

        Interlocked.Increment(ref result.Replayed ? ref _replays : ref _executions);
        _store.Store.Telemetry.OnLedgerCall(activity, result.Replayed ? "replayed" : result.PreviousAttemptInDoubt ? "in_doubt" : "executed");
        return new ToolLedgerResult(Decode(result.Outcome), result.Replayed, result.PreviousAttemptInDoubt);
    }

    private static string Encode(ToolResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(result.Stdout.Length + result.Stderr.Length + 32);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("stdout"u8, result.Stdout);
            writer.WriteString("stderr"u8, result.Stderr);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static ToolResult Decode(IdempotencyOutcome outcome)
    {
        var exitCode = outcome.ExitCode ?? throw new InvalidDataException("A tool ledger entry has no exit code.");
        var json = outcome.Result ?? throw new InvalidDataException("A tool ledger entry has no recorded output.");
        string? stdout = null, stderr = null;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var isStdout = reader.ValueTextEquals("stdout"u8);
            reader.Read();
            if (isStdout)
            {
                stdout = reader.GetString();
            }
            else
            {
                stderr = reader.GetString();
            }
        }

        return new ToolResult(exitCode, stdout ?? string.Empty, stderr ?? string.Empty);
    }
}
