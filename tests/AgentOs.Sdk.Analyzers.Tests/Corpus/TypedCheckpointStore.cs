// A store that implements ICheckpointStore<T> directly, with the usual companions of a checkpoint: a "latest" pointer,
// a completion marker, and the hand-written temp-and-rename pattern.
using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Agents.AI.Workflows;

namespace Corpus.Checkpointing
{
    public sealed class RunState
    {
        public int Step { get; set; }

        public string? Note { get; set; }
    }

    public sealed class DiskStateStore : ICheckpointStore<RunState>
    {
        private readonly string _root;

        public DiskStateStore(string root) => _root = root;

        public async ValueTask<CheckpointInfo> CreateCheckpointAsync(string runId, RunState value, CheckpointInfo? parent = null)
        {
            var key = new CheckpointInfo(runId, value.Step.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var file = Path.Combine(_root, runId, key.CheckpointId + ".json");
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(value)).ConfigureAwait(false); // expect AOS001

            // The pointer to the newest checkpoint is written safely: temp file, then rename over the target.
            var latest = Path.Combine(_root, runId, "latest");
            var temp = latest + ".tmp";
            File.WriteAllText(temp, key.CheckpointId); // never: moved into place below
            File.Move(temp, latest, overwrite: true);

            // An empty marker: nothing in it can tear.
            File.WriteAllText(Path.Combine(_root, runId, "done"), string.Empty); // never: zero-length marker
            return key;
        }

        public async ValueTask<RunState> RetrieveCheckpointAsync(string runId, CheckpointInfo key)
        {
            var text = await File.ReadAllTextAsync(Path.Combine(_root, runId, key.CheckpointId + ".json")).ConfigureAwait(false);
            return JsonSerializer.Deserialize<RunState>(text) ?? new RunState();
        }

        public void Backup(string runId, string target)
        {
            // The backup replaces the live file by way of a temporary copy.
            var staged = Path.Combine(_root, runId, "staged.json");
            using (var writer = new StreamWriter(staged)) // never: replaced into place below
            {
                writer.Write("{}");
            }

            File.Replace(staged, Path.Combine(_root, runId, "live.json"), destinationBackupFileName: null);
        }
    }
}
