using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
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

    private readonly INamedTypeSymbol _attribute;
    private readonly System.Lazy<ImmutableHashSet<string>> _methodNames;

    private WorkerEntryPointFinder(Compilation compilation, INamedTypeSymbol attribute)
    {
        _attribute = attribute;
        _methodNames = new System.Lazy<ImmutableHashSet<string>>(() => CollectMethodNames(compilation, attribute), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Null when the compilation does not reference AgentOs.Sdk: the rule then registers nothing.</summary>
    public static WorkerEntryPointFinder? TryCreate(Compilation compilation)
        => compilation.GetTypeByMetadataName(AttributeMetadataName) is { } attribute ? new WorkerEntryPointFinder(compilation, attribute) : null;

    public static readonly ImmutableArray<SyntaxKind> CandidateKinds = ImmutableArray.Create(
        SyntaxKind.InvocationExpression, SyntaxKind.ObjectCreationExpression, SyntaxKind.ImplicitObjectCreationExpression);

    /// <summary>The entry-point arguments of the call at <c>context.Node</c>, with the method or constructor called.</summary>
    public IEnumerable<(IArgumentOperation Argument, IMethodSymbol Called)> FindEntryArguments(SyntaxNodeAnalysisContext context)
    {
        var node = context.Node;
        var name = node switch
        {
            InvocationExpressionSyntax invocation => invocation.Expression switch
            {
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                GenericNameSyntax generic => generic.Identifier.ValueText,
                MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
                _ => null,
            },
            ObjectCreationExpressionSyntax creation => RightmostName(creation.Type),
            ImplicitObjectCreationExpressionSyntax implicitCreation => implicitCreation.ArgumentList.Arguments.Count > 0 ? string.Empty : null,
            _ => null,
        };

        // A target-typed new() names no type: it is bound whenever it has arguments.
        if (name is null || (name.Length > 0 && !_methodNames.Value.Contains(name)))
        {
            yield break;
        }

        // Resolve the method before building operations: RunAsync and Start are common names on other types.
        if (context.SemanticModel.GetSymbolInfo(node, context.CancellationToken).Symbol is not IMethodSymbol resolved
            || !resolved.Parameters.Any(p => p.Type.TypeKind == TypeKind.Delegate && p.HasAttributeIncludingOverridden(_attribute)))
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
            if (argument.Parameter is { } parameter && parameter.Type.TypeKind == TypeKind.Delegate
                && argument.ArgumentKind == ArgumentKind.Explicit && parameter.HasAttributeIncludingOverridden(_attribute))
            {
                yield return (argument, called);
            }
        }
    }

    /// <summary>How a call is named in messages: <c>WorkerPool.RunAsync</c> or <c>new Runner</c>.</summary>
    public static string DisplayCalled(IMethodSymbol called)
        => called.MethodKind == MethodKind.Constructor ? "new " + called.ContainingType.Name : called.ContainingType.Name + "." + called.Name;

    /// <summary>The lambda, anonymous method or method group behind an argument value; null for anything else.</summary>
    public static IOperation? UnwrapDelegate(IOperation value)
    {
        for (var depth = 0; depth < 8; depth++)
        {
            switch (value)
            {
                case IConversionOperation conversion:
                    value = conversion.Operand;
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

    private static ImmutableHashSet<string> CollectMethodNames(Compilation compilation, INamedTypeSymbol attribute)
    {
        var names = ImmutableHashSet.CreateBuilder<string>(System.StringComparer.Ordinal);

        // Methods and constructors declared here: a syntax scan of member declarations (bodies are skipped).
        foreach (var tree in compilation.SyntaxTrees)
        {
            AddSourceNames(tree.GetRoot(), names);
        }

        // AgentOs.Sdk itself, and any referenced assembly built on it.
        var sdk = attribute.ContainingAssembly;
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            if (SymbolEqualityComparer.Default.Equals(assembly, sdk)
                || assembly.Modules.Any(module => module.ReferencedAssemblies.Any(identity => identity.Name == sdk.Name)))
            {
                AddMetadataNames(assembly.GlobalNamespace, attribute, names);
            }
        }

        return names.ToImmutable();
    }

    private static void AddSourceNames(SyntaxNode node, ImmutableHashSet<string>.Builder names)
    {
        foreach (var child in node.ChildNodes())
        {
            switch (child)
            {
                case BaseNamespaceDeclarationSyntax:
                    AddSourceNames(child, names);
                    break;
                case TypeDeclarationSyntax type:
                    if (type.ParameterList is { } primary && HasEntryAttribute(primary))
                    {
                        names.Add(type.Identifier.ValueText);
                    }

                    AddSourceNames(child, names);
                    break;
                case MethodDeclarationSyntax method when HasEntryAttribute(method.ParameterList):
                    names.Add(method.Identifier.ValueText);
                    break;
                case ConstructorDeclarationSyntax constructor when HasEntryAttribute(constructor.ParameterList):
                    names.Add(constructor.Identifier.ValueText);
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

    private static void AddMetadataNames(INamespaceSymbol ns, INamedTypeSymbol attribute, ImmutableHashSet<string>.Builder names)
    {
        foreach (var member in ns.GetMembers())
        {
            if (member is INamespaceSymbol child)
            {
                AddMetadataNames(child, attribute, names);
            }
            else if (member is INamedTypeSymbol type)
            {
                AddTypeNames(type, attribute, names);
            }
        }
    }

    private static void AddTypeNames(INamedTypeSymbol type, INamedTypeSymbol attribute, ImmutableHashSet<string>.Builder names)
    {
        if (type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal or Accessibility.Protected))
        {
            return;
        }

        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol method && method.Parameters.Any(p => p.Type.TypeKind == TypeKind.Delegate && p.HasAttribute(attribute)))
            {
                names.Add(method.MethodKind == MethodKind.Constructor ? type.Name : method.Name);
            }
            else if (member is INamedTypeSymbol nested)
            {
                AddTypeNames(nested, attribute, names);
            }
        }
    }
}
