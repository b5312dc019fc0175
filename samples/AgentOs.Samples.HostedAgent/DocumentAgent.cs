using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Hosting;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Leases;
using Microsoft.Extensions.Options;

namespace AgentOs.Samples.HostedAgent;

/// <summary>
/// Takes documents from the work queue, one lease at a time (renewed by a heartbeat the host stops on shutdown), runs
/// three steps on each (outline, draft, review), writes each step's artifact atomically and checkpoints it with the
/// artifact's hash as evidence, then releases the item. Stops the application when the queue is empty.
/// </summary>
internal sealed class DocumentAgent(
    WorkQueue queue,
    LeaseManager leases,
    LeaseHeartbeatRegistry heartbeats,
    CheckpointManager checkpoints,
    IAgentOsRecoveryState recovery,
    IOptions<AgentOsOptions> options,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private const string Kind = "document";
    private static readonly string[] Steps = ["outline", "draft", "review"];
    private static readonly string[] Documents = ["doc-1", "doc-2", "doc-3"];

    /// <summary>0 once every document is done; 1 until then (the agent refused to work, failed or was stopped).</summary>
    public static int ExitCode { get; private set; } = 1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!recovery.RecoveryEnabled)
            {
                Console.WriteLine("hosted-agent: recovery is off (the start-up health check failed in Safe mode); not taking work.");
                return;
            }

            Console.WriteLine($"hosted-agent: store {options.Value.DatabasePath}, health: {recovery.HealthReport}");
            if (await queue.FindAsync(Documents[0], stoppingToken).ConfigureAwait(false) is null)
            {
                queue.EnqueueRange(Documents.Select(id => new WorkItemRequest(Kind, JsonSerializer.Serialize($"Write about {id}", SampleJson.Default.String)) { Id = id }));
            }

            var artifacts = options.Value.ArtifactDirectories[0];
            int done = 0, verified = 0;
            while (!stoppingToken.IsCancellationRequested
                && await leases.TryAcquireNextAsync(Kind, TimeSpan.FromMinutes(1), stoppingToken).ConfigureAwait(false) is { } lease)
            {
                var heartbeat = heartbeats.Start(lease);
                var taskId = lease.TaskId ?? lease.WorkItemId;
                var resume = await checkpoints.GetLastVerifiedCheckpointAsync(taskId, stoppingToken).ConfigureAwait(false);
                foreach (var step in Steps.Skip(resume is null ? 0 : Array.IndexOf(Steps, resume.Type) + 1))
                {
                    heartbeat.ThrowIfLost();
                    var written = await AtomicFile.WriteAllTextAsync(
                        Path.Combine(artifacts, $"{lease.WorkItemId}.{step}.txt"),
                        $"{step} of {JsonSerializer.Deserialize(lease.Payload!, SampleJson.Default.String)}\n",
                        stoppingToken).ConfigureAwait(false);
                    var checkpoint = await checkpoints.CreateCheckpointAsync(
                        taskId,
                        step,
                        JsonSerializer.SerializeToElement(step, SampleJson.Default.String),
                        new EvidencePack([FileSha256Evidence.FromWrite(written)]),
                        lease.WorkItemId,
                        cancellationToken: stoppingToken).ConfigureAwait(false);
                    verified += checkpoint.Status == CheckpointStatus.Verified ? 1 : 0;
                    Console.WriteLine($"hosted-agent: {lease.WorkItemId} {step}: checkpoint #{checkpoint.SequenceNumber} {checkpoint.Status}");
                }

                await heartbeats.ReleaseAsync(heartbeat, success: true, output: "done", cancellationToken: stoppingToken).ConfigureAwait(false);
                done++;
            }

            Console.WriteLine($"OK: {done} work items done, {verified} checkpoints verified.");
            ExitCode = stoppingToken.IsCancellationRequested ? 1 : 0;
        }
        finally
        {
            // A worker service that runs a batch: stopping the host flushes the exporters.
            lifetime.StopApplication();
        }
    }
}
