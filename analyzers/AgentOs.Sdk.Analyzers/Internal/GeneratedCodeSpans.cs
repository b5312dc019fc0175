using System.Threading;
using Microsoft.CodeAnalysis;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// The analyzer driver's test for a report in generated code inside a file that is not generated: a <c>#line hidden</c>
/// region, or a type or member marked <c>[GeneratedCode]</c> (the file-level cases, a generated file name, an
/// <c>&lt;auto-generated&gt;</c> header or <c>generated_code = true</c>, are never analyzed at all).
/// </summary>
/// <remarks>
/// An analyzer configured with <see cref="Microsoft.CodeAnalysis.Diagnostics.GeneratedCodeAnalysisFlags.None"/> has the
/// driver make this test for each report, and its first step for a file is a walk over every token of it looking for
/// the name <c>GeneratedCode</c> (3-4 ms for a 1,000-line file, charged inside the callback that reports). Our rules
/// report with <see cref="Microsoft.CodeAnalysis.Diagnostics.GeneratedCodeAnalysisFlags.ReportDiagnostics"/> instead
/// (generated files are still not analyzed) and make the same test themselves, only for what they are about to report:
/// a search of the file's text, and the declarations around the location only when the text holds the name (or a
/// Unicode escape, which can spell it: <c>Generated\u0043ode</c>). The text search finds every token the driver's walk
/// finds, and more (comments, longer names), which only costs the look at the declarations.
/// </remarks>
internal static class GeneratedCodeSpans
{
    private const string AttributeName = "GeneratedCode";

    private const string AttributeMetadataName = "System.CodeDom.Compiler.GeneratedCodeAttribute";

    /// <summary>
    /// True when the driver would drop a diagnostic at <paramref name="location"/> as generated code; the location is in
    /// the document <paramref name="model"/> analyzes (a rule's reports always are).
    /// </summary>
    public static bool Contains(Location location, SemanticModel model, CancellationToken cancellationToken)
    {
        if (location.SourceTree is not { } tree || tree != model.SyntaxTree)
        {
            return false;
        }

        var span = location.SourceSpan;
        if (tree.HasHiddenRegions() && tree.GetLineVisibility(span.Start, cancellationToken) == LineVisibility.Hidden)
        {
            return true;
        }

        var text = tree.GetText(cancellationToken).ToString();
        if ((text.IndexOf(AttributeName, System.StringComparison.Ordinal) < 0 && text.IndexOf("\\u", System.StringComparison.OrdinalIgnoreCase) < 0)
            || model.Compilation.GetTypeByMetadataName(AttributeMetadataName) is not { } attribute)
        {
            return false;
        }

        // As the driver: the declarations around the location, each marked itself or through what contains it.
        for (var node = tree.GetRoot(cancellationToken).FindNode(span, getInnermostNodeForTie: true); node is not null; node = node.Parent)
        {
            if (model.GetDeclaredSymbol(node, cancellationToken) is { } symbol && IsDeclarationTheDriverLooksAt(symbol)
                && IsMarked(symbol, attribute))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The driver collects the declarations of namespaces, types and members, never those inside a body.</summary>
    private static bool IsDeclarationTheDriverLooksAt(ISymbol symbol) => symbol switch
    {
        ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol or ITypeParameterSymbol => false,
        IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction } => false,
        _ => true,
    };

    /// <summary>
    /// <c>[GeneratedCode]</c> on the symbol or a symbol containing it; a declaration split over several places (a partial
    /// type) is never generated, as the attribute can be on one part only.
    /// </summary>
    private static bool IsMarked(ISymbol symbol, INamedTypeSymbol attribute)
    {
        for (ISymbol? current = symbol; current is not null; current = current.ContainingSymbol)
        {
            if (current.Kind == SymbolKind.Namespace)
            {
                continue;
            }

            if (current.DeclaringSyntaxReferences.Length > 1)
            {
                return false;
            }

            if (current.HasAttribute(attribute))
            {
                return true;
            }
        }

        return false;
    }
}
