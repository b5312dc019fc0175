using System.Collections.Immutable;
using AgentOs.Sdk.Analyzers.Internal;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Rules;

/// <summary>
/// AOS003: a lambda or anonymous method passed to a <c>[WorkerEntryPoint]</c> parameter captures nothing but is not
/// <c>static</c>. Making it static lets the compiler reject any capture added later, which no analyzer can miss.
/// </summary>
/// <remarks>
/// A suggestion (Info), separate from AOS002 so that raising AOS002 to an error never turns this hint into one.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkerEntryPointCanBeStaticAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = new(
        RuleIdentifiers.WorkerEntryPointCanBeStatic,
        title: "Make the worker entry point lambda static",
        messageFormat: "Make the worker entry point passed to '{0}' static: the compiler then rejects any captured state, which would not reach the worker process",
        RuleCategories.Reliability,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "A static lambda cannot capture locals, parameters or 'this'. Marking a worker entry point static turns a future capture (which would silently not reach the worker process) into a compile error.",
        helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.WorkerEntryPointCanBeStatic));

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
            if (WorkerEntryPointFinder.UnwrapDelegate(argument.Value, context.CancellationToken) is IAnonymousFunctionOperation { Symbol.IsStatic: false } lambda
                && argument.SemanticModel is { } model
                && WorkerEntryPointFinder.FindCaptures(model, lambda.Syntax, context.CancellationToken).IsEmpty)
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, lambda.Syntax.GetLocation(), WorkerEntryPointFinder.DisplayCalled(called)));
            }
        }
    }
}
