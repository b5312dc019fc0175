using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AgentOs.Sdk.Analyzers;
using AgentOs.Sdk.Analyzers.Internal;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace AgentOs.Sdk.CodeFixes.Rules;

/// <summary>
/// AOS002 fix, for a lambda passed to a <c>[WorkerEntryPoint]</c> parameter (<c>WorkerPool.RunAsync</c>, or a team's own
/// launcher method or constructor that takes a <c>WorkerPoolOptions</c> and a delegate over <c>WorkerContext</c>) whose captures are all locals or parameters of a JSON
/// primitive type (string, bool, a number) that the lambda only reads: each value goes into
/// <c>WorkerPoolOptions.Arguments</c> under its own name, the lambda reads it back with
/// <c>ctx.GetArgument&lt;T&gt;("name")</c> and becomes <c>static</c>. Anything else (<c>this</c>, other types, a
/// captured variable the lambda writes, options passed in a variable) gets no fix: the rule's page shows the pattern.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WorkerEntryPointCapturesStateFixer)), Shared]
public sealed class WorkerEntryPointCapturesStateFixer : CodeFixProvider
{
    /// <summary>One key for every rewrite, so Fix All applies them all.</summary>
    public const string EquivalenceKey = "AOS002.MoveCapturesToArguments";

    private const string OptionsName = "AgentOs.Sdk.Workers.WorkerPoolOptions";
    private const string ContextName = "AgentOs.Sdk.Workers.WorkerContext";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.WorkerEntryPointCapturesState);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null
            || root.FindNode(context.Span, getInnermostNodeForTie: true) is not AnonymousFunctionExpressionSyntax function
            || Plan.TryCreate(model, function, context.CancellationToken) is not { } plan)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Pass captured values through WorkerPoolOptions.Arguments",
                cancellationToken => ApplyAsync(context.Document, plan, cancellationToken),
                EquivalenceKey),
            context.Diagnostics);
    }

    private static async Task<Document> ApplyAsync(Document document, Plan plan, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var newLine = text.ToString().Contains("\r\n") ? "\r\n" : "\n";

        // New code is parsed from text rather than built with SyntaxFactory: built tokens carry elastic trivia, and
        // the code action's clean-up reformats every gap next to one, which rewrites the spacing of the whole call.
        // The shortest name that binds here: "WorkerPoolOptions" under using AgentOs.Sdk.Workers.
        var optionsType = plan.OptionsType.ToMinimalDisplayString(model!, plan.ArgumentList.SpanStart);
        var elements = plan.Captures.Select(capture => $"[\"{capture.Name}\"] = {EscapedName(capture.Name)}").ToList();
        var argumentsText = $"Arguments = {{ {string.Join(", ", elements)} }}";
        var newOptionsText = $"new {optionsType} {{ {argumentsText} }}";

        var replacements = new Dictionary<SyntaxNode, SyntaxNode> { [plan.Function] = RewriteFunction(plan, editor.Generator, newLine) };
        switch (plan.OptionsExpression)
        {
            case null:
                break;
            case LiteralExpressionSyntax or DefaultExpressionSyntax:
                replacements[plan.OptionsExpression] = ParseExpression(newOptionsText).WithTriviaFrom(plan.OptionsExpression);
                break;
            default:
                replacements[plan.OptionsExpression] = AddToCreation((BaseObjectCreationExpressionSyntax)plan.OptionsExpression, argumentsText);
                break;
        }

        var newArguments = plan.ArgumentList.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]);
        if (plan.OptionsExpression is null)
        {
            var named = ParseArgumentList($"({plan.OptionsParameterName}: {newOptionsText})").Arguments[0];
            var arguments = newArguments.Arguments.GetWithSeparators().ToList();
            arguments.Add(Comma());
            arguments.Add(named);
            newArguments = newArguments.WithArguments(SeparatedList<ArgumentSyntax>(arguments));
        }

        editor.ReplaceNode(plan.ArgumentList, newArguments);
        return editor.GetChangedDocument();
    }

    private static string EscapedName(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static SyntaxToken Comma() => Token(SyntaxTriviaList.Empty, SyntaxKind.CommaToken, TriviaList(Space));

    /// <summary>Adds the elements to <c>Arguments = { ... }</c> of an existing <c>new WorkerPoolOptions { ... }</c>.</summary>
    private static ExpressionSyntax AddToCreation(BaseObjectCreationExpressionSyntax creation, string argumentsText)
    {
        // "Arguments = { ... }" and its "[\"a\"] = a" elements only parse as such inside an object initializer
        // (alone, "[\"a\"]" is a collection expression).
        var initializer = ((ObjectCreationExpressionSyntax)ParseExpression($"new X {{ {argumentsText} }}")).Initializer!;
        var argumentsAssignment = initializer.Expressions[0];
        var parsedElements = ((InitializerExpressionSyntax)((AssignmentExpressionSyntax)argumentsAssignment).Right).Expressions.ToList();
        if (creation.Initializer is null)
        {
            // new WorkerPoolOptions() or new() gets "{ Arguments = { ... } }".
            return creation switch
            {
                ObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 0 } explicitCreation => explicitCreation
                    .WithArgumentList(null)
                    .WithType(explicitCreation.Type.WithTrailingTrivia(Space))
                    .WithInitializer(initializer.WithTrailingTrivia(creation.GetTrailingTrivia())),
                _ => creation.WithoutTrailingTrivia().WithInitializer(initializer.WithLeadingTrivia(Space).WithTrailingTrivia(creation.GetTrailingTrivia())),
            };
        }

        var existing = creation.Initializer.Expressions.OfType<AssignmentExpressionSyntax>()
            .FirstOrDefault(static a => a.Left is IdentifierNameSyntax { Identifier.ValueText: "Arguments" } && a.Right is InitializerExpressionSyntax);
        if (existing is not null)
        {
            var collection = (InitializerExpressionSyntax)existing.Right;
            return creation.ReplaceNode(collection, collection.WithExpressions(Append(collection.Expressions, parsedElements)));
        }

        return creation.WithInitializer(creation.Initializer.WithExpressions(Append(creation.Initializer.Expressions, new[] { argumentsAssignment })));
    }

    /// <summary>Appends items to a comma-separated list as ", item", keeping the list's last trailing trivia at its end.</summary>
    private static SeparatedSyntaxList<ExpressionSyntax> Append(SeparatedSyntaxList<ExpressionSyntax> list, IEnumerable<ExpressionSyntax> items)
    {
        var nodes = list.ToList();
        var trailing = nodes.Count > 0 ? nodes[nodes.Count - 1].GetTrailingTrivia() : SyntaxTriviaList.Empty;
        if (nodes.Count > 0)
        {
            nodes[nodes.Count - 1] = nodes[nodes.Count - 1].WithoutTrailingTrivia();
        }

        nodes.AddRange(items);
        nodes[nodes.Count - 1] = nodes[nodes.Count - 1].WithTrailingTrivia(trailing);
        return SeparatedList(nodes, Enumerable.Repeat(Comma(), nodes.Count - 1));
    }

    private static LiteralExpressionSyntax Key(string name) => LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(name));

    /// <summary><c>static (ctx, ct) => { var n = ctx.GetArgument&lt;int&gt;("n"); ...body }</c>.</summary>
    private static AnonymousFunctionExpressionSyntax RewriteFunction(Plan plan, SyntaxGenerator generator, string newLine)
    {
        var function = plan.Function;
        var reads = plan.Captures.Select(capture => (StatementSyntax)LocalDeclarationStatement(
            VariableDeclaration(
                IdentifierName("var"),
                SingletonSeparatedList(VariableDeclarator(Identifier(capture.Name)).WithInitializer(EqualsValueClause(
                    InvocationExpression(
                        MemberAccessExpression(
                            SyntaxKind.SimpleMemberAccessExpression,
                            IdentifierName(plan.ContextParameterName),
                            GenericName(Identifier("GetArgument")).WithTypeArgumentList(TypeArgumentList(SingletonSeparatedList((TypeSyntax)generator.TypeExpression(capture.Type))))),
                        ArgumentList(SingletonSeparatedList(Argument(Key(capture.Name))))))))))).ToList();

        // Explicit line breaks: the formatter keeps a lambda block on one line when its braces share a line, which
        // would squeeze the reads into one line. The formatter then fixes the indentation.
        var endOfLine = ElasticEndOfLine(newLine);
        reads = reads.Select(read => read.WithTrailingTrivia(endOfLine)).ToList();
        BlockSyntax body;
        if (function.Block is { } block)
        {
            body = block.WithStatements(block.Statements.InsertRange(0, reads));
        }
        else
        {
            var expression = (ExpressionSyntax)function.ExpressionBody!;
            reads.Add(ReturnStatement(expression.WithoutTrivia()).WithTrailingTrivia(endOfLine));
            body = Block(Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(endOfLine).WithTrailingTrivia(endOfLine), List(reads), Token(SyntaxKind.CloseBraceToken));
        }

        AnonymousFunctionExpressionSyntax rewritten = function switch
        {
            ParenthesizedLambdaExpressionSyntax lambda => lambda.WithExpressionBody(null).WithBlock(body.WithAdditionalAnnotations(Formatter.Annotation))
                .WithArrowToken(lambda.ArrowToken.WithTrailingTrivia(SyntaxTriviaList.Empty)),
            AnonymousMethodExpressionSyntax method => method.WithBlock(body.WithAdditionalAnnotations(Formatter.Annotation)),
            _ => function,
        };

        return WorkerEntryPointCanBeStaticFixer.AddStatic(rewritten);
    }

    /// <summary>Everything the rewrite needs, checked up front so a fix is offered only when it is mechanical.</summary>
    private sealed class Plan
    {
        private Plan(AnonymousFunctionExpressionSyntax function, ArgumentListSyntax argumentList, ExpressionSyntax? optionsExpression, string optionsParameterName,
            string contextParameterName, INamedTypeSymbol optionsType, IReadOnlyList<(string Name, ITypeSymbol Type)> captures)
        {
            Function = function;
            ArgumentList = argumentList;
            OptionsExpression = optionsExpression;
            OptionsParameterName = optionsParameterName;
            ContextParameterName = contextParameterName;
            OptionsType = optionsType;
            Captures = captures;
        }

        public AnonymousFunctionExpressionSyntax Function { get; }

        public ArgumentListSyntax ArgumentList { get; }

        public ExpressionSyntax? OptionsExpression { get; }

        public string OptionsParameterName { get; }

        public string ContextParameterName { get; }

        public INamedTypeSymbol OptionsType { get; }

        public IReadOnlyList<(string Name, ITypeSymbol Type)> Captures { get; }

        public static Plan? TryCreate(SemanticModel model, AnonymousFunctionExpressionSyntax function, CancellationToken cancellationToken)
        {
            var compilation = model.Compilation;
            // Any method or constructor whose parameter carries [WorkerEntryPoint] (WorkerPool's, or a team's own
            // launcher), provided the entry point receives a WorkerContext (which reads the arguments back) and the
            // call takes a WorkerPoolOptions (which carries them).
            if (compilation.GetTypeByMetadataName(WorkerEntryPointFinder.AttributeMetadataName) is not { } attribute
                || compilation.GetTypeByMetadataName(OptionsName) is not { } optionsType
                || compilation.GetTypeByMetadataName(ContextName) is not { } contextType
                || contextType.GetMembers("GetArgument").IsEmpty
                || optionsType.GetMembers("Arguments").IsEmpty
                || function.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax argumentList } argumentSyntax
                || model.GetOperation(argumentSyntax, cancellationToken) is not IArgumentOperation { Parameter: { } entryParameter } entryArgument
                || !entryParameter.HasAttributeIncludingOverridden(attribute)
                || entryParameter.Type is not INamedTypeSymbol { DelegateInvokeMethod: { Parameters.Length: > 0 } invoke }
                || !SymbolEqualityComparer.Default.Equals(invoke.Parameters[0].Type, contextType))
            {
                return null;
            }

            var callArguments = entryArgument.Parent switch
            {
                IInvocationOperation invocation => invocation.Arguments,
                IObjectCreationOperation creation => creation.Arguments,
                _ => ImmutableArray<IArgumentOperation>.Empty,
            };

            // The context parameter names the reads; "(WorkerContext ctx, CancellationToken ct)" or "(ctx, ct)".
            var parameters = function switch
            {
                ParenthesizedLambdaExpressionSyntax lambda => lambda.ParameterList.Parameters,
                AnonymousMethodExpressionSyntax { ParameterList: { } list } => list.Parameters,
                _ => default,
            };
            if (parameters.Count == 0 || parameters[0].Identifier.ValueText is not { Length: > 0 } contextName || contextName == "_"
                || function is ParenthesizedLambdaExpressionSyntax { Modifiers.Count: > 0 } && function.Modifiers.Any(SyntaxKind.StaticKeyword))
            {
                return null;
            }

            var captures = WorkerEntryPointFinder.FindCaptures(model, function, cancellationToken);
            var flow = model.AnalyzeDataFlow(function);
            var planned = new List<(string Name, ITypeSymbol Type)>();
            foreach (var capture in captures)
            {
                var type = capture switch
                {
                    ILocalSymbol local => local.Type,
                    IParameterSymbol { IsThis: false, RefKind: RefKind.None } parameter => parameter.Type,
                    _ => null,
                };
                if (type is null || !IsJsonPrimitive(type) || flow is null || flow.WrittenInside.Contains(capture, SymbolEqualityComparer.Default))
                {
                    return null;
                }

                planned.Add((capture.Name, type));
            }

            if (planned.Count == 0)
            {
                return null;
            }

            // The options: absent, null/default, or a "new WorkerPoolOptions { ... }" we can extend; anything else is not mechanical.
            var optionsArgument = callArguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type.OriginalDefinition, optionsType));
            if (optionsArgument?.Parameter is not { } optionsParameter)
            {
                return null;
            }

            ExpressionSyntax? optionsExpression = null;
            if (optionsArgument.ArgumentKind != ArgumentKind.DefaultValue)
            {
                optionsExpression = (optionsArgument.Syntax as ArgumentSyntax)?.Expression;
                if (!IsExtensible(optionsExpression, planned))
                {
                    return null;
                }
            }

            return new Plan(function, argumentList, optionsExpression, optionsParameter.Name, contextName, optionsType, planned);
        }

        private static bool IsExtensible(ExpressionSyntax? options, List<(string Name, ITypeSymbol Type)> planned)
        {
            switch (options)
            {
                case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NullLiteralExpression) || literal.IsKind(SyntaxKind.DefaultLiteralExpression):
                case DefaultExpressionSyntax:
                    return true;
                case BaseObjectCreationExpressionSyntax creation:
                    var initializer = creation.Initializer;
                    if (initializer is null)
                    {
                        return true;
                    }

                    foreach (var assignment in initializer.Expressions.OfType<AssignmentExpressionSyntax>())
                    {
                        if (assignment.Left is not IdentifierNameSyntax { Identifier.ValueText: "Arguments" })
                        {
                            continue;
                        }

                        // "Arguments = someObject" replaces the object: not ours to merge into.
                        if (assignment.Right is not InitializerExpressionSyntax collection)
                        {
                            return false;
                        }

                        // A key that is already there would be overwritten: stop rather than guess.
                        var keys = collection.Expressions.OfType<AssignmentExpressionSyntax>()
                            .Select(static e => e.Left is ImplicitElementAccessSyntax access && access.ArgumentList.Arguments.Count == 1
                                && access.ArgumentList.Arguments[0].Expression is LiteralExpressionSyntax key ? key.Token.ValueText : null);
                        if (keys.Any(key => key is null || planned.Any(p => p.Name == key)))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return false;
            }
        }

        private static bool IsJsonPrimitive(ITypeSymbol type) => type.SpecialType is SpecialType.System_String or SpecialType.System_Boolean
            or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16
            or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
            or SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Decimal;
    }
}
