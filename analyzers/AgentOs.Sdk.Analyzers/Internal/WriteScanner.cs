using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// Finds, by name alone, places that may write a variable: assignments, ++/--, ref/out arguments, <c>ref x</c>,
/// <c>&amp;x</c> and deconstruction targets. Matching by name over-approximates, which is the safe direction: a
/// variable that might be written is never treated as assigned once.
/// </summary>
internal static class WriteScanner
{
    public static int CountWrites(SyntaxNode scope, string name)
    {
        var count = 0;
        foreach (var token in scope.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == name
                && token.Parent is IdentifierNameSyntax identifier && IsWritten(identifier))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The assignment that writes the variable, when the only write is a plain <c>name = value</c>.</summary>
    public static AssignmentExpressionSyntax? SingleSimpleAssignment(SyntaxNode scope, string name)
    {
        AssignmentExpressionSyntax? found = null;
        foreach (var token in scope.DescendantTokens())
        {
            if (!token.IsKind(SyntaxKind.IdentifierToken) || token.ValueText != name || token.Parent is not IdentifierNameSyntax identifier || !IsWritten(identifier))
            {
                continue;
            }

            if (found is not null)
            {
                return null;
            }

            var target = identifier.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access && access.Name == identifier ? (ExpressionSyntax)access : identifier;
            if (target.Parent is not AssignmentExpressionSyntax assignment || !assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) || assignment.Left != target)
            {
                return null;
            }

            found = assignment;
        }

        return found;
    }

    private static bool IsWritten(IdentifierNameSyntax identifier)
    {
        SyntaxNode node = identifier;

        // this.x and other.x both count: name matching over-approximates.
        if (node.Parent is MemberAccessExpressionSyntax access && access.Name == node)
        {
            node = access;
        }

        while (node.Parent is ParenthesizedExpressionSyntax)
        {
            node = node.Parent;
        }

        switch (node.Parent)
        {
            case AssignmentExpressionSyntax assignment when assignment.Left == node:
            case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression) || prefix.IsKind(SyntaxKind.AddressOfExpression):
            case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression):
            case RefExpressionSyntax:
                return true;
            case ArgumentSyntax argument:
                return !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword)
                    || IsDeconstructionTarget(argument);
            default:
                return false;
        }
    }

    private static bool IsDeconstructionTarget(ArgumentSyntax argument)
    {
        SyntaxNode current = argument;
        while (current.Parent is TupleExpressionSyntax tuple && tuple.Parent is ArgumentSyntax outer)
        {
            current = outer;
        }

        return current.Parent is TupleExpressionSyntax top && top.Parent is AssignmentExpressionSyntax assignment && assignment.Left == top;
    }
}
