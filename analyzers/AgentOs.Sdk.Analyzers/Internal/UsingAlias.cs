namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// <c>using Alias = N.Target;</c> as written: the alias and the rightmost name of what it names. A class, not a tuple:
/// a list of tuples is a value-type instantiation the JIT compiles anew in every compiler process.
/// </summary>
internal sealed class UsingAlias
{
    public UsingAlias(string alias, string target)
    {
        Alias = alias;
        Target = target;
    }

    public string Alias { get; }

    public string Target { get; }

    public void Deconstruct(out string alias, out string target)
    {
        alias = Alias;
        target = Target;
    }
}
