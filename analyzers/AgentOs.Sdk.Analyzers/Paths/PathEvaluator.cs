using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using AgentOs.Sdk.Analyzers.Internal;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>
/// Works out what a path expression can hold: constants, concatenation, interpolation, <c>Path.Combine</c> and
/// <c>Path.Join</c>, <c>?:</c> and <c>??</c>, locals assigned once and readonly fields assigned once. Anything else
/// becomes a hole. One instance serves one compilation; it is safe to use from several threads.
/// </summary>
internal sealed class PathEvaluator
{
    private const int MaxDepth = 12;
    private const int MaxDisplayLength = 40;

    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol? _pathType;
    private readonly INamedTypeSymbol? _guidType;
    private readonly ConcurrentDictionary<IFieldSymbol, PathValue> _fieldValues = new(SymbolEqualityComparer.Default);

    public PathEvaluator(Compilation compilation)
    {
        _compilation = compilation;
        _pathType = compilation.GetTypeByMetadataName("System.IO.Path");
        _guidType = compilation.GetTypeByMetadataName("System.Guid");
    }

    public PathValue Evaluate(IOperation operation, CancellationToken cancellationToken)
        => Evaluate(operation, new HashSet<ISymbol>(SymbolEqualityComparer.Default), 0, cancellationToken);

    /// <summary>Source text for a hole, shortened so a message stays readable.</summary>
    public static string Display(SyntaxNode syntax)
    {
        var text = syntax.ToString();
        return text.Length <= MaxDisplayLength ? text : text.Substring(0, MaxDisplayLength - 1) + "…";
    }

    private PathValue Evaluate(IOperation operation, HashSet<ISymbol> visiting, int depth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (operation.ConstantValue.HasValue)
        {
            return operation.ConstantValue.Value switch
            {
                string text => PathValue.Literal(text),
                null => PathValue.Unknown("null"),
                var value => PathValue.Literal(System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
            };
        }

        if (depth > MaxDepth)
        {
            return Unknown(operation);
        }

        switch (operation)
        {
            case IConversionOperation conversion when conversion.Operand.Type?.SpecialType == SpecialType.System_String:
                return Evaluate(conversion.Operand, visiting, depth + 1, cancellationToken);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } binary when binary.Type?.SpecialType == SpecialType.System_String:
                return PathValue.Concat(EvaluatePart(binary.LeftOperand, null, visiting, depth, cancellationToken), EvaluatePart(binary.RightOperand, null, visiting, depth, cancellationToken));
            case IInterpolatedStringOperation interpolated:
                return EvaluateInterpolation(interpolated, visiting, depth, cancellationToken);
            case IInterpolatedStringAdditionOperation addition:
                return PathValue.Concat(Evaluate(addition.Left, visiting, depth + 1, cancellationToken), Evaluate(addition.Right, visiting, depth + 1, cancellationToken));
            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                return PathValue.Union(Evaluate(conditional.WhenTrue, visiting, depth + 1, cancellationToken), Evaluate(whenFalse, visiting, depth + 1, cancellationToken));
            case ICoalesceOperation coalesce:
                return PathValue.Union(Evaluate(coalesce.Value, visiting, depth + 1, cancellationToken), Evaluate(coalesce.WhenNull, visiting, depth + 1, cancellationToken));
            case IInvocationOperation invocation when IsPathCombineOrJoin(invocation.TargetMethod):
                return EvaluateCombine(invocation, visiting, depth, cancellationToken);
            case ILocalReferenceOperation local:
                return EvaluateLocal(local, visiting, depth, cancellationToken);
            case IFieldReferenceOperation field when field.Field.IsReadOnly:
                return EvaluateField(field, visiting, depth, cancellationToken);
            default:
                return Unknown(operation);
        }
    }

    public bool IsPathCombineOrJoin(IMethodSymbol method)
        => method.Name is "Combine" or "Join"
        && method.ReturnType.SpecialType == SpecialType.System_String
        && SymbolEqualityComparer.Default.Equals(method.ContainingType, _pathType);

    /// <summary>A piece of a string built from a value of any type: its text when constant, else a hole sized by its type.</summary>
    private PathValue EvaluatePart(IOperation operation, string? format, HashSet<ISymbol> visiting, int depth, CancellationToken cancellationToken)
    {
        var unwrapped = operation;
        while (unwrapped is IConversionOperation { IsImplicit: true } conversion && unwrapped.Type?.SpecialType != SpecialType.System_String)
        {
            unwrapped = conversion.Operand;
        }

        if (unwrapped.ConstantValue.HasValue || unwrapped.Type?.SpecialType == SpecialType.System_String)
        {
            return Evaluate(unwrapped, visiting, depth + 1, cancellationToken);
        }

        // A custom format can add any text, separators included.
        var formatAddsText = format is not null && (format.IndexOf('/') >= 0 || format.IndexOf('\\') >= 0);
        return !formatAddsText && NeverHoldsSeparator(unwrapped.Type)
            ? PathValue.Hole(PathPartKind.SegmentHole, Display(unwrapped.Syntax))
            : Unknown(unwrapped);
    }

    /// <summary>Numbers, booleans, enums and Guids print without separators (dates can: "11/25/2025").</summary>
    private bool NeverHoldsSeparator(ITypeSymbol? type)
    {
        if (type is null)
        {
            return false;
        }

        if (type.TypeKind == TypeKind.Enum || SymbolEqualityComparer.Default.Equals(type, _guidType))
        {
            return true;
        }

        return type.SpecialType is SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte
            or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32
            or SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Single or SpecialType.System_Double
            or SpecialType.System_Decimal;
    }

    private PathValue EvaluateInterpolation(IInterpolatedStringOperation interpolated, HashSet<ISymbol> visiting, int depth, CancellationToken cancellationToken)
    {
        var value = PathValue.Literal(string.Empty);
        foreach (var part in interpolated.Parts)
        {
            var piece = part switch
            {
                IInterpolatedStringTextOperation text => Evaluate(text.Text, visiting, depth + 1, cancellationToken),
                IInterpolationOperation interpolation => EvaluatePart(interpolation.Expression, interpolation.FormatString?.ConstantValue.Value as string, visiting, depth, cancellationToken),
                _ => Unknown(part),
            };
            value = PathValue.Concat(value, piece);
        }

        return value;
    }

    private PathValue EvaluateCombine(IInvocationOperation invocation, HashSet<ISymbol> visiting, int depth, CancellationToken cancellationToken)
    {
        var segments = new List<PathValue>();
        foreach (var argument in InParameterOrder(invocation.Arguments))
        {
            if (argument.ArgumentKind == ArgumentKind.ParamArray || argument.ArgumentKind == ArgumentKind.ParamCollection)
            {
                var elements = ParamsElements(argument.Value);
                if (elements is null)
                {
                    return Unknown(invocation);
                }

                segments.AddRange(elements.Select(element => Evaluate(element, visiting, depth + 1, cancellationToken)));
            }
            else
            {
                segments.Add(Evaluate(argument.Value, visiting, depth + 1, cancellationToken));
            }
        }

        if (segments.Count == 0)
        {
            return Unknown(invocation);
        }

        var combine = invocation.TargetMethod.Name == "Combine";
        var result = segments[0];
        for (var i = 1; i < segments.Count; i++)
        {
            result = combine ? PathValue.Combine(result, segments[i]) : PathValue.Join(result, segments[i]);
        }

        return result;
    }

    /// <summary>
    /// The arguments in the order of their parameters (named arguments can be written in any order). A plain insertion
    /// sort of a handful of items: an <c>OrderBy</c> keyed by an <c>int</c> is a generic instantiation the JIT compiles
    /// anew in every compiler process.
    /// </summary>
    private static IArgumentOperation[] InParameterOrder(ImmutableArray<IArgumentOperation> arguments)
    {
        var ordered = arguments.ToArray();
        for (var i = 1; i < ordered.Length; i++)
        {
            var current = ordered[i];
            var ordinal = current.Parameter?.Ordinal ?? 0;
            var j = i - 1;
            while (j >= 0 && (ordered[j].Parameter?.Ordinal ?? 0) > ordinal)
            {
                ordered[j + 1] = ordered[j];
                j--;
            }

            ordered[j + 1] = current;
        }

        return ordered;
    }

    private static IEnumerable<IOperation>? ParamsElements(IOperation value) => value switch
    {
        IArrayCreationOperation { Initializer: { } initializer } => initializer.ElementValues,
        ICollectionExpressionOperation collection when collection.Elements.All(static e => e is not ISpreadOperation) => collection.Elements,
        IConversionOperation conversion => ParamsElements(conversion.Operand),
        _ => null,
    };

    private PathValue EvaluateLocal(ILocalReferenceOperation reference, HashSet<ISymbol> visiting, int depth, CancellationToken cancellationToken)
    {
        var local = reference.Local;
        var initializer = SingleAssignmentInitializer(local);
        if (initializer is null || reference.SemanticModel is not { } model || initializer.SyntaxTree != model.SyntaxTree || !visiting.Add(local))
        {
            return Unknown(reference);
        }

        try
        {
            var operation = model.GetOperation(initializer, cancellationToken);
            return operation is null ? Unknown(reference) : Evaluate(operation, visiting, depth + 1, cancellationToken);
        }
        finally
        {
            visiting.Remove(local);
        }
    }

    /// <summary>The initializer of a local that is declared with one and never written again; null otherwise.</summary>
    public static ExpressionSyntax? SingleAssignmentInitializer(ILocalSymbol local)
    {
        if (local.IsRef || local.IsConst || local.DeclaringSyntaxReferences.Length != 1)
        {
            return null;
        }

        if (local.DeclaringSyntaxReferences[0].GetSyntax() is not VariableDeclaratorSyntax { Initializer.Value: { } value } declarator)
        {
            return null;
        }

        // Locals of top-level statements are visible to every global statement: search the whole file then.
        SyntaxNode? scope = declarator.FirstAncestorOrSelf<SyntaxNode>(static n => n is MemberDeclarationSyntax and not GlobalStatementSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax)
            ?? declarator.SyntaxTree.GetRoot();
        return WriteScanner.CountWrites(scope, local.Name) == 0 ? value : null;
    }

    private PathValue EvaluateField(IFieldReferenceOperation reference, HashSet<ISymbol> visiting, int depth, CancellationToken cancellationToken)
    {
        var field = reference.Field.OriginalDefinition;
        if (_fieldValues.TryGetValue(field, out var cached))
        {
            return cached;
        }

        if (!visiting.Add(field))
        {
            return Unknown(reference);
        }

        try
        {
            var value = EvaluateFieldValue(field, visiting, depth, cancellationToken) ?? Unknown(reference);
            return _fieldValues.GetOrAdd(field, value);
        }
        finally
        {
            visiting.Remove(field);
        }
    }

    /// <summary>
    /// A readonly field is assigned once when it has an initializer and no constructor writes it, or has no initializer
    /// and exactly one plain assignment in its type. Readonly fields can only be written in their own type.
    /// </summary>
    private PathValue? EvaluateFieldValue(IFieldSymbol field, HashSet<ISymbol> visiting, int depth, CancellationToken cancellationToken)
    {
        if (field.DeclaringSyntaxReferences.Length != 1 || field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax declarator)
        {
            return null;
        }

        ExpressionSyntax? valueSyntax;
        var typeDeclarations = field.ContainingType.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).ToList();
        if (declarator.Initializer is { Value: { } initializer })
        {
            if (typeDeclarations.Any(type => WriteScanner.CountWrites(type, field.Name) > 0))
            {
                return null;
            }

            valueSyntax = initializer;
        }
        else
        {
            AssignmentExpressionSyntax? single = null;
            foreach (var type in typeDeclarations)
            {
                var writes = WriteScanner.CountWrites(type, field.Name);
                if (writes == 0)
                {
                    continue;
                }

                if (single is not null || writes != 1 || WriteScanner.SingleSimpleAssignment(type, field.Name) is not { } assignment
                    || assignment.FirstAncestorOrSelf<ConstructorDeclarationSyntax>() is null)
                {
                    return null;
                }

                single = assignment;
            }

            valueSyntax = single?.Right;
        }

        if (valueSyntax is null)
        {
            return null;
        }

        var model = GetSemanticModel(valueSyntax.SyntaxTree);
        var operation = model.GetOperation(valueSyntax, cancellationToken);
        return operation is null ? null : Evaluate(operation, visiting, depth + 1, cancellationToken);
    }

    // The field may be declared in another file than the write. This runs only for a readonly field that a flagged
    // write candidate reads, and its result is cached per field, so the cost stays bounded.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
    private SemanticModel GetSemanticModel(SyntaxTree tree) => _compilation.GetSemanticModel(tree);
#pragma warning restore RS1030

    private static PathValue Unknown(IOperation operation) => PathValue.Unknown(Display(operation.Syntax));
}
