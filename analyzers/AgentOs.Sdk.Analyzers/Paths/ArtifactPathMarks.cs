using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using AgentOs.Sdk.Analyzers.Configuration;
using AgentOs.Sdk.Analyzers.Internal;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>Why an expression counts as an artifact path without a glob: the attribute, or the name of what it reads.</summary>
internal enum MarkKind
{
    /// <summary><c>[ArtifactPath]</c> on the symbol (or on the member it overrides or implements).</summary>
    Attribute,

    /// <summary>The symbol's name says so (<c>checkpointPath</c>, <c>ArtifactsDir</c>): the <c>agentos_sdk.artifact_path_names</c> option.</summary>
    Name,
}

/// <summary>The symbol that marks a path, and how.</summary>
internal sealed class Mark
{
    public Mark(ISymbol symbol, MarkKind kind)
    {
        Symbol = symbol;
        Kind = kind;
    }

    public ISymbol Symbol { get; }

    public MarkKind Kind { get; }
}

/// <summary>
/// Decides whether an expression is marked as an artifact path: by <c>[ArtifactPath]</c> on the parameter, field or
/// property it reads or on the return value of the method it calls (also on a member that one overrides or
/// implements), or by the name of what it reads; through a local assigned once, as the first part of a
/// <c>Path.Combine</c>/<c>Path.Join</c> (a path under a marked folder), and through a small path-building helper
/// declared in this compilation whose body returns one expression (its parameters stand for the call's arguments).
/// </summary>
internal sealed class ArtifactPathMarks
{
    private const int MaxDepth = 12;
    private const int MaxHelperDepth = 3;

    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol _attribute;
    private readonly PathEvaluator _evaluator;

    public ArtifactPathMarks(Compilation compilation, INamedTypeSymbol attribute, PathEvaluator evaluator)
    {
        _compilation = compilation;
        _attribute = attribute;
        _evaluator = evaluator;
    }

    /// <summary>Returns the mark, or null when nothing marks the expression.</summary>
    public Mark? FindMark(IOperation operation, PathNames names, CancellationToken cancellationToken)
        => FindMark(operation, names, ImmutableDictionary<IParameterSymbol, IOperation>.Empty.WithComparers(SymbolEqualityComparer.Default), 0, 0, cancellationToken);

    private Mark? FindMark(IOperation operation, PathNames names, ImmutableDictionary<IParameterSymbol, IOperation> arguments, int depth, int helperDepth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (depth > MaxDepth)
        {
            return null;
        }

        switch (operation)
        {
            case IConversionOperation conversion:
                return FindMark(conversion.Operand, names, arguments, depth + 1, helperDepth, cancellationToken);
            case IParameterReferenceOperation parameter:
                if (parameter.Parameter.HasAttributeIncludingOverridden(_attribute))
                {
                    return new Mark(parameter.Parameter, MarkKind.Attribute);
                }

                // Inside an inlined helper, a parameter stands for the caller's argument.
                if (arguments.TryGetValue(parameter.Parameter.OriginalDefinition, out var argument)
                    && FindMark(argument, names, ImmutableDictionary<IParameterSymbol, IOperation>.Empty.WithComparers(SymbolEqualityComparer.Default), depth + 1, helperDepth, cancellationToken) is { } passed)
                {
                    return passed;
                }

                return ByName(parameter.Parameter, names);
            case IFieldReferenceOperation field:
                var fieldSymbol = field.Field.OriginalDefinition;
                if (fieldSymbol.HasAttribute(_attribute)
                    || (fieldSymbol.AssociatedSymbol is IPropertySymbol backed && backed.HasAttributeIncludingOverridden(_attribute)))
                {
                    return new Mark(field.Field, MarkKind.Attribute);
                }

                return ByName(fieldSymbol.AssociatedSymbol ?? fieldSymbol, names);
            case IPropertyReferenceOperation property:
                return property.Property.HasAttributeIncludingOverridden(_attribute) ? new Mark(property.Property, MarkKind.Attribute) : ByName(property.Property, names);
            case IInvocationOperation invocation when _evaluator.IsPathCombineOrJoin(invocation.TargetMethod):
                return FirstSegment(invocation) is { } first ? FindMark(first, names, arguments, depth + 1, helperDepth, cancellationToken) : null;
            case IInvocationOperation invocation:
                if (invocation.TargetMethod.ReturnHasAttributeIncludingOverridden(_attribute))
                {
                    return new Mark(invocation.TargetMethod, MarkKind.Attribute);
                }

                return helperDepth < MaxHelperDepth ? FindMarkInHelper(invocation, names, depth, helperDepth, cancellationToken) : null;
            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                return FindMark(conditional.WhenTrue, names, arguments, depth + 1, helperDepth, cancellationToken) is { } whenTrueMark
                    && FindMark(whenFalse, names, arguments, depth + 1, helperDepth, cancellationToken) is not null ? whenTrueMark : null;
            case ICoalesceOperation coalesce:
                return FindMark(coalesce.Value, names, arguments, depth + 1, helperDepth, cancellationToken) is { } valueMark
                    && FindMark(coalesce.WhenNull, names, arguments, depth + 1, helperDepth, cancellationToken) is not null ? valueMark : null;
            case ILocalReferenceOperation local:
                var initializer = PathEvaluator.SingleAssignmentInitializer(local.Local);
                if (initializer is null || local.SemanticModel is not { } model || initializer.SyntaxTree != model.SyntaxTree)
                {
                    return ByName(local.Local, names);
                }

                return model.GetOperation(initializer, cancellationToken) is { } initialValue
                    ? FindMark(initialValue, names, arguments, depth + 1, helperDepth, cancellationToken) ?? ByName(local.Local, names)
                    : ByName(local.Local, names);
            default:
                return null;
        }
    }

    private static Mark? ByName(ISymbol symbol, PathNames names) => names.Matches(symbol.Name) ? new Mark(symbol, MarkKind.Name) : null;

    /// <summary>
    /// A method of this compilation whose body is one returned string expression (<c>string PathFor(string id) =&gt;
    /// Path.Combine(_checkpoints, id + ".json")</c>) is looked into, its parameters bound to this call's arguments.
    /// </summary>
    private Mark? FindMarkInHelper(IInvocationOperation invocation, PathNames names, int depth, int helperDepth, CancellationToken cancellationToken)
    {
        var method = invocation.TargetMethod.OriginalDefinition;
        if (method.ReturnType.SpecialType != SpecialType.System_String || method.IsAbstract || method.IsVirtual || method.IsOverride || method.IsExtern
            || method.DeclaringSyntaxReferences.Length != 1
            || ReturnedExpression(method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken)) is not { } returned)
        {
            return null;
        }

        var model = GetSemanticModel(returned.SyntaxTree);
        if (model.GetOperation(returned, cancellationToken) is not { } body)
        {
            return null;
        }

        var bound = ImmutableDictionary<IParameterSymbol, IOperation>.Empty.WithComparers(SymbolEqualityComparer.Default);
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter)
            {
                bound = bound.SetItem(parameter.OriginalDefinition, argument.Value);
            }
        }

        return FindMark(body, names, bound, depth + 1, helperDepth + 1, cancellationToken);
    }

    private static ExpressionSyntax? ReturnedExpression(SyntaxNode declaration) => declaration switch
    {
        MethodDeclarationSyntax { ExpressionBody.Expression: { } expression } => expression,
        MethodDeclarationSyntax { Body.Statements: { Count: 1 } statements } => (statements[0] as ReturnStatementSyntax)?.Expression,
        LocalFunctionStatementSyntax { ExpressionBody.Expression: { } expression } => expression,
        LocalFunctionStatementSyntax { Body.Statements: { Count: 1 } statements } => (statements[0] as ReturnStatementSyntax)?.Expression,
        _ => null,
    };

    // A helper may live in another file than the write. This runs only for a write candidate whose path no cheaper
    // test marks, and at most three helpers deep, so the cost stays bounded.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
    private SemanticModel GetSemanticModel(SyntaxTree tree) => _compilation.GetSemanticModel(tree);
#pragma warning restore RS1030

    private static IOperation? FirstSegment(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal != 0)
            {
                continue;
            }

            return argument.Value switch
            {
                IArrayCreationOperation { Initializer: { ElementValues.Length: > 0 } initializer } => initializer.ElementValues[0],
                ICollectionExpressionOperation { Elements.Length: > 0 } collection => collection.Elements[0],
                IArrayCreationOperation or ICollectionExpressionOperation => null,
                var value => value,
            };
        }

        return null;
    }
}
