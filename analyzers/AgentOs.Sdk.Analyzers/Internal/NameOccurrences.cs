using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// Finds the calls and constructions of a document whose name is one of a few words by searching the document's text
/// and asking the tree only about the places found, instead of walking every node: a document without the words costs
/// a few string searches. Words in comments, strings and disabled code are not tokens and are skipped. An identifier
/// spelled with a Unicode escape (<c>Cr\u0065ate</c>) is not found.
/// </summary>
internal static class NameOccurrences
{
    /// <summary>
    /// The invocations, object creations (also target-typed: the word <c>new</c>), constructor initializers (<c>base</c>,
    /// <c>this</c>) and primary-constructor base types whose name token is one of <paramref name="words"/>, within
    /// <paramref name="span"/> when one is given (an IDE analyzing part of a document).
    /// </summary>
    public static IEnumerable<SyntaxNode> FindCalls(SyntaxTree tree, IEnumerable<string> words, TextSpan? span, CancellationToken cancellationToken)
    {
        var text = tree.GetText(cancellationToken).ToString();
        var root = tree.GetRoot(cancellationToken);
        var start = span?.Start ?? 0;
        var end = span?.End ?? text.Length;
        foreach (var word in words)
        {
            if (word.Length == 0)
            {
                continue;
            }

            for (var index = text.IndexOf(word, start, System.StringComparison.Ordinal); index >= 0 && index + word.Length <= end; index = text.IndexOf(word, index + word.Length, System.StringComparison.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if ((index > 0 && IsIdentifierPart(text[index - 1])) || (index + word.Length < text.Length && IsIdentifierPart(text[index + word.Length])))
                {
                    continue;
                }

                var token = root.FindToken(index);
                if (token.Span.Start <= index && index < token.Span.End && token.ValueText == word && CallNamedBy(token) is { } call)
                {
                    yield return call;
                }
            }
        }
    }

    /// <summary>The call or construction whose name (or <c>new</c>, <c>base</c>, <c>this</c> keyword) is this token.</summary>
    private static SyntaxNode? CallNamedBy(SyntaxToken token)
    {
        switch (token.Kind())
        {
            case SyntaxKind.NewKeyword:
                return token.Parent as ImplicitObjectCreationExpressionSyntax;
            case SyntaxKind.BaseKeyword or SyntaxKind.ThisKeyword:
                return token.Parent as ConstructorInitializerSyntax;
            case SyntaxKind.IdentifierToken when token.Parent is SimpleNameSyntax name:
                return CallOfName(name);
            default:
                return null;
        }
    }

    private static SyntaxNode? CallOfName(SimpleNameSyntax name)
    {
        // A method name: M(...), x.M(...), x?.M(...).
        ExpressionSyntax callee = name.Parent switch
        {
            MemberAccessExpressionSyntax access when access.Name == name => access,
            MemberBindingExpressionSyntax binding when binding.Name == name => binding,
            _ => name,
        };
        if (callee.Parent is InvocationExpressionSyntax invocation && invocation.Expression == callee)
        {
            return invocation;
        }

        // A type name: new T(...), new N.T(...), new global::T(...), and class C(...) : T(...).
        TypeSyntax type = name;
        while (type.Parent is QualifiedNameSyntax qualified && qualified.Right == type)
        {
            type = qualified;
        }

        if (type.Parent is AliasQualifiedNameSyntax aliased && aliased.Name == type)
        {
            type = aliased;
        }

        return type.Parent switch
        {
            ObjectCreationExpressionSyntax creation when creation.Type == type => creation,
            PrimaryConstructorBaseTypeSyntax primary when primary.Type == type => primary,
            _ => null,
        };
    }

    private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c == '_';
}
