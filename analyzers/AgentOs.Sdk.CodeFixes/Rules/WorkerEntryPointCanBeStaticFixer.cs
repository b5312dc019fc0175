using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using AgentOs.Sdk.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AgentOs.Sdk.CodeFixes.Rules;

/// <summary>AOS003 fix: a worker entry point lambda that captures nothing gets <c>static</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WorkerEntryPointCanBeStaticFixer)), Shared]
public sealed class WorkerEntryPointCanBeStaticFixer : CodeFixProvider
{
    /// <summary>One key for every rewrite, so Fix All applies them all.</summary>
    public const string EquivalenceKey = "AOS003.MakeStatic";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.WorkerEntryPointCanBeStatic);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span, getInnermostNodeForTie: true) is not AnonymousFunctionExpressionSyntax function
            || function.Modifiers.Any(SyntaxKind.StaticKeyword))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Make the worker entry point static", cancellationToken => MakeStaticAsync(context.Document, root, function, cancellationToken), EquivalenceKey),
            context.Diagnostics);
    }

    internal static AnonymousFunctionExpressionSyntax AddStatic(AnonymousFunctionExpressionSyntax function)
    {
        // 'static' goes first ("static async (ctx, ct) => ..."), taking over the lambda's leading trivia.
        var leading = function.GetLeadingTrivia();
        var bare = function.WithoutLeadingTrivia();
        var keyword = SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        return bare.WithModifiers(bare.Modifiers.Insert(0, keyword)).WithLeadingTrivia(leading);
    }

    private static Task<Document> MakeStaticAsync(Document document, SyntaxNode root, AnonymousFunctionExpressionSyntax function, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(function, AddStatic(function))));
    }
}
