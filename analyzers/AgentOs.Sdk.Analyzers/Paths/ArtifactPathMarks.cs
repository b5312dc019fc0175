using System.Threading;
using AgentOs.Sdk.Analyzers.Internal;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>
/// Decides whether an expression is marked as an artifact path by <c>[ArtifactPath]</c>: on the parameter, field or
/// property it reads, on the return value of the method it calls, through a local assigned once from such an
/// expression, or as the first part of a <c>Path.Combine</c>/<c>Path.Join</c> (a path under a marked folder).
/// </summary>
internal sealed class ArtifactPathMarks
{
    private const int MaxDepth = 12;

    private readonly INamedTypeSymbol _attribute;
    private readonly PathEvaluator _evaluator;

    public ArtifactPathMarks(INamedTypeSymbol attribute, PathEvaluator evaluator)
    {
        _attribute = attribute;
        _evaluator = evaluator;
    }

    /// <summary>Returns the marked symbol, or null when nothing marks the expression.</summary>
    public ISymbol? FindMark(IOperation operation, CancellationToken cancellationToken) => FindMark(operation, 0, cancellationToken);

    private ISymbol? FindMark(IOperation operation, int depth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (depth > MaxDepth)
        {
            return null;
        }

        switch (operation)
        {
            case IConversionOperation conversion:
                return FindMark(conversion.Operand, depth + 1, cancellationToken);
            case IParameterReferenceOperation parameter:
                return parameter.Parameter.HasAttributeIncludingOverridden(_attribute) ? parameter.Parameter : null;
            case IFieldReferenceOperation field:
                var fieldSymbol = field.Field.OriginalDefinition;
                return fieldSymbol.HasAttribute(_attribute)
                    || (fieldSymbol.AssociatedSymbol is IPropertySymbol backed && backed.HasAttributeIncludingOverridden(_attribute)) ? field.Field : null;
            case IPropertyReferenceOperation property:
                return property.Property.HasAttributeIncludingOverridden(_attribute) ? property.Property : null;
            case IInvocationOperation invocation when _evaluator.IsPathCombineOrJoin(invocation.TargetMethod):
                return FirstSegment(invocation) is { } first ? FindMark(first, depth + 1, cancellationToken) : null;
            case IInvocationOperation invocation:
                return invocation.TargetMethod.ReturnHasAttributeIncludingOverridden(_attribute) ? invocation.TargetMethod : null;
            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                return FindMark(conditional.WhenTrue, depth + 1, cancellationToken) is { } whenTrueMark && FindMark(whenFalse, depth + 1, cancellationToken) is not null ? whenTrueMark : null;
            case ICoalesceOperation coalesce:
                return FindMark(coalesce.Value, depth + 1, cancellationToken) is { } valueMark && FindMark(coalesce.WhenNull, depth + 1, cancellationToken) is not null ? valueMark : null;
            case ILocalReferenceOperation local:
                var initializer = PathEvaluator.SingleAssignmentInitializer(local.Local);
                if (initializer is null || local.SemanticModel is not { } model || initializer.SyntaxTree != model.SyntaxTree)
                {
                    return null;
                }

                return model.GetOperation(initializer, cancellationToken) is { } initialValue ? FindMark(initialValue, depth + 1, cancellationToken) : null;
            default:
                return null;
        }
    }

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
