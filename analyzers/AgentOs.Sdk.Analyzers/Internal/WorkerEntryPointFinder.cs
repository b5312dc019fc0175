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
/// Finds arguments passed to parameters marked <c>[WorkerEntryPoint]</c>, in calls and constructions the compiler has
/// /// already bound (operation actions): no call is bound for us, and only methods with a delegate parameter are looked
/// up, once each. Arguments are mapped to parameters through the operation tree, so named and out-of-order arguments
/// work.
/// </summary>
internal sealed class WorkerEntryPointFinder
{
    public const string AttributeMetadataName = "AgentOs.Sdk.Workers.WorkerEntryPointAttribute";

    /// <summary>What the rules look at: calls and constructions, already bound by the compiler (no binding of ours).</summary>
    private static readonly ImmutableArray<OperationKind> CandidateKinds = ImmutableArray.Create(OperationKind.Invocation, OperationKind.ObjectCreation);

    // One finder per compilation, shared by AOS002 and AOS003 so each method's answer is worked out once. Keyed
    // weakly: an IDE drops a compilation (and its finder) as soon as the user types.
    private static readonly ConditionalWeakTable<Compilation, WorkerEntryPointFinder> Shared = new();

    private readonly INamedTypeSymbol _attribute;
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _hasEntryParameter = new(SymbolEqualityComparer.Default);

    private WorkerEntryPointFinder(INamedTypeSymbol attribute) => _attribute = attribute;

    /// <summary>
    /// The compilation's finder, or null when <c>[WorkerEntryPoint]</c> is not in the compilation (AgentOs.Sdk is not
    /// referenced): the rules then look at nothing.
    /// </summary>
    public static WorkerEntryPointFinder? TryCreate(Compilation compilation)
        => compilation.GetTypeByMetadataName(AttributeMetadataName) is null
            ? null
            : Shared.GetValue(compilation, static c => new WorkerEntryPointFinder(c.GetTypeByMetadataName(AttributeMetadataName)!));

    /// <summary>
    /// The finder, looked up on first use rather than in the compilation start action: the first type lookup of a
    /// compilation builds its declaration table and loads every reference's namespaces, which the compiler does anyway
    /// and the analyzer driver charges to whoever asks first.
    /// </summary>
    private static System.Lazy<WorkerEntryPointFinder?> Deferred(Compilation compilation)
        => new(() => TryCreate(compilation), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Registers <paramref name="analyze"/> for the calls and constructions that may pass a worker entry point. Calls that
    /// take no delegate are answered without a lookup; the finder is looked up on the first that does, and a compilation
    /// without the attribute never runs <paramref name="analyze"/>.
    /// </summary>
    public static void RegisterCallAction(CompilationStartAnalysisContext start, System.Action<OperationAnalysisContext, WorkerEntryPointFinder> analyze)
    {
        var finder = Deferred(start.Compilation);
        start.RegisterOperationAction(
            context =>
            {
                if (MayPassEntryPoint(context.Operation) && finder.Value is { } found)
                {
                    analyze(context, found);
                }
            },
            CandidateKinds);
    }

    /// <summary>True when the operation calls or constructs a method with a delegate parameter: a cheap test before the finder is needed.</summary>
    private static bool MayPassEntryPoint(IOperation operation) => operation switch
    {
        IInvocationOperation invocation => MayTakeDelegate(invocation.TargetMethod),
        IObjectCreationOperation { Constructor: { } constructor } => MayTakeDelegate(constructor),
        _ => false,
    };

    /// <summary>The entry-point arguments of the call or construction being analyzed, with the method or constructor called.</summary>
    public IEnumerable<(IArgumentOperation Argument, IMethodSymbol Called)> FindEntryArguments(OperationAnalysisContext context)
    {
        var (called, arguments) = context.Operation switch
        {
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Arguments),
            IObjectCreationOperation { Constructor: { } constructor } creation => (constructor, creation.Arguments),
            _ => (null, ImmutableArray<IArgumentOperation>.Empty),
        };

        // A method without a delegate parameter is answered without a lookup; the rest once per method. A call with
        // syntax errors in it (an unfinished lambda included) is still being typed: report nothing yet.
        if (called is null || !MayTakeDelegate(called) || !HasEntryParameter(called) || context.Operation.Syntax.ContainsDiagnostics)
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
