using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AgentOs.Sdk.Analyzers.Internal;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Rules;

/// <summary>
/// AOS002: a lambda, anonymous method or local function passed to a <c>[WorkerEntryPoint]</c> parameter captures
/// locals, parameters or <c>this</c>, or an instance method group is passed there. The entry point runs in another
/// process, where the captured state does not exist.
/// </summary>
/// <remarks>
/// Only what the delegate really captures is reported (data-flow analysis of its body): arguments evaluated before the
/// call, static fields and constants are not captures. A delegate stored in a local assigned once is followed to its
/// lambda; one read from a field, a property, a parameter or a method's return value is not (it may hold any delegate).
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkerEntryPointCapturesStateAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property listing the captured names, separated by ','.</summary>
    public const string CapturedNamesProperty = "CapturedNames";

    internal static readonly DiagnosticDescriptor Rule = new(
        RuleIdentifiers.WorkerEntryPointCapturesState,
        title: "Worker entry point must not capture state",
        messageFormat: "The worker entry point passed to '{0}' captures {1}: it runs in another process, where captured state does not exist; pass values through the worker's JSON arguments and make the entry point static",
        RuleCategories.Reliability,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A worker entry point is started again in a fresh process. Locals, parameters and 'this' captured by a lambda or bound into an instance method group are not sent there: the worker would run with default values or fail. Pass state through WorkerPoolOptions.Arguments and read it with WorkerContext.GetArgument<T>.",
        helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.WorkerEntryPointCapturesState));

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        // Generated files are not analyzed; a report in [GeneratedCode] or #line hidden code of another file is dropped by
        // OperationSite.ReportDiagnostic, which spares the driver's token walk of each file that gets a report.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start => WorkerEntryPointFinder.RegisterCallAction(start, Analyze));
    }

    private static void Analyze(OperationSite context, WorkerEntryPointFinder finder)
    {
        foreach (var (argument, called) in finder.FindEntryArguments(context))
        {
            var target = WorkerEntryPointFinder.UnwrapDelegate(argument.Value, context.CancellationToken);
            var model = argument.SemanticModel;
            if (target is null || model is null)
            {
                continue;
            }

            IReadOnlyList<string> names;
            switch (target)
            {
                case IAnonymousFunctionOperation lambda when !lambda.Symbol.IsStatic:
                    names = WorkerEntryPointFinder.FindCaptures(model, lambda.Syntax, context.CancellationToken).Select(WorkerEntryPointFinder.DisplayName).ToList();
                    break;
                case IMethodReferenceOperation { Method.MethodKind: MethodKind.LocalFunction, Method.IsStatic: false } localFunction:
                    names = LocalFunctionCaptures(localFunction.Method, model, context.CancellationToken);
                    break;
                case IMethodReferenceOperation { Instance: IInstanceReferenceOperation }:
                    names = new[] { "this" };
                    break;
                case IMethodReferenceOperation { Instance: { } receiver }:
                    names = new[] { ReceiverName(receiver) };
                    break;
                default:
                    continue;
            }

            if (names.Count == 0)
            {
                continue;
            }

            var properties = ImmutableDictionary<string, string?>.Empty.Add(CapturedNamesProperty, string.Join(",", names));
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                target.Syntax.GetLocation(),
                properties,
                WorkerEntryPointFinder.DisplayCalled(called),
                WorkerEntryPointFinder.DisplayNames(names)));
        }
    }

    private static IReadOnlyList<string> LocalFunctionCaptures(IMethodSymbol localFunction, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var reference in localFunction.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == model.SyntaxTree && reference.GetSyntax(cancellationToken) is LocalFunctionStatementSyntax declaration)
            {
                return WorkerEntryPointFinder.FindCaptures(model, declaration, cancellationToken).Select(WorkerEntryPointFinder.DisplayName).ToList();
            }
        }

        return new List<string>();
    }

    private static string ReceiverName(IOperation receiver) => receiver switch
    {
        ILocalReferenceOperation local => local.Local.Name,
        IParameterReferenceOperation parameter => parameter.Parameter.Name,
        IFieldReferenceOperation { Field.IsStatic: false, Instance: IInstanceReferenceOperation } => "this",
        _ => receiver.Syntax.ToString(),
    };
}
