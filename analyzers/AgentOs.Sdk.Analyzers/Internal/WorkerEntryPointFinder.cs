using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using AgentOs.Sdk.Analyzers.Paths;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// Finds arguments passed to parameters marked <c>[WorkerEntryPoint]</c>: one action per document binds only the calls
/// and constructions its syntax prefilter keeps (<see cref="WorkerCallCandidates"/>), and each method is checked for a
/// marked parameter once. Arguments are mapped to parameters through the operation tree, so named and out-of-order
/// arguments work.
/// </summary>
internal sealed class WorkerEntryPointFinder
{
    public const string AttributeMetadataName = "AgentOs.Sdk.Workers.WorkerEntryPointAttribute";

    // One finder per compilation, shared by AOS002 and AOS003 so each method's answer is worked out once. Keyed
    // weakly: an IDE drops a compilation (and its finder) as soon as the user types.
    private static readonly ConditionalWeakTable<Compilation, WorkerEntryPointFinder> Shared = new();

    private readonly INamedTypeSymbol _attribute;
    private readonly WorkerCallCandidates _candidates;
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _hasEntryParameter = new(SymbolEqualityComparer.Default);

    private WorkerEntryPointFinder(Compilation compilation, INamedTypeSymbol attribute)
    {
        _attribute = attribute;
        _candidates = WorkerCallCandidates.ForCompilation(compilation, attribute, CancellationToken.None);
    }

    /// <summary>
    /// The compilation's finder, or null when <c>[WorkerEntryPoint]</c> is not in the compilation (AgentOs.Sdk is not
    /// referenced): the rules then look at nothing.
    /// </summary>
    public static WorkerEntryPointFinder? TryCreate(Compilation compilation)
        => compilation.GetTypeByMetadataName(AttributeMetadataName) is null
            ? null
            : Shared.GetValue(compilation, static c => new WorkerEntryPointFinder(c, c.GetTypeByMetadataName(AttributeMetadataName)!));

    /// <summary>
    /// The finder, looked up on first use rather than in the compilation start action: the first type lookup of a
    /// compilation builds its declaration table and loads every reference's namespaces, which the compiler does anyway
    /// and the analyzer driver charges to whoever asks first.
    /// </summary>
    private static System.Lazy<WorkerEntryPointFinder?> Deferred(Compilation compilation)
        => new(() => TryCreate(compilation), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Registers <paramref name="analyze"/> for the calls and constructions that may pass a worker entry point: one
    /// action per document, in which the calls named like a worker API are found through the text
    /// (<see cref="NameOccurrences"/>), a syntax prefilter (<see cref="WorkerCallCandidates"/>) keeps those that pass
    /// something delegate-like, and only those are bound. A callback per call would cost little CPU but be charged, in
    /// <c>-p:ReportAnalyzer=true</c>, every wait for a core that falls inside it. The finder is looked up in the first
    /// document's callback, once the compiler has built the declarations; a compilation without the attribute never
    /// runs <paramref name="analyze"/>.
    /// </summary>
    public static void RegisterCallAction(CompilationStartAnalysisContext start, System.Action<OperationSite, WorkerEntryPointFinder> analyze)
    {
        var finder = Deferred(start.Compilation);
        start.RegisterSemanticModelAction(context => AnalyzeDocument(context, finder, analyze));
    }

    private static void AnalyzeDocument(SemanticModelAnalysisContext context, System.Lazy<WorkerEntryPointFinder?> finder, System.Action<OperationSite, WorkerEntryPointFinder> analyze)
    {
        var model = context.SemanticModel;
        var cancellationToken = context.CancellationToken;
        if (finder.Value is not { } found)
        {
            return;
        }

        foreach (var node in NameOccurrences.FindCalls(model.SyntaxTree, found._candidates.Words, context.FilterSpan, cancellationToken))
        {
            // A call with syntax errors in it (an unfinished lambda included) is still being typed: report nothing yet.
            if (!found._candidates.IsCandidate(node) || node.ContainsDiagnostics)
            {
                continue;
            }

            var operation = model.GetOperation(node, cancellationToken);
            if (operation is IExpressionStatementOperation statement)
            {
                operation = statement.Operation;
            }

            if (operation is IInvocationOperation or IObjectCreationOperation)
            {
                analyze(new OperationSite(context, operation), found);
            }
        }
    }

    /// <summary>The entry-point arguments of the call or construction being analyzed, with the method or constructor called.</summary>
    public IEnumerable<(IArgumentOperation Argument, IMethodSymbol Called)> FindEntryArguments(OperationSite call)
    {
        var (called, arguments) = call.Operation switch
        {
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Arguments),
            IObjectCreationOperation { Constructor: { } constructor } creation => (constructor, creation.Arguments),
            _ => (null, ImmutableArray<IArgumentOperation>.Empty),
        };

        // A method without a delegate parameter is answered without a lookup; the rest once per method.
        if (called is null || !MayTakeDelegate(called) || !HasEntryParameter(called))
        {
            yield break;
        }

        foreach (var argument in arguments)
        {
            if (argument.Parameter is { } parameter && IsEntryParameter(parameter) && argument.ArgumentKind == ArgumentKind.Explicit)
            {
                yield return (argument, called);
            }
        }
    }

    private static bool MayTakeDelegate(IMethodSymbol method)
    {
        foreach (var parameter in method.Parameters)
        {
            if (parameter.Type.TypeKind == TypeKind.Delegate)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the parameter takes a delegate and carries <c>[WorkerEntryPoint]</c> (here or where it is overridden).</summary>
    public bool IsEntryParameter(IParameterSymbol parameter)
        => parameter.Type.TypeKind == TypeKind.Delegate && parameter.HasAttributeIncludingOverridden(_attribute);

    private bool HasEntryParameter(IMethodSymbol method)
        => _hasEntryParameter.GetOrAdd(method.OriginalDefinition, m => m.Parameters.Any(IsEntryParameter));

    /// <summary>How a call is named in messages: <c>WorkerPool.RunAsync</c> or <c>new Runner</c>.</summary>
    public static string DisplayCalled(IMethodSymbol called)
        => called.MethodKind == MethodKind.Constructor ? "new " + called.ContainingType.Name : called.ContainingType.Name + "." + called.Name;

    /// <summary>
    /// The lambda, anonymous method or method group behind an argument value, also through a local assigned once
    /// (<c>var entry = (ctx, ct) =&gt; ...; RunAsync(2, entry)</c>); null for anything else: a field, a property, a
    /// parameter, a method's return value or a local written more than once may hold any delegate.
    /// </summary>
    public static IOperation? UnwrapDelegate(IOperation value, CancellationToken cancellationToken)
    {
        for (var depth = 0; depth < 8; depth++)
        {
            switch (value)
            {
                case IConversionOperation conversion:
                    value = conversion.Operand;
                    continue;
                case ILocalReferenceOperation local when PathEvaluator.SingleAssignmentInitializer(local.Local) is { } initializer
                    && local.SemanticModel is { } model && initializer.SyntaxTree == model.SyntaxTree
                    && model.GetOperation(initializer, cancellationToken) is { } initialValue:
                    value = initialValue;
                    continue;
                case IDelegateCreationOperation creation:
                    value = creation.Target;
                    continue;
                case IAnonymousFunctionOperation or IMethodReferenceOperation:
                    return value;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The variables a lambda, anonymous method or local function reads or writes from outside its own body, found by
    /// data-flow analysis: locals and parameters of enclosing code, and <c>this</c>. Constants are not captures.
    /// Ordered by declaration, <c>this</c> last.
    /// </summary>
    public static ImmutableArray<ISymbol> FindCaptures(SemanticModel model, SyntaxNode function, CancellationToken cancellationToken)
    {
        DataFlowAnalysis? flow;
        switch (function)
        {
            case AnonymousFunctionExpressionSyntax anonymous:
                flow = model.AnalyzeDataFlow(anonymous);
                break;
            case LocalFunctionStatementSyntax { Body: { } body }:
                flow = model.AnalyzeDataFlow(body);
                break;
            case LocalFunctionStatementSyntax { ExpressionBody.Expression: { } expression }:
                flow = model.AnalyzeDataFlow(expression);
                break;
            default:
                return ImmutableArray<ISymbol>.Empty;
        }

        if (flow is null || !flow.Succeeded)
        {
            return ImmutableArray<ISymbol>.Empty;
        }

        var captured = new List<ISymbol>();
        ISymbol? capturedThis = null;
        foreach (var symbol in flow.ReadInside.Concat(flow.WrittenInside).Concat(flow.CapturedInside))
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (symbol)
            {
                case IParameterSymbol { IsThis: true }:
                    capturedThis = symbol;
                    break;
                case ILocalSymbol { IsConst: true }:
                    break;
                case ILocalSymbol or IParameterSymbol when !IsDeclaredInside(symbol, function) && !captured.Contains(symbol, SymbolEqualityComparer.Default):
                    captured.Add(symbol);
                    break;
            }
        }

        var ordered = captured
            .OrderBy(static s => s.DeclaringSyntaxReferences.Length > 0 ? s.DeclaringSyntaxReferences[0].Span.Start : int.MaxValue)
            .ToList();
        if (capturedThis is not null)
        {
            ordered.Add(capturedThis);
        }

        return ordered.ToImmutableArray();
    }

    /// <summary>"'a', 'b' and 'this'".</summary>
    public static string DisplayNames(IEnumerable<string> names)
    {
        var quoted = names.Select(static n => "'" + n + "'").ToList();
        return quoted.Count switch
        {
            0 => string.Empty,
            1 => quoted[0],
            _ => string.Join(", ", quoted.Take(quoted.Count - 1)) + " and " + quoted[quoted.Count - 1],
        };
    }

    public static string DisplayName(ISymbol symbol) => symbol is IParameterSymbol { IsThis: true } ? "this" : symbol.Name;

    private static bool IsDeclaredInside(ISymbol symbol, SyntaxNode function)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == function.SyntaxTree && function.Span.Contains(reference.Span))
            {
                return true;
            }
        }

        return false;
    }
}
