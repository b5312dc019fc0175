using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using AgentOs.Sdk.Analyzers.Configuration;
using AgentOs.Sdk.Analyzers.Paths;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Rules;

/// <summary>
/// AOS001: an artifact is written in place (<c>File.WriteAllText</c>, <c>new FileStream(path, FileMode.Create)</c>, ...)
/// instead of through <c>AtomicFile</c>, so a crash mid-write leaves a torn file and no proof of what was written.
/// </summary>
/// <remarks>
/// Cheap syntax filters (method and type names) run first; only candidates are bound and turned into operations.
/// A path counts as an artifact when <c>[ArtifactPath]</c> marks it, or when its value, worked out as far as possible,
/// matches a glob of <c>agentos_sdk.artifact_paths</c> whatever its unknown parts hold.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UseAtomicFileForArtifactsAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property naming the <c>AtomicFile</c> method that replaces the call; absent when no fix applies.</summary>
    public const string AtomicMethodProperty = "AtomicMethod";

    internal const string ArtifactPathAttributeName = "AgentOs.Sdk.IO.ArtifactPathAttribute";

    internal static readonly DiagnosticDescriptor Rule = new(
        RuleIdentifiers.UseAtomicFileForArtifacts,
        title: "Write artifacts with AtomicFile",
        messageFormat: "'{0}' writes the artifact {1} in place: a crash mid-write leaves a torn file and no proof of what was written; use '{2}'",
        RuleCategories.Reliability,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Artifacts (files other steps or a restart will trust) must be written with AtomicFile: it writes a temporary file, flushes it to disk, renames it over the target and records a SHA-256 .ok marker, so a crash leaves either the old file or the new one, never a torn one, and a reader can prove the content is complete.",
        helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.UseAtomicFileForArtifacts));

    private static readonly HashSet<string> CandidateMethodNames = new(System.StringComparer.Ordinal)
    {
        "WriteAllText", "WriteAllBytes", "WriteAllLines", "WriteAllTextAsync", "WriteAllBytesAsync", "WriteAllLinesAsync",
        "Create", "CreateText", "OpenWrite", "Open",
    };

    // FileMode values that create or truncate: CreateNew = 1, Create = 2, OpenOrCreate = 4, Truncate = 5.
    private static readonly HashSet<int> CreatingModes = new() { 1, 2, 4, 5 };

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // A project that does not reference AgentOs.Sdk pays for this lookup and nothing else.
            if (start.Compilation.GetTypeByMetadataName(ArtifactPathAttributeName) is not { } attribute
                || start.Compilation.GetTypeByMetadataName("System.IO.File") is not { } file)
            {
                return;
            }

            var analysis = new Analysis(start.Compilation, attribute, file, new ArtifactPathOptions(start.Options.AnalyzerConfigOptionsProvider));
            start.RegisterSyntaxNodeAction(analysis.AnalyzeInvocation, SyntaxKind.InvocationExpression);
            start.RegisterSyntaxNodeAction(analysis.AnalyzeObjectCreation, SyntaxKind.ObjectCreationExpression, SyntaxKind.ImplicitObjectCreationExpression);
        });
    }

    private enum WriteKind
    {
        /// <summary>A whole-file write that AtomicFile has a twin for.</summary>
        WholeFile,

        /// <summary>A stream or writer opened for writing: no mechanical rewrite.</summary>
        Stream,
    }

    private sealed class Analysis
    {
        private readonly INamedTypeSymbol _file;
        private readonly INamedTypeSymbol? _fileInfo;
        private readonly INamedTypeSymbol? _fileStream;
        private readonly INamedTypeSymbol? _streamWriter;
        private readonly INamedTypeSymbol? _fileMode;
        private readonly INamedTypeSymbol? _fileStreamOptions;
        private readonly PathEvaluator _evaluator;
        private readonly ArtifactPathMarks _marks;
        private readonly ArtifactPathOptions _options;
        private readonly System.Lazy<ImmutableHashSet<string>> _streamTypeNames;

        public Analysis(Compilation compilation, INamedTypeSymbol attribute, INamedTypeSymbol file, ArtifactPathOptions options)
        {
            _file = file;
            _fileInfo = compilation.GetTypeByMetadataName("System.IO.FileInfo");
            _fileStream = compilation.GetTypeByMetadataName("System.IO.FileStream");
            _streamWriter = compilation.GetTypeByMetadataName("System.IO.StreamWriter");
            _fileMode = compilation.GetTypeByMetadataName("System.IO.FileMode");
            _fileStreamOptions = compilation.GetTypeByMetadataName("System.IO.FileStreamOptions");
            _evaluator = new PathEvaluator(compilation);
            _marks = new ArtifactPathMarks(attribute, _evaluator);
            _options = options;
            _streamTypeNames = new System.Lazy<ImmutableHashSet<string>>(() => StreamTypeNames(compilation), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public void AnalyzeInvocation(SyntaxNodeAnalysisContext context)
        {
            var syntax = (InvocationExpressionSyntax)context.Node;

            // A call with syntax errors in it is still being typed: the parser's guess is not what the user wrote.
            if (syntax.ContainsDiagnostics)
            {
                return;
            }

            var name = syntax.Expression switch
            {
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
                _ => null,
            };
            if (name is null || !CandidateMethodNames.Contains(name))
            {
                return;
            }

            // Resolve the method before building operations: Create and Open are common names on other types.
            if (context.SemanticModel.GetSymbolInfo(syntax, context.CancellationToken).Symbol is not IMethodSymbol target
                || !(SymbolEqualityComparer.Default.Equals(target.ContainingType, _file) || SymbolEqualityComparer.Default.Equals(target.ContainingType, _fileInfo))
                || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not IInvocationOperation invocation)
            {
                return;
            }

            var method = invocation.TargetMethod;
            var type = method.ContainingType;
            if (SymbolEqualityComparer.Default.Equals(type, _file))
            {
                AnalyzeFileMethod(context, invocation);
            }
            else if (_fileInfo is not null && SymbolEqualityComparer.Default.Equals(type, _fileInfo) && invocation.Instance is { } instance)
            {
                AnalyzeFileInfoMethod(context, invocation, instance);
            }
        }

        public void AnalyzeObjectCreation(SyntaxNodeAnalysisContext context)
        {
            if (context.Node.ContainsDiagnostics)
            {
                return;
            }

            if (context.Node is ObjectCreationExpressionSyntax explicitCreation)
            {
                var typeName = RightmostName(explicitCreation.Type);
                if (typeName is null || (typeName != "FileStream" && typeName != "StreamWriter" && !_streamTypeNames.Value.Contains(typeName)))
                {
                    return;
                }
            }
            else if (context.Node is ImplicitObjectCreationExpressionSyntax implicitCreation)
            {
                // A target-typed new() names no type: ask for the type alone (no operation tree) and stop unless it is
                // a FileStream or StreamWriter over a path (which takes at least one argument).
                if (implicitCreation.ArgumentList.Arguments.Count == 0
                    || context.SemanticModel.GetTypeInfo(implicitCreation, context.CancellationToken).Type is not { } createdType
                    || !(SymbolEqualityComparer.Default.Equals(createdType, _fileStream) || SymbolEqualityComparer.Default.Equals(createdType, _streamWriter)))
                {
                    return;
                }
            }

            if (context.SemanticModel.GetOperation(context.Node, context.CancellationToken) is not IObjectCreationOperation { Constructor: { } constructor } creation)
            {
                return;
            }

            var type = constructor.ContainingType;
            var isFileStream = SymbolEqualityComparer.Default.Equals(type, _fileStream);
            var isWriter = !isFileStream && SymbolEqualityComparer.Default.Equals(type, _streamWriter);
            if (!isFileStream && !isWriter)
            {
                return;
            }

            var path = Argument(creation.Arguments, "path", SpecialType.System_String);
            if (path is null)
            {
                return;
            }

            bool creates;
            if (Argument(creation.Arguments, "append", SpecialType.System_Boolean) is { } append)
            {
                creates = append.ConstantValue is { HasValue: true, Value: false };
            }
            else if (ModeArgument(creation.Arguments) is { } mode)
            {
                creates = IsCreatingMode(mode);
            }
            else if (OptionsArgument(creation.Arguments) is { } options)
            {
                creates = OptionsCreate(options, context.CancellationToken);
            }
            else
            {
                // new StreamWriter(path) truncates; every FileStream constructor over a path names a mode.
                creates = isWriter;
            }

            if (creates)
            {
                Report(context, creation, path, isFileStream ? "new FileStream" : "new StreamWriter", WriteKind.Stream, null);
            }
        }

        private void AnalyzeFileMethod(SyntaxNodeAnalysisContext context, IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            var path = Argument(invocation.Arguments, "path", SpecialType.System_String);
            if (path is null)
            {
                return;
            }

            switch (method.Name)
            {
                case "WriteAllText" or "WriteAllBytes" or "WriteAllLines" or "WriteAllTextAsync" or "WriteAllBytesAsync" or "WriteAllLinesAsync":
                    Report(context, invocation, path, "File." + method.Name, WriteKind.WholeFile, method.Name);
                    break;
                case "Create" or "CreateText" or "OpenWrite":
                    Report(context, invocation, path, "File." + method.Name, WriteKind.Stream, null);
                    break;
                case "Open" when OpensForCreate(invocation.Arguments, context.CancellationToken):
                    Report(context, invocation, path, "File.Open", WriteKind.Stream, null);
                    break;
            }
        }

        private void AnalyzeFileInfoMethod(SyntaxNodeAnalysisContext context, IInvocationOperation invocation, IOperation instance)
        {
            var name = invocation.TargetMethod.Name;
            var writes = name is "Create" or "CreateText" or "OpenWrite" || (name == "Open" && OpensForCreate(invocation.Arguments, context.CancellationToken));
            if (!writes)
            {
                return;
            }

            // The path is the FileInfo's: new FileInfo(path), possibly through a local assigned once.
            var path = FileInfoPath(instance, context.CancellationToken) ?? instance;
            Report(context, invocation, path, "FileInfo." + name, WriteKind.Stream, null);
        }

        private bool OpensForCreate(ImmutableArray<IArgumentOperation> arguments, CancellationToken cancellationToken)
        {
            if (ModeArgument(arguments) is { } mode)
            {
                return IsCreatingMode(mode);
            }

            return OptionsArgument(arguments) is { } options && OptionsCreate(options, cancellationToken);
        }

        private IOperation? FileInfoPath(IOperation instance, CancellationToken cancellationToken)
        {
            for (var depth = 0; depth < 8; depth++)
            {
                switch (instance)
                {
                    case IConversionOperation conversion:
                        instance = conversion.Operand;
                        continue;
                    case IObjectCreationOperation creation when SymbolEqualityComparer.Default.Equals(creation.Type, _fileInfo):
                        return Argument(creation.Arguments, "fileName", SpecialType.System_String);
                    case ILocalReferenceOperation local when PathEvaluator.SingleAssignmentInitializer(local.Local) is { } initializer
                        && local.SemanticModel is { } model && initializer.SyntaxTree == model.SyntaxTree
                        && model.GetOperation(initializer, cancellationToken) is { } initialValue:
                        instance = initialValue;
                        continue;
                    default:
                        return null;
                }
            }

            return null;
        }

        private IOperation? ModeArgument(ImmutableArray<IArgumentOperation> arguments)
        {
            foreach (var argument in arguments)
            {
                if (argument.Parameter is { } parameter && SymbolEqualityComparer.Default.Equals(parameter.Type, _fileMode))
                {
                    return argument.Value;
                }
            }

            return null;
        }

        private IOperation? OptionsArgument(ImmutableArray<IArgumentOperation> arguments)
        {
            foreach (var argument in arguments)
            {
                if (argument.Parameter is { } parameter && _fileStreamOptions is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, _fileStreamOptions))
                {
                    return argument.Value;
                }
            }

            return null;
        }

        private static bool IsCreatingMode(IOperation mode)
            => mode.ConstantValue is { HasValue: true, Value: int value } && CreatingModes.Contains(value);

        /// <summary>True when the options are built right here (or in a local assigned once) with a creating Mode.</summary>
        private static bool OptionsCreate(IOperation options, CancellationToken cancellationToken)
        {
            for (var depth = 0; depth < 8; depth++)
            {
                switch (options)
                {
                    case IConversionOperation conversion:
                        options = conversion.Operand;
                        continue;
                    case ILocalReferenceOperation local when PathEvaluator.SingleAssignmentInitializer(local.Local) is { } initializer
                        && local.SemanticModel is { } model && initializer.SyntaxTree == model.SyntaxTree
                        && model.GetOperation(initializer, cancellationToken) is { } initialValue:
                        options = initialValue;
                        continue;
                    case IObjectCreationOperation { Initializer: { } initializer }:
                        foreach (var member in initializer.Initializers)
                        {
                            if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Mode" } } assignment)
                            {
                                return IsCreatingMode(assignment.Value);
                            }
                        }

                        return false;
                    default:
                        return false;
                }
            }

            return false;
        }

        private void Report(SyntaxNodeAnalysisContext context, IOperation write, IOperation path, string api, WriteKind kind, string? atomicMethod)
        {
            string shownPath;
            if (_marks.FindMark(path, context.CancellationToken) is not null)
            {
                shownPath = $"'{PathEvaluator.Display(path.Syntax)}' (marked [ArtifactPath])";
            }
            else
            {
                var value = _evaluator.Evaluate(path, context.CancellationToken);
                if (value.IsUnknown)
                {
                    return;
                }

                var glob = _options.GetGlobs(write.Syntax.SyntaxTree).MatchEveryValue(value);
                if (glob is null)
                {
                    return;
                }

                shownPath = $"'{value.Representative}' (matches '{glob.Text}')";
            }

            var properties = atomicMethod is null
                ? ImmutableDictionary<string, string?>.Empty
                : ImmutableDictionary<string, string?>.Empty.Add(AtomicMethodProperty, atomicMethod);
            var replacement = kind == WriteKind.WholeFile ? "AtomicFile." + atomicMethod : "AtomicFile.WriteAsync";
            context.ReportDiagnostic(Diagnostic.Create(Rule, write.Syntax.GetLocation(), properties, api, shownPath, replacement));
        }

        private static IOperation? Argument(ImmutableArray<IArgumentOperation> arguments, string name, SpecialType type)
        {
            foreach (var argument in arguments)
            {
                if (argument.Parameter is { } parameter && parameter.Name == name && parameter.Type.SpecialType == type)
                {
                    return argument.Value;
                }
            }

            return null;
        }

        private static string? RightmostName(TypeSyntax type) => type switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
            _ => null,
        };

        /// <summary>Alias names (in any file) that stand for FileStream or StreamWriter, so <c>new FS(...)</c> is not missed.</summary>
        private static ImmutableHashSet<string> StreamTypeNames(Compilation compilation)
        {
            var names = ImmutableHashSet.CreateBuilder<string>(System.StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (tree.GetRoot() is CompilationUnitSyntax unit)
                {
                    AddAliases(unit.Usings, unit.Members, names);
                }
            }

            return names.ToImmutable();
        }

        private static void AddAliases(SyntaxList<UsingDirectiveSyntax> usings, SyntaxList<MemberDeclarationSyntax> members, ImmutableHashSet<string>.Builder names)
        {
            foreach (var directive in usings)
            {
                if (directive.Alias is { } alias && directive.NamespaceOrType is NameSyntax target
                    && RightmostName(target) is "FileStream" or "StreamWriter")
                {
                    names.Add(alias.Name.Identifier.ValueText);
                }
            }

            foreach (var member in members)
            {
                if (member is BaseNamespaceDeclarationSyntax ns)
                {
                    AddAliases(ns.Usings, ns.Members, names);
                }
            }
        }
    }
}
