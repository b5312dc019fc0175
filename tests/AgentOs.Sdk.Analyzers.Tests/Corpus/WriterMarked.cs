// Types whose writes are artifacts by the user's word: one marked [ArtifactWriter], one named in
// agentos_sdk.artifact_writers (the corpus test sets that option), and the shapes inside them that must stay quiet.
using System;
using System.IO;
using System.Text;
using AgentOs.Sdk.IO;

namespace Corpus.Persistence
{
    [ArtifactWriter]
    public class SessionArchive
    {
        private readonly string _folder;

        public SessionArchive(string folder) => _folder = folder;

        public void Save(string sessionId, string transcript)
            => File.WriteAllText(Path.Combine(_folder, sessionId + ".txt"), transcript, Encoding.UTF8); // expect AOS001

        public void Touch(string sessionId) => File.Create(Path.Combine(_folder, sessionId + ".ready")).Dispose(); // never: an empty signal file

        public void MarkOpen(string sessionId) => File.WriteAllBytes(Path.Combine(_folder, sessionId + ".open"), Array.Empty<byte>()); // never: zero-length

        public void Log(string line)
        {
            using var log = new FileStream(Path.Combine(_folder, "archive.log"), FileMode.Append, FileAccess.Write); // never: append-only log
            var bytes = Encoding.UTF8.GetBytes(line);
            log.Write(bytes, 0, bytes.Length);
        }

        public string Probe(string content)
        {
            // A scratch file: written, read back, deleted in the same method.
            var scratch = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
            File.WriteAllText(scratch, content); // never: deleted below
            var back = File.ReadAllText(scratch);
            File.Delete(scratch);
            return back;
        }
    }

    public sealed class ChatArchive : SessionArchive
    {
        private readonly string _exports;

        public ChatArchive(string folder, string exports) : base(folder) => _exports = exports;

        public void Export(string json) => File.WriteAllText(Path.Combine(_exports, "chat.json"), json); // expect AOS001
    }

    /// <summary>Named in agentos_sdk.artifact_writers by the corpus test.</summary>
    public sealed class SnapshotWriter
    {
        public void Write(string path, byte[] snapshot)
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write); // expect AOS001
            stream.Write(snapshot, 0, snapshot.Length);
        }
    }

    public static class Cache
    {
        // Not an artifact writer, no artifact name, no glob: a cache entry is rebuilt when it is missing or bad.
        public static void Put(string cacheDir, string key, string value) => File.WriteAllText(Path.Combine(cacheDir, key), value); // never: a cache entry

        public static void Export(string csvPath, string[] lines) => File.WriteAllLines(csvPath, lines); // never: a user export, nothing trusts it
    }
}
