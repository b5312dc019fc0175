using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace AgentOs.Sdk.Analyzers.Internal;

internal static class SymbolExtensions
{
    private const int MaxDepth = 16;

    /// <summary>True when the symbol has an attribute of exactly this class.</summary>
    public static bool HasAttribute(this ISymbol symbol, INamedTypeSymbol attributeClass)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the parameter, or the same parameter of a method it overrides or of an interface method it implements,
    /// has the attribute (the attributes we look for are declared <c>Inherited = true</c>; an interface contract is
    /// followed too, so <c>[ArtifactPath]</c> on <c>IStore.Save(path)</c> marks <c>path</c> in every implementation).
    /// </summary>
    public static bool HasAttributeIncludingOverridden(this IParameterSymbol parameter, INamedTypeSymbol attributeClass)
    {
        if (parameter.OriginalDefinition.HasAttribute(attributeClass))
        {
            return true;
        }

        var ordinal = parameter.Ordinal;
        switch (parameter.ContainingSymbol)
        {
            case IMethodSymbol method:
                foreach (var related in RelatedMethods(method))
                {
                    if (ordinal < related.Parameters.Length && related.Parameters[ordinal].OriginalDefinition.HasAttribute(attributeClass))
                    {
                        return true;
                    }
                }

                return false;
            case IPropertySymbol property:
                foreach (var related in RelatedProperties(property))
                {
                    if (ordinal < related.Parameters.Length && related.Parameters[ordinal].OriginalDefinition.HasAttribute(attributeClass))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>True when the property, a property it overrides or an interface property it implements, has the attribute.</summary>
    public static bool HasAttributeIncludingOverridden(this IPropertySymbol property, INamedTypeSymbol attributeClass)
    {
        if (property.OriginalDefinition.HasAttribute(attributeClass))
        {
            return true;
        }

        foreach (var related in RelatedProperties(property))
        {
            if (related.OriginalDefinition.HasAttribute(attributeClass))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the method's return value, or that of a method it overrides or an interface method it implements, has the attribute.</summary>
    public static bool ReturnHasAttributeIncludingOverridden(this IMethodSymbol method, INamedTypeSymbol attributeClass)
    {
        if (ReturnHas(method.OriginalDefinition, attributeClass))
        {
            return true;
        }

        foreach (var related in RelatedMethods(method))
        {
            if (ReturnHas(related.OriginalDefinition, attributeClass))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReturnHas(IMethodSymbol method, INamedTypeSymbol attributeClass)
    {
        foreach (var attribute in method.GetReturnTypeAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The methods this one overrides (up the chain) and the interface methods it or they implement.</summary>
    private static IEnumerable<IMethodSymbol> RelatedMethods(IMethodSymbol method)
    {
        IMethodSymbol? current = method.OriginalDefinition;
        for (var depth = 0; current is not null && depth < MaxDepth; depth++)
        {
            if (depth > 0)
            {
                yield return current;
            }

            foreach (var implemented in ImplementedInterfaceMembers(current))
            {
                if (implemented is IMethodSymbol interfaceMethod)
                {
                    yield return interfaceMethod;
                }
            }

            current = current.OverriddenMethod?.OriginalDefinition;
        }
    }

    /// <summary>The properties this one overrides (up the chain) and the interface properties it or they implement.</summary>
    private static IEnumerable<IPropertySymbol> RelatedProperties(IPropertySymbol property)
    {
        IPropertySymbol? current = property.OriginalDefinition;
        for (var depth = 0; current is not null && depth < MaxDepth; depth++)
        {
            if (depth > 0)
            {
                yield return current;
            }

            foreach (var implemented in ImplementedInterfaceMembers(current))
            {
                if (implemented is IPropertySymbol interfaceProperty)
                {
                    yield return interfaceProperty;
                }
            }

            current = current.OverriddenProperty?.OriginalDefinition;
        }
    }

    /// <summary>Interface members implemented by <paramref name="member"/>, explicitly or implicitly.</summary>
    private static IEnumerable<ISymbol> ImplementedInterfaceMembers(ISymbol member)
    {
        switch (member)
        {
            case IMethodSymbol { ExplicitInterfaceImplementations.Length: > 0 } explicitMethod:
                foreach (var implemented in explicitMethod.ExplicitInterfaceImplementations)
                {
                    yield return implemented.OriginalDefinition;
                }

                yield break;
            case IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 } explicitProperty:
                foreach (var implemented in explicitProperty.ExplicitInterfaceImplementations)
                {
                    yield return implemented.OriginalDefinition;
                }

                yield break;
        }

        var type = member.ContainingType;
        if (type is null || member.IsStatic || type.TypeKind == TypeKind.Interface)
        {
            yield break;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var candidate in @interface.GetMembers(member.Name))
            {
                if (type.FindImplementationForInterfaceMember(candidate) is { } implementation
                    && SymbolEqualityComparer.Default.Equals(implementation.OriginalDefinition, member.OriginalDefinition))
                {
                    yield return candidate.OriginalDefinition;
                }
            }
        }
    }
}
