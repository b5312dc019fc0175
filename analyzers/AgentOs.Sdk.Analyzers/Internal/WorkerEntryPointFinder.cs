using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using AgentOs.Sdk.Analyzers.Paths;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// Finds arguments passed to parameters marked <c>[WorkerEntryPoint]</c>. Calls are first filtered by name against the
/// methods that have such a parameter (declared in this compilation, or in AgentOs.Sdk and assemblies built on it), so
/// most calls are never bound. Arguments are mapped to parameters through the operation tree, so named and
/// out-of-order arguments work.
/// </summary>
internal sealed class WorkerEntryPointFinder
{
    public const string AttributeMetadataName = "AgentOs.Sdk.Workers.WorkerEntryPointAttribute";

    // One finder per compilation, shared by AOS002 and AOS003 so the name scan and the per-method answers are paid
    // once. Keyed weakly: an IDE drops a compilation (and its finder) as soon as the user types.
    private static readonly ConditionalWeakTable<Compilation, WorkerEntryPointFinder> Shared = new();

    private readonly INamedTypeSymbol _attribute;
    private readonly ImmutableHashSet<string> _methodNames;
    private readonly ImmutableHashSet<string> _constructorTypeNames;
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _hasEntryParameter = new(SymbolEqualityComparer.Default);

    private WorkerEntryPointFinder(INamedTypeSymbol attribute, ImmutableHashSet<string> methodNames, ImmutableHashSet<string> constructorTypeNames)
    {
        _attribute = attribute;
        _methodNames = methodNames;
        _constructorTypeNames = constructorTypeNames;
    }

    /// <summary>True when some method or constructor visible to the compilation has a <c>[WorkerEntryPoint]</c> parameter.</summary>
    public bool HasEntryPoints => !_methodNames.IsEmpty || !_constructorTypeNames.IsEmpty;

    /// <summary>
    /// The compilation's finder, or null when the compilation does not reference AgentOs.Sdk or no method visible to it
    /// takes a <c>[WorkerEntryPoint]</c> delegate: the rules then register nothing.
    /// </summary>
    public static WorkerEntryPointFinder? TryCreate(Compilation compilation)
    {
        if (compilation.GetTypeByMetadataName(AttributeMetadataName) is null)
        {
            return null;
        }

        var finder = Shared.GetValue(compilation, static c => Create(c, c.GetTypeByMetadataName(AttributeMetadataName)!));
        return finder.HasEntryPoints ? finder : null;
    }

    private static WorkerEntryPointFinder Create(Compilation compilation, INamedTypeSymbol attribute)
    {
        var methods = ImmutableHashSet.CreateBuilder<string>(System.StringComparer.Ordinal);
        var constructors = ImmutableHashSet.CreateBuilder<string>(System.StringComparer.Ordinal);
        CollectNames(compilation, attribute, methods, constructors);
        return new WorkerEntryPointFinder(attribute, methods.ToImmutable(), constructors.ToImmutable());
    }

    public static readonly ImmutableArray<SyntaxKind> CandidateKinds = ImmutableArray.Create(
        SyntaxKind.InvocationExpression, SyntaxKind.ObjectCreationExpression, SyntaxKind.ImplicitObjectCreationExpression);

    /// <summary>The entry-point arguments of the call at <c>context.Node</c>, with the method or constructor called.</summary>
    public IEnumerable<(IArgumentOperation Argument, IMethodSymbol Called)> FindEntryArguments(SyntaxNodeAnalysisContext context)
    {
        var node = context.Node;

        // A call with syntax errors in it (an unfinished lambda included) is still being typed: report nothing yet.
        if (node.ContainsDiagnostics)
        {
            yield break;
        }

        var candidate = node switch
        {
            InvocationExpressionSyntax invocation => invocation.Expression switch
            {
                IdentifierNameSyntax identifier => _methodNames.Contains(identifier.Identifier.ValueText),
                GenericNameSyntax generic => _methodNames.Contains(generic.Identifier.ValueText),
                MemberAccessExpressionSyntax access => _methodNames.Contains(access.Name.Identifier.ValueText),
                MemberBindingExpressionSyntax binding => _methodNames.Contains(binding.Name.Identifier.ValueText),
                _ => false,
            },
            ObjectCreationExpressionSyntax creation => RightmostName(creation.Type) is { } typeName && _constructorTypeNames.Contains(typeName),

            // A target-typed new() names no type: it is bound only when some constructor takes an entry point at all
            // (WorkerPool has none), and then only when it has arguments.
            ImplicitObjectCreationExpressionSyntax implicitCreation => !_constructorTypeNames.IsEmpty && implicitCreation.ArgumentList.Arguments.Count > 0,
            _ => false,
        };
        if (!candidate)
        {
            yield break;
        }

        // Resolve the method before building operations: RunAsync and Start are common names on other types.
        if (context.SemanticModel.GetSymbolInfo(node, context.CancellationToken).Symbol is not IMethodSymbol resolved
            || !HasEntryParameter(resolved))
        {
            yield break;
        }

        var operation = context.SemanticModel.GetOperation(node, context.CancellationToken);
        var (arguments, called) = operation switch
        {
            IInvocationOperation invocation => (invocation.Arguments, invocation.TargetMethod),
            IObjectCreationOperation { Constructor: { } constructor } creation => (creation.Arguments, constructor),
            _ => (ImmutableArray<IArgumentOperation>.Empty, null),
        };
        if (called is null)
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

    private static string? RightmostName(TypeSyntax type) => type switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        GenericNameSyntax generic => generic.Identifier.ValueText,
        QualifiedNameSyntax qualified => RightmostName(qualified.Right),
        AliasQualifiedNameSyntax aliased => RightmostName(aliased.Name),
        _ => null,
    };

    private static void CollectNames(Compilation compilation, INamedTypeSymbol attribute, ImmutableHashSet<string>.Builder methods, ImmutableHashSet<string>.Builder constructors)
    {
        // Methods and constructors declared here: a syntax scan of member declarations (bodies are skipped).
        foreach (var tree in compilation.SyntaxTrees)
        {
            AddSourceNames(tree.GetRoot(), methods, constructors);
        }

        // AgentOs.Sdk itself, and any referenced assembly built on it.
        var sdk = attribute.ContainingAssembly;
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            if (SymbolEqualityComparer.Default.Equals(assembly, sdk)
                || assembly.Modules.Any(module => module.ReferencedAssemblies.Any(identity => identity.Name == sdk.Name)))
            {
                AddMetadataNames(assembly.GlobalNamespace, attribute, methods, constructors);
            }
        }
    }

    private static void AddSourceNames(SyntaxNode node, ImmutableHashSet<string>.Builder methods, ImmutableHashSet<string>.Builder constructors)
    {
        foreach (var child in node.ChildNodes())
        {
            switch (child)
            {
                case BaseNamespaceDeclarationSyntax:
                    AddSourceNames(child, methods, constructors);
                    break;
                case TypeDeclarationSyntax type:
                    if (type.ParameterList is { } primary && HasEntryAttribute(primary))
                    {
                        constructors.Add(type.Identifier.ValueText);
                    }

                    AddSourceNames(child, methods, constructors);
                    break;
                case MethodDeclarationSyntax method when HasEntryAttribute(method.ParameterList):
                    methods.Add(method.Identifier.ValueText);
                    break;
                case ConstructorDeclarationSyntax constructor when HasEntryAttribute(constructor.ParameterList):
                    constructors.Add(constructor.Identifier.ValueText);
                    break;
            }
        }
    }

    private static bool HasEntryAttribute(ParameterListSyntax parameters)
    {
        foreach (var parameter in parameters.Parameters)
        {
            foreach (var list in parameter.AttributeLists)
            {
                foreach (var attribute in list.Attributes)
                {
                    var name = attribute.Name switch
                    {
                        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                        AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
                        SimpleNameSyntax simple => simple.Identifier.ValueText,
                        _ => null,
                    };
                    if (name is "WorkerEntryPoint" or "WorkerEntryPointAttribute")
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static void AddMetadataNames(INamespaceSymbol ns, INamedTypeSymbol attribute, ImmutableHashSet<string>.Builder methods, ImmutableHashSet<string>.Builder constructors)
    {
        foreach (var member in ns.GetMembers())
        {
            if (member is INamespaceSymbol child)
            {
                AddMetadataNames(child, attribute, methods, constructors);
            }
            else if (member is INamedTypeSymbol type)
            {
                AddTypeNames(type, attribute, methods, constructors);
            }
        }
    }

    private static void AddTypeNames(INamedTypeSymbol type, INamedTypeSymbol attribute, ImmutableHashSet<string>.Builder methods, ImmutableHashSet<string>.Builder constructors)
    {
        if (type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal or Accessibility.Protected))
        {
            return;
        }

        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol method && method.Parameters.Any(p => p.Type.TypeKind == TypeKind.Delegate && p.HasAttribute(attribute)))
            {
                (method.MethodKind == MethodKind.Constructor ? constructors : methods).Add(method.MethodKind == MethodKind.Constructor ? type.Name : method.Name);
            }
            else if (member is INamedTypeSymbol nested)
            {
                AddTypeNames(nested, attribute, methods, constructors);
            }
        }
    }
}
