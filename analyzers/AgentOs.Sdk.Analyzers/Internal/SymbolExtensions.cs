using Microsoft.CodeAnalysis;

namespace AgentOs.Sdk.Analyzers.Internal;

internal static class SymbolExtensions
{
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
    /// True when the parameter, or the same parameter of a method it overrides, has the attribute
    /// (the attributes we look for are declared <c>Inherited = true</c>).
    /// </summary>
    public static bool HasAttributeIncludingOverridden(this IParameterSymbol parameter, INamedTypeSymbol attributeClass)
    {
        var current = parameter.OriginalDefinition;
        for (var depth = 0; current is not null && depth < 16; depth++)
        {
            if (current.HasAttribute(attributeClass))
            {
                return true;
            }

            current = current.ContainingSymbol switch
            {
                IMethodSymbol { OverriddenMethod: { } overridden } when current.Ordinal < overridden.Parameters.Length => overridden.Parameters[current.Ordinal].OriginalDefinition,
                IPropertySymbol { OverriddenProperty: { } overridden } when current.Ordinal < overridden.Parameters.Length => overridden.Parameters[current.Ordinal].OriginalDefinition,
                _ => null,
            };
        }

        return false;
    }

    /// <summary>True when the property, or a property it overrides, has the attribute.</summary>
    public static bool HasAttributeIncludingOverridden(this IPropertySymbol property, INamedTypeSymbol attributeClass)
    {
        IPropertySymbol? current = property.OriginalDefinition;
        for (var depth = 0; current is not null && depth < 16; depth++)
        {
            if (current.HasAttribute(attributeClass))
            {
                return true;
            }

            current = current.OverriddenProperty?.OriginalDefinition;
        }

        return false;
    }

    /// <summary>True when the method's return value, or that of a method it overrides, has the attribute.</summary>
    public static bool ReturnHasAttributeIncludingOverridden(this IMethodSymbol method, INamedTypeSymbol attributeClass)
    {
        IMethodSymbol? current = method.OriginalDefinition;
        for (var depth = 0; current is not null && depth < 16; depth++)
        {
            foreach (var attribute in current.GetReturnTypeAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass))
                {
                    return true;
                }
            }

            current = current.OverriddenMethod?.OriginalDefinition;
        }

        return false;
    }
}
