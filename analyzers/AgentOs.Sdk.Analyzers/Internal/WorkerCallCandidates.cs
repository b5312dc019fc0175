using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// The syntax prefilter of AOS002 and AOS003: keeps the calls and constructions that pass something that may be a
/// delegate (a lambda, an anonymous method, a name or member access that may be a method group or a local holding a
/// delegate, a <c>new</c> of a delegate type) to a method or type whose name is one of the worker APIs of the
/// compilation: the methods and constructors with a <c>[WorkerEntryPoint]</c> parameter, found once per compilation in
/// the referenced assemblies that can declare one (AgentOs.Sdk's are known: <see cref="SdkWorkerApis"/>; other
/// assemblies that reference it are read) and in the declarations of its source. An override or an interface implementation has the name of the member it overrides or implements.
/// </summary>
/// <remarks>
/// Out of reach, documented in docs/rules/AOS002.md: a local function or a delegate type whose parameter carries the
/// attribute (neither has a name the call site shows).
/// </remarks>
internal sealed class WorkerCallCandidates
{
    private const string AttributeName = "WorkerEntryPoint";
    private const string AttributeClassName = "WorkerEntryPointAttribute";

    /// <summary>
    /// The names of AgentOs.Sdk's own methods with a <c>[WorkerEntryPoint]</c> parameter. The analyzers ship inside the
    /// AgentOs.Sdk package, so this list always matches the assembly beside it; WorkerCallCandidatesTests compares it
    /// with a scan of the assembly's metadata.
    /// </summary>
    internal static readonly ImmutableArray<string> SdkWorkerApis = ImmutableArray.Create("RunAsync", "Start");

    private const string SdkAssemblyName = "AgentOs.Sdk";

    private readonly HashSet<string> _names;

    private WorkerCallCandidates(HashSet<string> names)
    {
        _names = names;
        Words = new List<string>(names) { "new", "base", "this" };
    }

    /// <summary>The words a candidate's name token can be (<see cref="NameOccurrences"/>): the worker API names, and <c>new</c>, <c>base</c>, <c>this</c>.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>The prefilter of a compilation in which <paramref name="attribute"/> exists.</summary>
    public static WorkerCallCandidates ForCompilation(Compilation compilation, INamedTypeSymbol attribute, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        var sdk = attribute.ContainingAssembly;
        foreach (var reference in compilation.References)
        {
            if (compilation.GetAssemblyOrModuleSymbol(reference) is not IAssemblySymbol assembly)
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(assembly, sdk) && sdk.Identity.Name == SdkAssemblyName)
            {
                // Reading every member of AgentOs.Sdk costs more than the rest of the rule; its worker APIs are known.
                names.UnionWith(SdkWorkerApis);
            }
            else if (SymbolEqualityComparer.Default.Equals(assembly, sdk) || ReferencesAssembly(assembly, sdk.Identity.Name))
            {
                names.UnionWith(ScanAssembly(assembly, attribute, cancellationToken));
            }
        }

        // Aliases first (a global using alias in one file applies to all), then the declarations.
        var scan = new SourceScan(names);
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.GetRoot(cancellationToken) is CompilationUnitSyntax unit)
            {
                scan.AddUsings(unit.Usings, unit.Members);
            }
        }

        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.GetRoot(cancellationToken) is CompilationUnitSyntax unit)
            {
                scan.AddMembers(unit.Members);
            }
        }

        scan.AddAliases();
        return new WorkerCallCandidates(names);
    }

    /// <summary>True when the node is a call or construction that may pass a worker entry point (see the class summary).</summary>
    public bool IsCandidate(SyntaxNode node)
    {
        var (name, arguments) = node switch
        {
            InvocationExpressionSyntax invocation => (WriteCandidates.InvokedName(invocation.Expression), invocation.ArgumentList),
            ObjectCreationExpressionSyntax creation => (WriteCandidates.RightmostName(creation.Type), creation.ArgumentList),
            ImplicitObjectCreationExpressionSyntax implicitCreation => (ImplicitName(implicitCreation), implicitCreation.ArgumentList),
            ConstructorInitializerSyntax initializer => (InitializedName(initializer), initializer.ArgumentList),
            PrimaryConstructorBaseTypeSyntax primary => (WriteCandidates.RightmostName(primary.Type), primary.ArgumentList),
            _ => (null, null),
        };

        // An implicit new whose type is not written next to it has the empty name: any worker API may be its type.
        return arguments is not null && name is not null && (name.Length == 0 || _names.Contains(name)) && PassesDelegateShape(arguments);
    }

    private static string? ImplicitName(ImplicitObjectCreationExpressionSyntax creation)
        => WriteCandidates.WrittenTargetType(creation) is { IsVar: false } written ? WriteCandidates.RightmostName(written) : string.Empty;

    /// <summary>The type a <c>base(...)</c> or <c>this(...)</c> initializer constructs, as written in the declaration.</summary>
    private static string? InitializedName(ConstructorInitializerSyntax initializer)
    {
        if (initializer.Parent?.Parent is not TypeDeclarationSyntax type)
        {
            return null;
        }

        if (initializer.ThisOrBaseKeyword.ValueText == "this")
        {
            return type.Identifier.ValueText;
        }

        // The base class is the first type of the base list when there is one; otherwise object (never a worker API).
        return type.BaseList is { Types.Count: > 0 } list ? WriteCandidates.RightmostName(list.Types[0].Type) : null;
    }

    private static bool PassesDelegateShape(BaseArgumentListSyntax arguments)
    {
        foreach (var argument in arguments.Arguments)
        {
            var expression = argument.Expression;
            while (true)
            {
                if (expression is ParenthesizedExpressionSyntax parenthesized)
                {
                    expression = parenthesized.Expression;
                }
                else if (expression is CastExpressionSyntax cast)
                {
                    expression = cast.Expression;
                }
                else
                {
                    break;
                }
            }

            if (expression is AnonymousFunctionExpressionSyntax or NameSyntax or MemberAccessExpressionSyntax or ObjectCreationExpressionSyntax)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReferencesAssembly(IAssemblySymbol assembly, string name)
    {
        foreach (var module in assembly.Modules)
        {
            foreach (var referenced in module.ReferencedAssemblies)
            {
                if (referenced.Name == name)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The names of the methods and constructors of an assembly (from its metadata) with a <c>[WorkerEntryPoint]</c> parameter.</summary>
    internal static HashSet<string> ScanAssembly(IAssemblySymbol assembly, INamedTypeSymbol attribute, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        AddMetadataNames(assembly.GlobalNamespace, attribute, names, cancellationToken);
        return names;
    }

    private static void AddMetadataNames(INamespaceSymbol ns, INamedTypeSymbol attribute, HashSet<string> names, CancellationToken cancellationToken)
    {
        foreach (var member in ns.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (member)
            {
                case INamespaceSymbol child:
                    AddMetadataNames(child, attribute, names, cancellationToken);
                    break;
                case INamedTypeSymbol type:
                    AddTypeNames(type, attribute, names);
                    break;
            }
        }
    }

    private static void AddTypeNames(INamedTypeSymbol type, INamedTypeSymbol attribute, HashSet<string> names)
    {
        foreach (var member in type.GetMembers())
        {
            switch (member)
            {
                case INamedTypeSymbol nested:
                    AddTypeNames(nested, attribute, names);
                    break;
                case IMethodSymbol method when HasEntryParameter(method, attribute):
                    names.Add(method.MethodKind == MethodKind.Constructor ? type.Name : method.Name);
                    break;
            }
        }
    }

    private static bool HasEntryParameter(IMethodSymbol method, INamedTypeSymbol attribute)
    {
        foreach (var parameter in method.Parameters)
        {
            if (parameter.Type.TypeKind == TypeKind.Delegate && parameter.HasAttribute(attribute))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One walk over the declarations of the source (never a member body): members with a marked parameter.</summary>
    private sealed class SourceScan
    {
        /// <summary>
    /// The names of AgentOs.Sdk's own methods with a <c>[WorkerEntryPoint]</c> parameter. The analyzers ship inside the
    /// AgentOs.Sdk package, so this list always matches the assembly beside it; WorkerCallCandidatesTests compares it
    /// with a scan of the assembly's metadata.
    /// </summary>
    internal static readonly ImmutableArray<string> SdkWorkerApis = ImmutableArray.Create("RunAsync", "Start");

    private const string SdkAssemblyName = "AgentOs.Sdk";

    private readonly HashSet<string> _names;
        private readonly HashSet<string> _attributeNames = new(System.StringComparer.Ordinal) { AttributeName, AttributeClassName };
        private readonly List<UsingAlias> _aliases = new();

        public SourceScan(HashSet<string> names) => _names = names;

        public void AddUsings(SyntaxList<UsingDirectiveSyntax> usings, SyntaxList<MemberDeclarationSyntax> members)
        {
            foreach (var directive in usings)
            {
                if (directive.Alias is { } alias && WriteCandidates.RightmostName(directive.NamespaceOrType) is { } target)
                {
                    _aliases.Add(new UsingAlias(alias.Name.Identifier.ValueText, target));
                    if (target is AttributeName or AttributeClassName)
                    {
                        _attributeNames.Add(alias.Name.Identifier.ValueText);
                    }
                }
            }

            foreach (var member in members)
            {
                if (member is BaseNamespaceDeclarationSyntax ns)
                {
                    AddUsings(ns.Usings, ns.Members);
                }
            }
        }

        /// <summary>An alias of a type whose constructor is a worker API names that API too (<c>new R(entry)</c>).</summary>
        public void AddAliases()
        {
            foreach (var (alias, target) in _aliases)
            {
                if (_names.Contains(target))
                {
                    _names.Add(alias);
                }
            }
        }

        public void AddMembers(SyntaxList<MemberDeclarationSyntax> members)
        {
            foreach (var member in members)
            {
                switch (member)
                {
                    case BaseNamespaceDeclarationSyntax ns:
                        AddMembers(ns.Members);
                        break;
                    case TypeDeclarationSyntax type:
                        if (Marked(type.ParameterList))
                        {
                            _names.Add(type.Identifier.ValueText);
                        }

                        AddMembers(type.Members);
                        break;
                    case MethodDeclarationSyntax method when Marked(method.ParameterList):
                        _names.Add(method.Identifier.ValueText);
                        break;
                    case ConstructorDeclarationSyntax constructor when Marked(constructor.ParameterList):
                        _names.Add(constructor.Identifier.ValueText);
                        break;
                }
            }
        }

        private bool Marked(ParameterListSyntax? parameters)
        {
            if (parameters is null)
            {
                return false;
            }

            foreach (var parameter in parameters.Parameters)
            {
                foreach (var list in parameter.AttributeLists)
                {
                    foreach (var attribute in list.Attributes)
                    {
                        if (AttributeSimpleName(attribute.Name) is { } name && _attributeNames.Contains(name))
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }

        private static string? AttributeSimpleName(NameSyntax name) => name switch
        {
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
            _ => null,
        };
    }
}
