using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// The syntax prefilter of AOS001: decides from names alone which calls and <c>new</c> expressions may be a file write,
/// so that only those are bound. It over-approximates (a <c>Create</c> on any type passes), never the reverse: a write
/// the rule can report always passes, including through a <c>using</c> alias or a target-typed <c>new(...)</c>.
/// </summary>
internal sealed class WriteCandidates
{
    /// <summary>Names of the methods AOS001 looks at (on <c>File</c>, <c>FileInfo</c> and <c>XmlWriter</c>).</summary>
    public static readonly ImmutableHashSet<string> MethodNames = ImmutableHashSet.Create(
        System.StringComparer.Ordinal,
        "WriteAllText", "WriteAllBytes", "WriteAllLines", "WriteAllTextAsync", "WriteAllBytesAsync", "WriteAllLinesAsync",
        "Create", "CreateText", "Open", "Copy", "OpenHandle");

    private static readonly ImmutableHashSet<string> CreatedTypeNames = ImmutableHashSet.Create(System.StringComparer.Ordinal, "FileStream", "StreamWriter");

    private readonly HashSet<string> _typeNames;

    private WriteCandidates(HashSet<string> typeNames) => _typeNames = typeNames;

    /// <summary>
    /// The prefilter for one compilation: the names of the created types, plus every <c>using</c> alias of one of them
    /// declared anywhere in the compilation (a <c>global using</c> in one file applies to all).
    /// </summary>
    public static WriteCandidates ForCompilation(Compilation compilation, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(CreatedTypeNames, System.StringComparer.Ordinal);
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.GetRoot(cancellationToken) is CompilationUnitSyntax unit)
            {
                AddAliases(unit.Usings, unit.Members, names);
            }
        }

        return new WriteCandidates(names);
    }

    /// <summary>True when the call's method name is one AOS001 looks at.</summary>
    public static bool IsCandidate(InvocationExpressionSyntax invocation)
        => InvokedName(invocation.Expression) is { } name && MethodNames.Contains(name);

    /// <summary>True when the created type is named <c>FileStream</c> or <c>StreamWriter</c>, or an alias of one.</summary>
    public bool IsCandidate(ObjectCreationExpressionSyntax creation)
        => creation.ArgumentList is { Arguments.Count: > 0 } && RightmostName(creation.Type) is { } name && _typeNames.Contains(name);

    /// <summary>
    /// True unless the target type of <c>new(...)</c> is written right there (a declaration with an explicit type) and is
    /// not a candidate: only a target-typed <c>new</c> in another position (an argument, a return) is bound to find its type.
    /// </summary>
    public bool IsCandidate(ImplicitObjectCreationExpressionSyntax creation)
    {
        if (creation.ArgumentList.Arguments.Count == 0)
        {
            return false;
        }

        var declaredType = creation.Parent is EqualsValueClauseSyntax clause
            ? clause.Parent switch
            {
                VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } => declaration.Type,
                PropertyDeclarationSyntax property => property.Type,
                ParameterSyntax parameter => parameter.Type,
                _ => null,
            }
            : null;
        return declaredType is null || declaredType.IsVar || RightmostName(declaredType) is not { } name || _typeNames.Contains(name);
    }

    private static string? InvokedName(ExpressionSyntax expression) => expression switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        _ => null,
    };

    private static string? RightmostName(TypeSyntax? type) => type switch
    {
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
        NullableTypeSyntax nullable => RightmostName(nullable.ElementType),
        _ => null,
    };

    private static void AddAliases(SyntaxList<UsingDirectiveSyntax> usings, SyntaxList<MemberDeclarationSyntax> members, HashSet<string> names)
    {
        foreach (var directive in usings)
        {
            if (directive.Alias is { } alias && RightmostName(directive.NamespaceOrType) is { } target && CreatedTypeNames.Contains(target))
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
