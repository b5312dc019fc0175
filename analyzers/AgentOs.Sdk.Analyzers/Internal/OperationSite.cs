using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// A bound invocation or object creation a rule looks at (a write for AOS001, a call that may pass a worker entry point
/// for AOS002/AOS003), with what reporting needs from the document's callback.
/// </summary>
internal readonly struct OperationSite
{
    private readonly SemanticModelAnalysisContext _context;

    public OperationSite(SemanticModelAnalysisContext context, IOperation operation)
    {
        _context = context;
        Operation = operation;
    }

    /// <summary>The invocation or object creation.</summary>
    public IOperation Operation { get; }

    public CancellationToken CancellationToken => _context.CancellationToken;

    /// <summary>The member (or type) the operation is in: what a writer mark or a contract is looked for on.</summary>
    public ISymbol? ContainingSymbol => _context.SemanticModel.GetEnclosingSymbol(Operation.Syntax.SpanStart, _context.CancellationToken);

    /// <summary>
    /// Reports the diagnostic unless it falls in generated code: the rules ask the driver to report everywhere and make
    /// its generated-code test themselves, only for what they report (<see cref="GeneratedCodeSpans"/>).
    /// </summary>
    public void ReportDiagnostic(Diagnostic diagnostic)
    {
        if (!GeneratedCodeSpans.Contains(diagnostic.Location, _context.SemanticModel, _context.CancellationToken))
        {
            _context.ReportDiagnostic(diagnostic);
        }
    }
}
