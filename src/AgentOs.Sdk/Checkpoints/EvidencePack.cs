using System.Collections;
using System.Runtime.CompilerServices;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// The evidence that a checkpoint's step really happened: an immutable list of <see cref="Evidence"/> items, all of
/// which must hold for the checkpoint to be verified. An empty pack is never verified (the peer counted it as verified).
/// </summary>
/// <example>
/// <code>
/// EvidencePack evidence = [new CommandExitEvidence("dotnet test", exitCode), new ArtifactExistsEvidence("out/report.json")];
/// </code>
/// </example>
[CollectionBuilder(typeof(EvidencePack), nameof(Create))]
public sealed class EvidencePack : IReadOnlyList<Evidence>
{
    private readonly Evidence[] _items;

    /// <summary>Creates a pack of the given items, in order.</summary>
    /// <exception cref="ArgumentException">An item is null.</exception>
    public EvidencePack(IEnumerable<Evidence> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = [.. items];
        for (var i = 0; i < _items.Length; i++)
        {
            if (_items[i] is null)
            {
                throw new ArgumentException($"Evidence item {i} is null.", nameof(items));
            }
        }
    }

    /// <summary>A pack with no evidence: a checkpoint with it is recorded, but never verified.</summary>
    public static EvidencePack Empty { get; } = new([]);

    /// <summary>The number of items.</summary>
    public int Count => _items.Length;

    /// <summary>Whether the pack has no items (and so can never be verified).</summary>
    public bool IsEmpty => _items.Length == 0;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public Evidence this[int index] => _items[index];

    /// <summary>Creates a pack of the given items (also what a collection expression <c>[...]</c> calls).</summary>
    public static EvidencePack Create(ReadOnlySpan<Evidence> items) => new(items.ToArray());

    /// <summary>Returns a new pack with <paramref name="evidence"/> appended; this pack is unchanged.</summary>
    public EvidencePack Add(Evidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return new EvidencePack([.. _items, evidence]);
    }

    /// <inheritdoc />
    public IEnumerator<Evidence> GetEnumerator() => ((IEnumerable<Evidence>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The items as an array (a copy is not needed: the pack never changes it).</summary>
    internal Evidence[] AsArray() => _items;
}
