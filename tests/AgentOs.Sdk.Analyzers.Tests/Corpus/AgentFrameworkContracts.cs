// The two checkpoint contracts of Microsoft Agent Framework (Microsoft.Agents.AI.Workflows), reduced to what the corpus
// needs. Same namespace and names as the package; members simplified.
using System.Text.Json;
using System.Threading.Tasks;

namespace Microsoft.Agents.AI.Workflows
{
    public sealed class CheckpointInfo
    {
        public CheckpointInfo(string runId, string checkpointId)
        {
            RunId = runId;
            CheckpointId = checkpointId;
        }

        public string RunId { get; }

        public string CheckpointId { get; }
    }

    public interface ICheckpointStore<TStoreObject>
    {
        ValueTask<CheckpointInfo> CreateCheckpointAsync(string runId, TStoreObject value, CheckpointInfo? parent = null);

        ValueTask<TStoreObject> RetrieveCheckpointAsync(string runId, CheckpointInfo key);
    }

    public abstract class JsonCheckpointStore : ICheckpointStore<JsonElement>
    {
        public abstract ValueTask<CheckpointInfo> CreateCheckpointAsync(string runId, JsonElement value, CheckpointInfo? parent = null);

        public abstract ValueTask<JsonElement> RetrieveCheckpointAsync(string runId, CheckpointInfo key);
    }
}
