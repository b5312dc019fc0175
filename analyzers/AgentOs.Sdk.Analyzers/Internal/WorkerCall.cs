using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>A call or construction that may pass a worker entry point, bound, with what reporting needs from the document's callback.</summary>
internal readonly struct WorkerCall
{
    private readonly SemanticModelAnalysisContext _context;

    public WorkerCall(SemanticModelAnalysisContext context, IOperation operation)
    {
        _context = context;
        Operation = operation;
    }

    /// <summary>The invocation or object creation.</summary>
    public IOperation Operation { get; }

    public CancellationToken CancellationToken => _context.CancellationToken;

    public void ReportDiagnostic(Diagnostic diagnostic) => _context.ReportDiagnostic(diagnostic);
}
