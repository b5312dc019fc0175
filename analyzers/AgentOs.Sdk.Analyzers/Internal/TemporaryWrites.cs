using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// Writes that leave no torn artifact behind, so AOS001 keeps quiet about them: a write of nothing (an empty signal
/// file), and a file that the same method moves or replaces into place (the temporary half of a hand-written atomic
/// write) or deletes (a scratch file). These run only for a write that is about to be reported.
/// </summary>
internal sealed class TemporaryWrites
{
    private readonly INamedTypeSymbol _file;
    private readonly INamedTypeSymbol? _fileInfo;

    public TemporaryWrites(INamedTypeSymbol file, INamedTypeSymbol? fileInfo)
    {
        _file = file;
        _fileInfo = fileInfo;
    }

    /// <summary>
    /// True for <c>File.WriteAllText(p, "")</c> and other empty contents, and for a stream that is closed before
    /// anything is written: <c>File.Create(p).Dispose()</c>, <c>using (File.Create(p)) { }</c>.
    /// </summary>
    public static bool WritesNothing(IOperation write, bool wholeFile)
    {
        if (wholeFile)
        {
            foreach (var argument in ((IInvocationOperation)write).Arguments)
            {
                if (argument.Parameter?.Name is "contents" or "bytes")
                {
                    return IsEmpty(argument.Value);
                }
            }

            return false;
        }

        var syntax = write.Syntax;
        while (syntax.Parent is ParenthesizedExpressionSyntax)
        {
            syntax = syntax.Parent;
        }

        switch (syntax.Parent)
        {
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose" or "Close" } access when access.Expression == syntax && access.Parent is InvocationExpressionSyntax:
                return true;
            case UsingStatementSyntax { Statement: BlockSyntax { Statements.Count: 0 } } usingStatement when usingStatement.Expression == syntax:
                return true;
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: UsingStatementSyntax { Statement: BlockSyntax { Statements.Count: 0 } } } } }:
                return true;
            default:
                return false;
        }
    }

    private static bool IsEmpty(IOperation value)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        return value switch
        {
            { ConstantValue: { HasValue: true, Value: null or "" } } => true,
            IFieldReferenceOperation { Field: { Name: "Empty", ContainingType.SpecialType: SpecialType.System_String } } => true,
            IInvocationOperation { TargetMethod: { Name: "Empty", ContainingType.Name: "Array", ContainingNamespace.Name: "System" }, Arguments.Length: 0 } => true,
            IArrayCreationOperation { Initializer: { ElementValues.Length: 0 } } => true,
            IArrayCreationOperation { Initializer: null, DimensionSizes.Length: 1 } array => array.DimensionSizes[0].ConstantValue is { HasValue: true, Value: 0 },
            ICollectionExpressionOperation { Elements.Length: 0 } => true,
            _ => false,
        };
    }

    /// <summary>
    /// True when the method that writes, after the write, passes the same path to <c>File.Move</c>/<c>File.Replace</c> as
    /// the source, or to <c>File.Delete</c> (also as <c>FileInfo.MoveTo</c>/<c>Replace</c>/<c>Delete</c> on <c>new FileInfo(path)</c>).
    /// "The same path" is the same local, parameter, field or property, or the same expression text.
    /// </summary>
    public bool IsMovedOrDeleted(IOperation write, IOperation path, SemanticModel model, CancellationToken cancellationToken)
    {
        var body = write.Syntax.FirstAncestorOrSelf<SyntaxNode>(static n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or GlobalStatementSyntax)
            ?? write.Syntax.SyntaxTree.GetRoot(cancellationToken);
        if (body is GlobalStatementSyntax)
        {
            body = body.SyntaxTree.GetRoot(cancellationToken);
        }

        foreach (var candidate in body.DescendantNodes())
        {
            // Only a move, replace or delete written after the write: moving an old file away first and then writing
            // its name in place is exactly the torn write.
            if (candidate is not InvocationExpressionSyntax invocation || candidate.SpanStart <= write.Syntax.Span.End)
            {
                continue;
            }

            var name = invocation.Expression switch
            {
                MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                _ => null,
            };
            if (name is not ("Move" or "Replace" or "Delete" or "MoveTo") || invocation.ContainsDiagnostics
                || model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation)
            {
                continue;
            }

            var type = operation.TargetMethod.ContainingType;
            IOperation? moved = null;
            if (SymbolEqualityComparer.Default.Equals(type, _file))
            {
                foreach (var argument in operation.Arguments)
                {
                    if (argument.Parameter?.Name is "sourceFileName" || (name == "Delete" && argument.Parameter?.Name == "path"))
                    {
                        moved = argument.Value;
                    }
                }
            }
            else if (_fileInfo is not null && SymbolEqualityComparer.Default.Equals(type, _fileInfo) && operation.Instance is { } instance)
            {
                moved = FileInfoPath(instance);
            }

            if (moved is not null && SamePath(moved, path))
            {
                return true;
            }
        }

        return false;
    }

    private IOperation? FileInfoPath(IOperation instance)
    {
        while (instance is IConversionOperation conversion)
        {
            instance = conversion.Operand;
        }

        return instance is IObjectCreationOperation creation && SymbolEqualityComparer.Default.Equals(creation.Type, _fileInfo) && creation.Arguments.Length > 0
            ? creation.Arguments[0].Value
            : null;
    }

    private static bool SamePath(IOperation left, IOperation right)
    {
        left = Unwrap(left);
        right = Unwrap(right);
        switch (left, right)
        {
            case (ILocalReferenceOperation a, ILocalReferenceOperation b):
                return SymbolEqualityComparer.Default.Equals(a.Local, b.Local);
            case (IParameterReferenceOperation a, IParameterReferenceOperation b):
                return SymbolEqualityComparer.Default.Equals(a.Parameter, b.Parameter);
            case (IFieldReferenceOperation a, IFieldReferenceOperation b):
                return SymbolEqualityComparer.Default.Equals(a.Field, b.Field) && SameText(a.Instance, b.Instance);
            case (IPropertyReferenceOperation a, IPropertyReferenceOperation b):
                return SymbolEqualityComparer.Default.Equals(a.Property, b.Property) && SameText(a.Instance, b.Instance);
            default:
                return left.Kind == right.Kind && SameText(left, right);
        }
    }

    private static bool SameText(IOperation? left, IOperation? right)
        => (left is null && right is null)
        || (left is not null && right is not null && Normalized(left.Syntax) == Normalized(right.Syntax));

    private static string Normalized(SyntaxNode syntax)
    {
        var text = new System.Text.StringBuilder();
        foreach (var token in syntax.DescendantTokens())
        {
            text.Append(token.Text).Append(' ');
        }

        return text.ToString();
    }

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }
}
