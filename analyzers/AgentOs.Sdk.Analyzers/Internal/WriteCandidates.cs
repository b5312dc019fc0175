using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AgentOs.Sdk.Analyzers.Internal;

/// <summary>
/// The syntax prefilter of AOS001: decides from the syntax alone which calls and <c>new</c> expressions may be a file
/// write, so that only those are bound. It over-approximates (a <c>Create</c> on a type from another assembly passes),
/// and drops only what the syntax proves cannot be one of the writes the rule reports:
/// <list type="bullet">
/// <item>a call with the wrong number of arguments for every write of that name (<c>Open()</c>, <c>Copy(a, b)</c>);</item>
/// <item><c>T.Create(...)</c> or <c>T.CreateText(...)</c> with arguments where <c>T</c> names a type declared in this
/// compilation that cannot derive from <c>XmlWriter</c> (a record, struct, enum, interface, or a class without a base
/// list): those two writes are static members of <c>File</c> and <c>XmlWriter</c> when they take arguments, so a value
/// receiver cannot reach them either;</item>
/// <item>a target-typed <c>new(...)</c> whose type is written next to it (a declaration, the return type of the member
/// it is returned from) and is neither <c>FileStream</c> nor <c>StreamWriter</c> nor an alias of one.</item>
/// </list>
/// One shape is dropped that could, in theory, be a write: <c>T.Create(path)</c> where <c>T</c> is both a type of this
/// compilation and, in scope there, a type of another assembly derived from <c>XmlWriter</c> (a static member called
/// through a derived type of the same simple name as one of yours).
/// </summary>
internal sealed class WriteCandidates
{
    /// <summary>Names of the methods AOS001 looks at (on <c>File</c>, <c>FileInfo</c> and <c>XmlWriter</c>).</summary>
    public static readonly ImmutableHashSet<string> MethodNames = ImmutableHashSet.Create(
        System.StringComparer.Ordinal,
        "WriteAllText", "WriteAllBytes", "WriteAllLines", "WriteAllTextAsync", "WriteAllBytesAsync", "WriteAllLinesAsync",
        "Create", "CreateText", "Open", "Copy", "OpenHandle");

    private static readonly ImmutableHashSet<string> CreatedTypeNames = ImmutableHashSet.Create(System.StringComparer.Ordinal, "FileStream", "StreamWriter");

    // Types whose static Create/CreateText write a file: File, XmlWriter and the framework's public XmlWriter subclasses.
    private static readonly ImmutableHashSet<string> WriterHolderNames = ImmutableHashSet.Create(System.StringComparer.Ordinal, "File", "XmlWriter", "XmlTextWriter", "XmlDictionaryWriter");

    private readonly HashSet<string> _typeNames;
    private readonly HashSet<string> _plainSourceTypes;

    private WriteCandidates(HashSet<string> typeNames, HashSet<string> plainSourceTypes)
    {
        _typeNames = typeNames;
        _plainSourceTypes = plainSourceTypes;
        var words = new List<string>(MethodNames) { "new" };
        words.AddRange(typeNames);
        Words = words;
    }

    /// <summary>The words a candidate's name token can be (<see cref="NameOccurrences"/>): the method and type names, and <c>new</c>.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>True when the call or construction found by <see cref="NameOccurrences"/> may be a file write.</summary>
    public bool IsCandidate(SyntaxNode node) => node switch
    {
        InvocationExpressionSyntax invocation => IsCandidate(invocation),
        ObjectCreationExpressionSyntax creation => IsCandidate(creation),
        ImplicitObjectCreationExpressionSyntax implicitCreation => IsCandidate(implicitCreation),
        _ => false,
    };

    /// <summary>
    /// The prefilter for one compilation, from its declarations (no member body is read): the names of the created
    /// types plus every <c>using</c> alias of one (a <c>global using</c> in one file applies to all), and the names of
    /// the types declared here that cannot hold a file write.
    /// </summary>
    public static WriteCandidates ForCompilation(Compilation compilation, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(CreatedTypeNames, System.StringComparer.Ordinal);
        var scan = new DeclarationScan();
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.GetRoot(cancellationToken) is CompilationUnitSyntax unit)
            {
                scan.Add(unit.Usings, unit.Members);
            }
        }

        foreach (var (alias, target) in scan.Aliases)
        {
            if (CreatedTypeNames.Contains(target))
            {
                names.Add(alias);
            }
        }

        // A name is plain only if every type of that name here is, and no alias or framework writer type shares it.
        scan.Plain.ExceptWith(scan.NotPlain);
        foreach (var (alias, _) in scan.Aliases)
        {
            scan.Plain.Remove(alias);
        }

        scan.Plain.ExceptWith(WriterHolderNames);
        return new WriteCandidates(names, scan.Plain);
    }

    /// <summary>True when the call may be one of the writes AOS001 looks at (see the class summary for what is dropped).</summary>
    public bool IsCandidate(InvocationExpressionSyntax invocation)
    {
        if (InvokedName(invocation.Expression) is not { } name || !MethodNames.Contains(name))
        {
            return false;
        }

        var count = invocation.ArgumentList.Arguments.Count;
        switch (name)
        {
            case "Copy":
                // File.Copy is reported only with its overwrite argument: three arguments.
                return count >= 3;
            case "Open":
                // File.Open(path, mode, ...) and FileInfo.Open(mode or options, ...) both take arguments.
                return count >= 1;
            case "Create" or "CreateText" when count >= 1:
                // With arguments these are static (File, XmlWriter): a receiver naming a plain type of ours cannot reach them.
                return !(invocation.Expression is MemberAccessExpressionSyntax access && NamesPlainSourceType(access.Expression));
            default:
                return true;
        }
    }

    /// <summary>True when the created type is named <c>FileStream</c> or <c>StreamWriter</c>, or an alias of one.</summary>
    public bool IsCandidate(ObjectCreationExpressionSyntax creation)
        => creation.ArgumentList is { Arguments.Count: > 0 } && RightmostName(creation.Type) is { } name && _typeNames.Contains(name);

    /// <summary>
    /// True unless the target type of <c>new(...)</c> is written right there (a declaration with an explicit type, or the
    /// return type of the method, local function, property or indexer it is returned from) and is not a candidate.
    /// </summary>
    public bool IsCandidate(ImplicitObjectCreationExpressionSyntax creation)
    {
        if (creation.ArgumentList.Arguments.Count == 0)
        {
            return false;
        }

        var targetType = WrittenTargetType(creation);
        if (targetType is null || targetType.IsVar)
        {
            return true;
        }

        // The return type of an async method or an iterator is not the type of what is returned (Task<T>, IEnumerable<T>):
        // any candidate name anywhere in the type keeps it.
        foreach (var node in targetType.DescendantNodesAndSelf())
        {
            if (node is SimpleNameSyntax simple && _typeNames.Contains(simple.Identifier.ValueText))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The type a target-typed <c>new(...)</c> creates when it is written next to it: the type of the variable, field,
    /// property or parameter it initializes, or the return type of the member it is returned from (for an async method
    /// or an iterator, the written type contains the created one). Null when it is not written there.
    /// </summary>
    internal static TypeSyntax? WrittenTargetType(ImplicitObjectCreationExpressionSyntax creation) => creation.Parent switch
    {
        EqualsValueClauseSyntax clause => clause.Parent switch
        {
            VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } => declaration.Type,
            PropertyDeclarationSyntax property => property.Type,
            ParameterSyntax parameter => parameter.Type,
            _ => null,
        },
        ArrowExpressionClauseSyntax arrow => ReturnType(arrow.Parent),
        ReturnStatementSyntax @return => ReturnType(EnclosingFunction(@return)),
        _ => null,
    };

    /// <summary>The return type written on a member with a body or an arrow, or null when it is not written there (a lambda, an accessor of an event).</summary>
    private static TypeSyntax? ReturnType(SyntaxNode? member) => member switch
    {
        MethodDeclarationSyntax method => method.ReturnType,
        LocalFunctionStatementSyntax local => local.ReturnType,
        PropertyDeclarationSyntax property => property.Type,
        IndexerDeclarationSyntax indexer => indexer.Type,
        OperatorDeclarationSyntax op => op.ReturnType,
        ConversionOperatorDeclarationSyntax conversion => conversion.Type,
        AccessorDeclarationSyntax { Parent: AccessorListSyntax { Parent: BasePropertyDeclarationSyntax property } } accessor
            when accessor.IsKind(SyntaxKind.GetAccessorDeclaration) => property.Type,
        _ => null,
    };

    /// <summary>The nearest function-like node a return statement belongs to (a lambda included, which has no written return type).</summary>
    private static SyntaxNode? EnclosingFunction(SyntaxNode node)
    {
        for (var current = node.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case AnonymousFunctionExpressionSyntax:
                case LocalFunctionStatementSyntax:
                case BaseMethodDeclarationSyntax:
                case AccessorDeclarationSyntax:
                    return current;
            }
        }

        return null;
    }

    /// <summary>True when the expression is a type name whose rightmost part names a plain type of this compilation.</summary>
    private bool NamesPlainSourceType(ExpressionSyntax receiver) => receiver switch
    {
        SimpleNameSyntax simple => _plainSourceTypes.Contains(simple.Identifier.ValueText),
        MemberAccessExpressionSyntax { Expression: var left, Name: var right } => IsNameChain(left) && _plainSourceTypes.Contains(right.Identifier.ValueText),
        AliasQualifiedNameSyntax aliased => _plainSourceTypes.Contains(aliased.Name.Identifier.ValueText),
        _ => false,
    };

    private static bool IsNameChain(ExpressionSyntax expression) => expression switch
    {
        SimpleNameSyntax or AliasQualifiedNameSyntax => true,
        MemberAccessExpressionSyntax access => IsNameChain(access.Expression),
        _ => false,
    };

    /// <summary>The name of the method a call invokes as written (<c>RunAsync</c> in <c>pool?.RunAsync&lt;T&gt;(...)</c>).</summary>
    internal static string? InvokedName(ExpressionSyntax expression) => expression switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        _ => null,
    };

    /// <summary>The rightmost simple name of a type as written (<c>FileStream</c> in <c>System.IO.FileStream?</c>).</summary>
    internal static string? RightmostName(TypeSyntax? type) => type switch
    {
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
        NullableTypeSyntax nullable => RightmostName(nullable.ElementType),
        _ => null,
    };

    /// <summary>One walk over the declarations of a compilation (namespaces and types, never member bodies).</summary>
    private sealed class DeclarationScan
    {
        public List<UsingAlias> Aliases { get; } = new();

        /// <summary>Types declared here that cannot derive from XmlWriter: records, structs, enums, interfaces, classes without a base list.</summary>
        public HashSet<string> Plain { get; } = new(System.StringComparer.Ordinal);

        /// <summary>Types declared here that may (a class with a base list) and delegates: never treated as plain.</summary>
        public HashSet<string> NotPlain { get; } = new(System.StringComparer.Ordinal);

        public void Add(SyntaxList<UsingDirectiveSyntax> usings, SyntaxList<MemberDeclarationSyntax> members)
        {
            foreach (var directive in usings)
            {
                if (directive.Alias is { } alias && RightmostName(directive.NamespaceOrType) is { } target)
                {
                    Aliases.Add(new UsingAlias(alias.Name.Identifier.ValueText, target));
                }
            }

            AddMembers(members);
        }

        private void AddMembers(SyntaxList<MemberDeclarationSyntax> members)
        {
            foreach (var member in members)
            {
                switch (member)
                {
                    case BaseNamespaceDeclarationSyntax ns:
                        Add(ns.Usings, ns.Members);
                        break;
                    case ClassDeclarationSyntax { BaseList: not null } derived:
                        NotPlain.Add(derived.Identifier.ValueText);
                        AddMembers(derived.Members);
                        break;
                    case RecordDeclarationSyntax record when record.IsKind(SyntaxKind.RecordDeclaration) && record.BaseList is { Types.Count: > 0 }:
                        // A record class may derive from another record only, never from XmlWriter; still, stay safe.
                        NotPlain.Add(record.Identifier.ValueText);
                        AddMembers(record.Members);
                        break;
                    case TypeDeclarationSyntax type:
                        Plain.Add(type.Identifier.ValueText);
                        AddMembers(type.Members);
                        break;
                    case EnumDeclarationSyntax @enum:
                        Plain.Add(@enum.Identifier.ValueText);
                        break;
                    case DelegateDeclarationSyntax @delegate:
                        NotPlain.Add(@delegate.Identifier.ValueText);
                        break;
                }
            }
        }
    }
}
