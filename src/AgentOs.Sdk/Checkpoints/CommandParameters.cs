using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>Sets parameters of a cached command in place, so that each execution allocates no new parameter objects.</summary>
internal static class CommandParameters
{
    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> (null becomes SQL NULL), adding the parameter the first time.</summary>
    public static void Set(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index >= 0)
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
        else
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }
}
