// A file-system checkpoint store in the shape of Agent Framework's FileSystemJsonCheckpointStore: one JSON file per
// checkpoint and an index file that lists them, kept open for the store's lifetime. Every path comes from a field or a
// helper, so no glob ever sees a literal part: only the store contract makes these writes artifacts.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Agents.AI.Workflows;

namespace Corpus.Checkpointing
{
    public sealed class FileSystemCheckpointStore : JsonCheckpointStore, IDisposable
    {
        private readonly DirectoryInfo _directory;
        private readonly FileStream _indexFile;
        private readonly List<CheckpointInfo> _index = new();

        public FileSystemCheckpointStore(DirectoryInfo directory)
        {
            _directory = directory;
            _directory.Create();

            // The index is opened once, shared by nothing, and never truncated here.
            _indexFile = File.Open(Path.Combine(directory.FullName, "index.jsonl"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); // never: OpenOrCreate keeps the file
        }

        private string PathFor(string runId, string checkpointId) => Path.Combine(_directory.FullName, $"{runId}_{checkpointId}.json");

        public override async ValueTask<CheckpointInfo> CreateCheckpointAsync(string runId, JsonElement value, CheckpointInfo? parent = null)
        {
            var key = new CheckpointInfo(runId, Guid.NewGuid().ToString("N"));
            var path = PathFor(runId, key.CheckpointId);
            using (var stream = File.Open(path, FileMode.Create, FileAccess.Write, FileShare.None)) // expect AOS001
            {
                using var writer = new Utf8JsonWriter(stream);
                value.WriteTo(writer);
            }

            _index.Add(key);
            var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { key.RunId, key.CheckpointId }) + "\n");
            _indexFile.Seek(0, SeekOrigin.End);
            await _indexFile.WriteAsync(line).ConfigureAwait(false);
            await _indexFile.FlushAsync().ConfigureAwait(false);
            return key;
        }

        public override ValueTask<JsonElement> RetrieveCheckpointAsync(string runId, CheckpointInfo key)
        {
            using var stream = File.OpenRead(PathFor(runId, key.CheckpointId));
            using var document = JsonDocument.Parse(stream);
            return new ValueTask<JsonElement>(document.RootElement.Clone());
        }

        /// <summary>Compaction rewrites the index from scratch.</summary>
        public void CompactIndex()
        {
            var lines = new List<string>();
            foreach (var key in _index)
            {
                lines.Add(JsonSerializer.Serialize(new { key.RunId, key.CheckpointId }));
            }

            File.WriteAllLines(Path.Combine(_directory.FullName, "index.compacted.jsonl"), lines); // expect AOS001
        }

        public void Dispose() => _indexFile.Dispose();
    }
}
