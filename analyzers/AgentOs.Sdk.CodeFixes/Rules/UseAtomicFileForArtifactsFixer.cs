using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AgentOs.Sdk.Analyzers;
using AgentOs.Sdk.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;

namespace AgentOs.Sdk.CodeFixes.Rules;

/// <summary>
/// AOS001 fix: <c>File.WriteAllText(p, s)</c> becomes <c>AtomicFile.WriteAllText(p, s)</c> (bytes, lines, async forms and
/// encodings alike), adding <c>using AgentOs.Sdk.IO;</c>. Offered only when AtomicFile has an overload with the same
/// parameter names and types, so the call keeps its meaning; never for streams, whose rewrite would change behaviour.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseAtomicFileForArtifactsFixer)), Shared]
public sealed class UseAtomicFileForArtifactsFixer : CodeFixProvider
{
    /// <summary>One key for every rewrite, so Fix All applies them all.</summary>
    public const string EquivalenceKey = "AOS001.UseAtomicFile";

    private const string AtomicFileMetadataName = "AgentOs.Sdk.IO.AtomicFile";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.UseAtomicFileForArtifacts);

    /// <summary>
    /// Fix All (document, project, solution) rewrites every call of a document in one pass. The batch fixer would
    /// compute each fix alone and merge the texts, and the added using and the simplified names of neighbouring fixes
    /// overlap, which left some calls for a second round.
    /// </summary>
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixDocumentAsync);

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var diagnostic = context.Diagnostics[0];
        if (!diagnostic.Properties.TryGetValue(UseAtomicFileForArtifactsAnalyzer.AtomicMethodProperty, out var methodName) || methodName is null)
        {
            return;
        }

        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)?.FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
            || model is null
            || model.GetSymbolInfo(invocation, context.CancellationToken).Symbol is not IMethodSymbol fileMethod
            || model.Compilation.GetTypeByMetadataName(AtomicFileMetadataName) is not { } atomicFile
            || !HasTwin(atomicFile, fileMethod)
            || invocation.Expression is not (MemberAccessExpressionSyntax or IdentifierNameSyntax))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                $"Use AtomicFile.{methodName}",
                cancellationToken => RewriteAsync(context.Document, new[] { invocation }, atomicFile, cancellationToken),
                EquivalenceKey),
            diagnostic);
    }

    private static async Task<Document?> FixDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model?.Compilation.GetTypeByMetadataName(AtomicFileMetadataName) is not { } atomicFile)
        {
            return document;
        }

        var invocations = new List<InvocationExpressionSyntax>();
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.Properties.ContainsKey(UseAtomicFileForArtifactsAnalyzer.AtomicMethodProperty)
                && root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)?.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } invocation
                && model.GetSymbolInfo(invocation, context.CancellationToken).Symbol is IMethodSymbol fileMethod
                && HasTwin(atomicFile, fileMethod)
                && invocation.Expression is MemberAccessExpressionSyntax or IdentifierNameSyntax)
            {
                invocations.Add(invocation);
            }
        }

        return invocations.Count == 0 ? document : await RewriteAsync(document, invocations, atomicFile, context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when AtomicFile has a method of the same name with the same parameter names and types.</summary>
    private static bool HasTwin(INamedTypeSymbol atomicFile, IMethodSymbol fileMethod)
        => atomicFile.GetMembers(fileMethod.Name).OfType<IMethodSymbol>().Any(candidate =>
            candidate.IsStatic
            && candidate.Parameters.Length == fileMethod.Parameters.Length
            && candidate.Parameters.Zip(fileMethod.Parameters, static (a, b) => a.Name == b.Name && SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(static same => same));

    private static async Task<Document> RewriteAsync(Document document, IEnumerable<InvocationExpressionSyntax> invocations, INamedTypeSymbol atomicFile, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        foreach (var invocation in invocations)
        {
            // A fully qualified name, simplified afterwards, adding the using when nothing named AtomicFile is in the way.
            var type = ((ExpressionSyntax)editor.Generator.TypeExpression(atomicFile))
                .WithAdditionalAnnotations(Simplifier.AddImportsAnnotation, Simplifier.Annotation);
            ExpressionSyntax replacement = invocation.Expression switch
            {
                MemberAccessExpressionSyntax access => access.WithExpression(type.WithTriviaFrom(access.Expression)),
                IdentifierNameSyntax name => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, type, name.WithoutTrivia()).WithTriviaFrom(name),
                var other => other,
            };
            editor.ReplaceNode(invocation.Expression, replacement);
        }

        return editor.GetChangedDocument();
    }
}
