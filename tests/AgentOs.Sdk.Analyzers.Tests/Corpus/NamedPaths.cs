// Code that never marks anything, but names its paths after what they hold: checkpointPath, artifactsDir,
// CheckpointDirectory. The agentos_sdk.artifact_path_names option (default "checkpoint, artifact") reads those names.
using System.IO;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Corpus.Training
{
    public sealed class TrainerOptions
    {
        public string CheckpointDirectory { get; set; } = "";

        public string OutputPath { get; set; } = "";
    }

    public sealed class Trainer
    {
        private readonly TrainerOptions _options;

        public Trainer(TrainerOptions options) => _options = options;

        public void SaveState(string checkpointPath, byte[] state) => File.WriteAllBytes(checkpointPath, state); // expect AOS001

        public void SaveWeights(string artifactsDir, byte[] weights)
        {
            using SafeFileHandle handle = File.OpenHandle(Path.Combine(artifactsDir, "weights.bin"), FileMode.Create, FileAccess.Write); // expect AOS001
            RandomAccess.Write(handle, weights, 0);
        }

        public void SaveEpoch(int epoch, object metrics)
        {
            var file = Path.Combine(_options.CheckpointDirectory, $"epoch-{epoch}.json");
            File.WriteAllText(file, JsonSerializer.Serialize(metrics)); // expect AOS001
        }

        public void SavePrediction(string text) => File.WriteAllText(_options.OutputPath, text); // never: nothing says this output is trusted later

        public void Resume(string checkpointPath)
        {
            // Reading a checkpoint is not writing one.
            var bytes = File.ReadAllBytes(checkpointPath);
            using var stream = new FileStream(checkpointPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); // never: a lock file, OpenOrCreate
            stream.Write(bytes, 0, 0);
        }
    }
}
