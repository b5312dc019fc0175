using System.Text.Json.Nodes;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Sqlite;

namespace AgentOs.Sdk.Evidence;

/// <summary>
/// Reads what an open store can tell about a failure, through the store's own unit of work, without changing it. A SQLite
/// store is described from its file (<see cref="DatabaseEvidence"/>: file sizes and settings too, with the careful read-only
/// open); a server store (PostgreSQL) through one snapshot read on the store's connection: the server's version and the
/// database's name, the schema version, and every section the providers share (<see cref="EvidenceReader"/>). The store
/// is named by its <see cref="AgentOsStore.Location"/>, which never carries a password.
/// </summary>
internal sealed class StoreEvidence(EvidenceOptions options)
{
    public JsonObject Collect(AgentOsStore store, string? taskId)
    {
        if (store.Provider is SqliteStoreProvider sqlite)
        {
            return new DatabaseEvidence(options).Collect(sqlite.DatabasePath, taskId);
        }

        var evidence = new JsonObject
        {
            ["location"] = store.Location,
            ["status"] = "ok",
            ["error"] = null,
        };

        try
        {
            // One snapshot: every section describes the same instant, even while other hosts go on writing.
            store.Read("describe the database for failure evidence", store.Options.TimeProvider, tx =>
            {
                var reader = new EvidenceReader(options, tx.Connection, tx.Transaction);
                evidence["server"] = reader.Section(() => new JsonObject
                {
                    ["provider"] = store.Provider.Name,
                    ["server_version"] = tx.Connection.ServerVersion,
                    ["database"] = tx.Connection.Database,
                    ["schema_version"] = reader.NewestSchemaVersion(),
                });
                reader.AddSections(evidence, EvidenceReader.StoreTables, taskId);
                return ValueTask.FromResult(0);
            }, snapshot: true);
        }
        catch (StoreException ex)
        {
            // The server went away (or refused) while the evidence was read: what was read stays, and the error says why.
            evidence["status"] = "unreadable";
            evidence["error"] = ex.Message;
        }

        return evidence;
    }
}
