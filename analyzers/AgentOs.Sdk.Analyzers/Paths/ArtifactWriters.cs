using System.Collections.Concurrent;
using System.Collections.Immutable;
using AgentOs.Sdk.Analyzers.Internal;
using Microsoft.CodeAnalysis;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>
/// Types and members whose file writes are artifacts whatever the path: persistence contracts for durable state (a
/// checkpoint store), types or members marked <c>[ArtifactWriter]</c>, and those named in the
/// <c>agentos_sdk.artifact_writers</c> option. A type counts when it, a base type, an interface it implements or a type
/// it is nested in is such a type; names are full names without generic arity (<c>Namespace.ICheckpointStore</c>).
/// </summary>
internal sealed class ArtifactWriters
{
    /// <summary>Microsoft Agent Framework's checkpoint contracts: every implementation persists workflow state.</summary>
    public const string DefaultValue = "Microsoft.Agents.AI.Workflows.ICheckpointStore, Microsoft.Agents.AI.Workflows.JsonCheckpointStore";

    public static readonly ArtifactWriters Default = Parse(DefaultValue);

    private readonly ImmutableHashSet<string> _names;

    // The last part of each name (the type's or the member's own name): most types and members asked about are not
    // named in the option, and this answers them without building a full name (ToDisplayString of the namespace).
    private readonly ImmutableHashSet<string> _lastParts;

    private ArtifactWriters(ImmutableHashSet<string> names)
    {
        _names = names;
        var lastParts = ImmutableHashSet.CreateBuilder<string>(System.StringComparer.Ordinal);
        foreach (var name in names)
        {
            lastParts.Add(name.Substring(name.LastIndexOf('.') + 1));
        }

        _lastParts = lastParts.ToImmutable();
    }

    public static ArtifactWriters Parse(string value)
    {
        var names = ImmutableHashSet.CreateBuilder<string>(System.StringComparer.Ordinal);
        if (!string.Equals(value.Trim(), ArtifactPathGlobs.NoneValue, System.StringComparison.OrdinalIgnoreCase))
        {
            foreach (var item in value.Split(','))
            {
                var name = item.Trim();
                var tick = name.IndexOf('`');
                name = tick >= 0 ? name.Substring(0, tick) : name;
                var angle = name.IndexOf('<');
                name = angle >= 0 ? name.Substring(0, angle) : name;
                if (name.Length > 0)
                {
                    names.Add(name);
                }
            }
        }

        return new ArtifactWriters(names.ToImmutable());
    }

    public bool ContainsType(INamedTypeSymbol type) => _lastParts.Contains(type.Name) && _names.Contains(FullName(type));

    public bool ContainsMember(ISymbol member)
        => _lastParts.Contains(member.Name) && member.ContainingType is { } type && _names.Contains(FullName(type) + "." + member.Name);

    /// <summary>"Namespace.Outer.Inner", without generic arity or type arguments.</summary>
    public static string FullName(INamedTypeSymbol type)
    {
        var name = type.Name;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.Name + "." + name;
        }

        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }
}

/// <summary>
/// Answers "is this write inside an artifact writer?" for one compilation: walks the containing members and types of the
/// code that writes, with the answer cached per type.
/// </summary>
internal sealed class ArtifactWriterFinder
{
    private readonly INamedTypeSymbol? _attribute;
    // Per option value (a handful of instances, compared by reference), then per type. Keys and values are references:
    // a dictionary keyed by a tuple is a value-type instantiation the JIT compiles anew in every compiler process.
    private readonly ConcurrentDictionary<ArtifactWriters, ConcurrentDictionary<INamedTypeSymbol, string?>> _types = new();

    public ArtifactWriterFinder(INamedTypeSymbol? attribute) => _attribute = attribute;

    /// <summary>How the writer is shown in a message ("'Store', which implements 'ICheckpointStore'"), or null when the code is not in one.</summary>
    public string? FindWriter(ISymbol? containing, ArtifactWriters writers)
    {
        for (var symbol = containing; symbol is not null; symbol = symbol.ContainingSymbol)
        {
            switch (symbol)
            {
                case INamedTypeSymbol type:
                    return FindType(type, writers);
                case IMethodSymbol or IPropertySymbol or IEventSymbol or IFieldSymbol:
                    var member = symbol is IMethodSymbol { AssociatedSymbol: { } associated } ? associated : symbol;
                    if ((_attribute is not null && member.HasAttribute(_attribute)) || writers.ContainsMember(member))
                    {
                        return $"'{member.ContainingType?.Name}.{member.Name}', an artifact writer";
                    }

                    break;
            }
        }

        return null;
    }

    private string? FindType(INamedTypeSymbol type, ArtifactWriters writers)
    {
        var types = _types.GetOrAdd(writers, static _ => new ConcurrentDictionary<INamedTypeSymbol, string?>(SymbolEqualityComparer.Default));
        var definition = type.OriginalDefinition;
        if (!types.TryGetValue(definition, out var found))
        {
            found = types.GetOrAdd(definition, Compute(definition, writers));
        }

        return found;
    }

    private string? Compute(INamedTypeSymbol type, ArtifactWriters writers)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            for (var baseType = current; baseType is not null; baseType = baseType.BaseType)
            {
                if (IsWriter(baseType, writers))
                {
                    return Describe(type, baseType);
                }
            }

            foreach (var @interface in current.AllInterfaces)
            {
                if (IsWriter(@interface, writers))
                {
                    return Describe(type, @interface);
                }
            }
        }

        return null;
    }

    private bool IsWriter(INamedTypeSymbol type, ArtifactWriters writers)
        => writers.ContainsType(type.OriginalDefinition) || (_attribute is not null && type.OriginalDefinition.HasAttribute(_attribute));

    private static string Describe(INamedTypeSymbol type, INamedTypeSymbol contract)
        => SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, contract.OriginalDefinition)
            ? $"'{type.Name}', an artifact writer"
            : $"'{type.Name}', which {(contract.TypeKind == TypeKind.Interface ? "implements" : "derives from")} '{contract.Name}'";
}
