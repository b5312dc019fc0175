using System.Collections.Generic;
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
        foreach (var identifier in Identifiers(scope, name))
        {
            if (IsWritten(identifier))
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
        foreach (var identifier in Identifiers(scope, name))
        {
            if (!IsWritten(identifier))
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

    /// <summary>
    /// The identifier names spelled <paramref name="name"/> in <paramref name="scope"/>, in source order: found by searching
    /// the scope's text and asking the tree only there, instead of walking every token of a type or member (a readonly
    /// field's writes are counted over its whole type). A scope whose text holds a Unicode escape (<c>\u</c>, which can
    /// spell an identifier the text search would miss) is walked token by token as before.
    /// </summary>
    private static List<IdentifierNameSyntax> Identifiers(SyntaxNode scope, string name)
    {
        var found = new List<IdentifierNameSyntax>();
        var span = scope.FullSpan;
        var text = scope.SyntaxTree.TryGetText(out var source) ? source.ToString(span) : scope.ToFullString();
        if (text.IndexOf("\\u", System.StringComparison.OrdinalIgnoreCase) >= 0)
        {
            foreach (var token in scope.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == name && token.Parent is IdentifierNameSyntax identifier)
                {
                    found.Add(identifier);
                }
            }

            return found;
        }

        for (var index = text.IndexOf(name, System.StringComparison.Ordinal); index >= 0; index = text.IndexOf(name, index + name.Length, System.StringComparison.Ordinal))
        {
            var token = scope.FindToken(span.Start + index);
            if (token.Span.Start <= span.Start + index && span.Start + index < token.Span.End
                && token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == name && token.Parent is IdentifierNameSyntax identifier
                && (found.Count == 0 || found[found.Count - 1] != identifier))
            {
                found.Add(identifier);
            }
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
