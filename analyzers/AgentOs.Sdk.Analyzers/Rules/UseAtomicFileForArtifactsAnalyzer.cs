using System;
using System.Collections.Immutable;
using System.Threading;
using AgentOs.Sdk.Analyzers.Configuration;
using AgentOs.Sdk.Analyzers.Internal;
using AgentOs.Sdk.Analyzers.Paths;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Rules;

/// <summary>
/// AOS001: an artifact is written in place (<c>File.WriteAllText</c>, <c>new FileStream(path, FileMode.Create)</c>, ...)
/// instead of through <c>AtomicFile</c>, so a crash mid-write leaves a torn file and no proof of what was written.
/// </summary>
/// <remarks>
/// Runs once per document: the calls and <c>new</c> expressions named like a file write are found through the document's
/// text (<see cref="NameOccurrences"/>), a syntax prefilter (<see cref="WriteCandidates"/>) drops those that cannot be
/// one, and only the rest are bound and looked at further. A callback per call or per
/// <c>new</c> would cost little CPU but be charged, in <c>-p:ReportAnalyzer=true</c>, every wait for a core that falls
/// inside it (bench/README.md, "Analyzer cost in a real build").
/// A path counts as an artifact when <c>[ArtifactPath]</c> marks it, or when its value, worked out as far as possible,
/// matches a glob of <c>agentos_sdk.artifact_paths</c> whatever its unknown parts hold.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UseAtomicFileForArtifactsAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property naming the <c>AtomicFile</c> method that replaces the call; absent when no fix applies.</summary>
    public const string AtomicMethodProperty = "AtomicMethod";

    internal const string ArtifactPathAttributeName = "AgentOs.Sdk.IO.ArtifactPathAttribute";

    internal const string ArtifactWriterAttributeName = "AgentOs.Sdk.IO.ArtifactWriterAttribute";

    internal static readonly DiagnosticDescriptor Rule = new(
        RuleIdentifiers.UseAtomicFileForArtifacts,
        title: "Write artifacts with AtomicFile",
        messageFormat: "'{0}' writes the artifact {1} in place: a crash mid-write leaves a torn file and no proof of what was written; use '{2}'",
        RuleCategories.Reliability,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Artifacts (files other steps or a restart will trust) must be written with AtomicFile: it writes a temporary file, flushes it to disk, renames it over the target and records a SHA-256 .ok marker, so a crash leaves either the old file or the new one, never a torn one, and a reader can prove the content is complete.",
        helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.UseAtomicFileForArtifacts));

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        // Generated files are not analyzed; a report inside [GeneratedCode] or #line hidden code of another file is
        // dropped before it is made (OperationSite.ReportDiagnostic), which spares the driver's walk over every token of
        // each file that gets a report (GeneratedCodeSpans explains).
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // Nothing is looked up here: the first type lookup in a compilation builds its declaration table and loads
            // the namespaces of every reference, work the compiler does anyway and that the driver charges to whoever
            // asks first. The types are resolved on the first candidate instead, when the compiler has done it.
            var compilation = start.Compilation;
            var options = new ArtifactPathOptions(start.Options.AnalyzerConfigOptionsProvider);
            var analysis = new Lazy<Analysis?>(() => Analysis.Create(compilation, options), LazyThreadSafetyMode.ExecutionAndPublication);
            var candidates = new Lazy<WriteCandidates>(() => WriteCandidates.ForCompilation(compilation, CancellationToken.None), LazyThreadSafetyMode.ExecutionAndPublication);

            // One callback per document, not one per call: the syntax prefilter finds the few calls and new
            // expressions that may write a file, and only those are bound.
            start.RegisterSemanticModelAction(context => AnalyzeDocument(context, analysis, candidates));
        });
    }

    private static void AnalyzeDocument(SemanticModelAnalysisContext context, Lazy<Analysis?> analysis, Lazy<WriteCandidates> candidates)
    {
        var model = context.SemanticModel;
        var cancellationToken = context.CancellationToken;
        var filter = candidates.Value;

        // Only the calls and new expressions named by one of the filter's words are looked at: found through the text,
        // not by walking the tree. Code still being typed is skipped: the parser's guess is not what the user wrote.
        // Only the method or constructor a candidate calls is looked up first (GetSymbolInfo); the operation tree is
        // built for the few that are file writes.
        foreach (var node in NameOccurrences.FindCalls(model.SyntaxTree, filter.Words, context.FilterSpan, cancellationToken))
        {
            if (!filter.IsCandidate(node) || node.ContainsDiagnostics)
            {
                continue;
            }

            if (analysis.Value is not { } active)
            {
                return;
            }

            var symbol = model.GetSymbolInfo(node, cancellationToken).Symbol;
            if (node is InvocationExpressionSyntax)
            {
                if (active.IsWriteMethod(symbol) && model.GetOperation(node, cancellationToken) is IInvocationOperation operation)
                {
                    active.AnalyzeInvocation(new OperationSite(context, operation));
                }
            }
            else if (active.IsWriterConstructor(symbol) && model.GetOperation(node, cancellationToken) is IObjectCreationOperation created)
            {
                active.AnalyzeObjectCreation(new OperationSite(context, created));
            }
        }
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
        // FileMode values that start the file from nothing. OpenOrCreate (4) and Append (6) keep what is there (a lock
        // file, a log), and OpenWrite opens with OpenOrCreate: not reported. Constants, not a set: nothing to build or
        // compile per process.
        private const int ModeCreateNew = 1;
        private const int ModeCreate = 2;
        private const int ModeTruncate = 5;

        private readonly INamedTypeSymbol _file;
        private readonly INamedTypeSymbol? _fileInfo;
        private readonly INamedTypeSymbol? _fileStream;
        private readonly INamedTypeSymbol? _streamWriter;
        private readonly INamedTypeSymbol? _fileMode;
        private readonly INamedTypeSymbol? _fileStreamOptions;
        private readonly INamedTypeSymbol? _xmlWriter;
        private readonly PathEvaluator _evaluator;
        private readonly ArtifactPathMarks _marks;
        private readonly ArtifactWriterFinder _writers;
        private readonly TemporaryWrites _temporary;
        private readonly ArtifactPathOptions _options;

        private Analysis(Compilation compilation, INamedTypeSymbol attribute, INamedTypeSymbol file, ArtifactPathOptions options)
        {
            _file = file;
            _fileInfo = compilation.GetTypeByMetadataName("System.IO.FileInfo");
            _fileStream = compilation.GetTypeByMetadataName("System.IO.FileStream");
            _streamWriter = compilation.GetTypeByMetadataName("System.IO.StreamWriter");
            _fileMode = compilation.GetTypeByMetadataName("System.IO.FileMode");
            _fileStreamOptions = compilation.GetTypeByMetadataName("System.IO.FileStreamOptions");
            _xmlWriter = compilation.GetTypeByMetadataName("System.Xml.XmlWriter");
            _evaluator = new PathEvaluator(compilation);
            _marks = new ArtifactPathMarks(compilation, attribute, _evaluator);
            _writers = new ArtifactWriterFinder(compilation.GetTypeByMetadataName(ArtifactWriterAttributeName));
            _temporary = new TemporaryWrites(file, _fileInfo);
            _options = options;
        }

        /// <summary>The analysis of one compilation, or null when it does not reference AgentOs.Sdk (nothing to report).</summary>
        public static Analysis? Create(Compilation compilation, ArtifactPathOptions options)
            => compilation.GetTypeByMetadataName(ArtifactPathAttributeName) is { } attribute && compilation.GetTypeByMetadataName("System.IO.File") is { } file
                ? new Analysis(compilation, attribute, file, options)
                : null;

        /// <summary>True when the symbol a call binds to is a method AOS001 looks at (on File, FileInfo or XmlWriter).</summary>
        public bool IsWriteMethod(ISymbol? symbol)
            => symbol is IMethodSymbol { ContainingType: { } type } method
                && WriteCandidates.MethodNames.Contains(method.Name)
                && (SymbolEqualityComparer.Default.Equals(type, _file) || SymbolEqualityComparer.Default.Equals(type, _fileInfo)
                    || (_xmlWriter is not null && SymbolEqualityComparer.Default.Equals(type, _xmlWriter)));

        /// <summary>True when the symbol a <c>new</c> binds to is a constructor of FileStream or StreamWriter.</summary>
        public bool IsWriterConstructor(ISymbol? symbol)
            => symbol is IMethodSymbol { MethodKind: MethodKind.Constructor, ContainingType: { } type }
                && (SymbolEqualityComparer.Default.Equals(type, _fileStream) || SymbolEqualityComparer.Default.Equals(type, _streamWriter));

        public void AnalyzeInvocation(OperationSite context)
        {
            var invocation = (IInvocationOperation)context.Operation;
            if (!IsWriteMethod(invocation.TargetMethod))
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
            else if (method.Name == "Create" && Argument(invocation.Arguments, "outputFileName", SpecialType.System_String) is { } output)
            {
                // XmlWriter.Create(path, ...) creates or truncates the file, then writes as the document is built.
                Report(context, invocation, output, "XmlWriter.Create", WriteKind.Stream, null);
            }
        }

        public void AnalyzeObjectCreation(OperationSite context)
        {
            var creation = (IObjectCreationOperation)context.Operation;
            if (creation.Constructor is not { } constructor)
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

        private void AnalyzeFileMethod(OperationSite context, IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;

            // File.Copy(source, destination, overwrite: true) rewrites the destination in place; without overwrite it
            // fails when the destination exists.
            if (method.Name == "Copy")
            {
                if (Argument(invocation.Arguments, "overwrite", SpecialType.System_Boolean) is { ConstantValue: { HasValue: true, Value: true } }
                    && Argument(invocation.Arguments, "destFileName", SpecialType.System_String) is { } destination)
                {
                    Report(context, invocation, destination, "File.Copy", WriteKind.Stream, null);
                }

                return;
            }

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
                case "Create" or "CreateText":
                    Report(context, invocation, path, "File." + method.Name, WriteKind.Stream, null);
                    break;
                case "Open" or "OpenHandle" when OpensForCreate(invocation.Arguments, context.CancellationToken):
                    Report(context, invocation, path, "File." + method.Name, WriteKind.Stream, null);
                    break;
            }
        }

        private void AnalyzeFileInfoMethod(OperationSite context, IInvocationOperation invocation, IOperation instance)
        {
            var name = invocation.TargetMethod.Name;
            var writes = name is "Create" or "CreateText" || (name == "Open" && OpensForCreate(invocation.Arguments, context.CancellationToken));
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
            => mode.ConstantValue is { HasValue: true, Value: int value } && value is ModeCreateNew or ModeCreate or ModeTruncate;

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

        private void Report(OperationSite context, IOperation write, IOperation path, string api, WriteKind kind, string? atomicMethod)
        {
            var tree = write.Syntax.SyntaxTree;
            var shownPath = ArtifactReason(context, path, tree);
            if (shownPath is null)
            {
                return;
            }

            // Writes that leave no torn artifact behind: nothing written, or a temporary file the same method moves or
            // replaces into place, or deletes.
            if (TemporaryWrites.WritesNothing(write, kind == WriteKind.WholeFile) || (write.SemanticModel is { } model && _temporary.IsMovedOrDeleted(write, path, model, context.CancellationToken)))
            {
                return;
            }

            var properties = atomicMethod is null
                ? ImmutableDictionary<string, string?>.Empty
                : ImmutableDictionary<string, string?>.Empty.Add(AtomicMethodProperty, atomicMethod);
            var replacement = kind == WriteKind.WholeFile ? "AtomicFile." + atomicMethod : "AtomicFile.WriteAsync";
            context.ReportDiagnostic(Diagnostic.Create(Rule, write.Syntax.GetLocation(), properties, api, shownPath, replacement));
        }

        /// <summary>How the path is shown in the message with the reason it is an artifact; null when it is not one.</summary>
        private string? ArtifactReason(OperationSite context, IOperation path, SyntaxTree tree)
        {
            var names = _options.GetNames(tree);
            var mark = _marks.FindMark(path, names, context.CancellationToken);
            if (mark is { Kind: MarkKind.Attribute })
            {
                return $"'{PathEvaluator.Display(path.Syntax)}' (marked [ArtifactPath])";
            }

            var value = _evaluator.Evaluate(path, context.CancellationToken);
            if (!value.IsUnknown && _options.GetGlobs(tree).MatchEveryValue(value) is { } glob)
            {
                return $"'{value.Representative}' (matches '{glob.Text}')";
            }

            if (mark is { } named)
            {
                return $"'{PathEvaluator.Display(path.Syntax)}' (named like an artifact: '{named.Symbol.Name}')";
            }

            return _writers.FindWriter(context.ContainingSymbol, _options.GetWriters(tree)) is { } writer
                ? $"'{PathEvaluator.Display(path.Syntax)}' (written by {writer})"
                : null;
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
    }
}
