using System.Globalization;
using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Agents.AI.Workflows.Checkpointing;

namespace AgentOs.Sdk.AgentFramework.Chaos;

/// <summary>
/// The worker drill 9 starts and kills: it resumes its session's workflow from the latest checkpoint (or starts it), runs
/// it to the end, and exits 0 once the result file is written. Exit 3: the store could not be opened; 4: a checkpoint
/// could not be read back; 1: the workflow failed.
/// </summary>
internal static class ResumeWorker
{
    public const int StoreUnusable = 3;
    public const int CheckpointUnreadable = 4;

    public static async Task<int> RunAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var sessions = context.GetArgument<string[]>("sessions");
        var session = sessions[context.WorkerId];
        var rounds = context.GetArgument<int>("rounds");
        var resultPath = Path.Combine(context.GetArgument<string>("results"), session + ".txt");
        var fileSystem = context.GetArgument<bool>("filesystem");

        AgentOsStore? store = null;
        JsonCheckpointStore checkpointStore;
        try
        {
            if (fileSystem)
            {
                checkpointStore = new FileSystemJsonCheckpointStore(new DirectoryInfo(Path.Combine(context.GetArgument<string>("fsroot"), session)));
            }
            else
            {
                store = ChaosWorkerStore.Open(context);
                checkpointStore = new AgentOsCheckpointStore(store);
            }
        }
        catch (InvalidOperationException ex)
        {
            Console.WriteLine($"store-unusable: {ex.Message}");
            return StoreUnusable;
        }

        try
        {
            var manager = CheckpointManager.CreateJson(checkpointStore);
            var latest = (await checkpointStore.RetrieveIndexAsync(session).ConfigureAwait(false)).LastOrDefault();
            var workflow = CountingWorkflow.Build(rounds, resultPath);
            Console.WriteLine(latest is null ? "started fresh" : $"started from {latest.CheckpointId}");
            StreamingRun run;
            try
            {
                run = latest is null
                    ? await InProcessExecution.RunStreamingAsync(workflow, CountingWorkflow.Input, manager, session, cancellationToken).ConfigureAwait(false)
                    : await InProcessExecution.ResumeStreamingAsync(workflow, latest, manager, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or IOException)
            {
                Console.WriteLine($"checkpoint-unreadable: {ex.GetType().Name}: {ex.Message}");
                return CheckpointUnreadable;
            }

            await using (run.ConfigureAwait(false))
            {
                var checkpoints = 0;
                await foreach (var evt in run.WatchStreamAsync(cancellationToken).ConfigureAwait(false))
                {
                    switch (evt)
                    {
                        case SuperStepCompletedEvent { CompletionInfo.Checkpoint: not null }:
                            checkpoints++;
                            break;
                        case WorkflowOutputEvent output:
                            Console.WriteLine($"output: {output.Data}");
                            break;
                        case WorkflowErrorEvent error:
                            Console.WriteLine($"workflow-error: {error.Exception}");
                            return 1;
                        case ExecutorFailedEvent failed:
                            Console.WriteLine($"executor-failed: {failed.ExecutorId}: {failed.Data}");
                            return 1;
                    }
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"checkpoints {checkpoints}"));
            }

            return File.Exists(resultPath) ? 0 : 2;
        }
        finally
        {
            (checkpointStore as IDisposable)?.Dispose();
            store?.Dispose();
        }
    }
}
