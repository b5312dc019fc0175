namespace AgentOs.Sdk.Checkpoints;

/// <summary>The outcome of checking an <see cref="EvidencePack"/>: verified only if the pack is not empty and every item held.</summary>
public sealed class EvidenceVerificationResult
{
    internal const string EmptyPackError = "The evidence pack is empty: a checkpoint needs at least one piece of evidence to be verified";

    internal EvidenceVerificationResult(IReadOnlyList<EvidenceItemResult> items, DateTimeOffset checkedAt)
    {
        Items = items;
        CheckedAt = checkedAt;
        if (items.Count == 0)
        {
            Error = EmptyPackError;
            return;
        }

        List<EvidenceItemResult>? failed = null;
        foreach (var item in items)
        {
            if (!item.Passed)
            {
                (failed ??= []).Add(item);
            }
        }

        IsVerified = failed is null;
        if (failed is not null)
        {
            Error = $"{failed.Count} of {items.Count} evidence items failed: " + string.Join("; ", failed.Select(item => $"{item.Evidence.Describe()}: {item.Error}"));
        }
    }

    /// <summary>Whether the pack is not empty and every item held.</summary>
    public bool IsVerified { get; }

    /// <summary>Why verification failed (the empty pack, or each failed item with its reason); null when verified.</summary>
    public string? Error { get; }

    /// <summary>Each item's outcome, in the pack's order.</summary>
    public IReadOnlyList<EvidenceItemResult> Items { get; }

    /// <summary>When the evidence was checked, by the manager's clock.</summary>
    public DateTimeOffset CheckedAt { get; }
}
