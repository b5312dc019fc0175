using System.Data.Common;

namespace AgentOs.Sdk.Storage;

/// <summary>Provider-neutral helpers for the commands a <see cref="StoreTransaction"/> hands out.</summary>
public static class StoreCommandExtensions
{
    /// <summary>
    /// Sets the parameter <paramref name="name"/> (written <c>@name</c> in the SQL on every provider) to
    /// <paramref name="value"/>, adding it the first time; null becomes SQL NULL.
    /// </summary>
    /// <returns>The command, for chaining.</returns>
    public static DbCommand SetParameter(this DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index >= 0)
        {
            parameters[index].Value = value ?? DBNull.Value;
            return command;
        }

        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        parameters.Add(parameter);
        return command;
    }
}
