namespace CrmBlazor.Domain.Customers;

/// <summary>
/// One merge of a customer into another (R6.4), kept so that it can be undone for <see cref="UndoDays"/> days: which rows
/// moved from the merged customer to the survivor (ids per table, <see cref="MovedJson"/>) and which survivor fields the
/// merge overwrote, with their values before (<see cref="SurvivorChangesJson"/>). The merged customer stays hidden, not
/// purged, while the record can be undone; after that the trash job purges both.
/// </summary>
public sealed class CustomerMergeRecord
{
    /// <summary>How long a merge can be undone.</summary>
    public const int UndoDays = 30;

    private CustomerMergeRecord()
    {
        MergedById = MovedJson = SurvivorChangesJson = MergedName = string.Empty;
    }

    public CustomerMergeRecord(int survivorId, int mergedId, string mergedName, string mergedById, DateTime utcNow, string movedJson, string survivorChangesJson)
    {
        SurvivorId = survivorId;
        MergedId = mergedId;
        MergedName = mergedName;
        MergedById = mergedById;
        MergedAt = utcNow;
        ExpiresAt = utcNow.AddDays(UndoDays);
        MovedJson = movedJson;
        SurvivorChangesJson = survivorChangesJson;
    }

    public int Id { get; private set; }
    public int SurvivorId { get; private set; }
    public int MergedId { get; private set; }
    /// <summary>The merged customer's name at the time (shown on the survivor's page: "merged from …").</summary>
    public string MergedName { get; private set; }
    public string MergedById { get; private set; }
    public DateTime MergedAt { get; private set; }
    public DateTime ExpiresAt { get; private set; }
    /// <summary>The rows that moved, by table (see CrmBlazor's CustomerMerge.Moved).</summary>
    public string MovedJson { get; private set; }
    /// <summary>The survivor's fields the merge changed: field, value before, value the merge set.</summary>
    public string SurvivorChangesJson { get; private set; }
    public DateTime? UndoneAt { get; private set; }
    public string? UndoneById { get; private set; }

    public bool CanUndo(DateTime utcNow) => UndoneAt is null && utcNow < ExpiresAt;

    public void MarkUndone(string userId, DateTime utcNow)
    {
        UndoneAt = utcNow;
        UndoneById = userId;
    }
}

/// <summary>What made a group of customers look like duplicates.</summary>
public enum DuplicateKind
{
    /// <summary>The same normalised phone.</summary>
    Phone = 1,
    /// <summary>The same e-mail.</summary>
    Email = 2,
    /// <summary>The same folded name (no case, no diacritics) and the same tax code.</summary>
    NameAndTaxCode = 3,
}

/// <summary>
/// A group of likely duplicates someone marked as "not duplicates". Remembered for the whole company, not per user: it is
/// a fact about the data that one person's review settles for everyone. It holds while the group has the same members;
/// a customer joining the group brings it back.
/// </summary>
public sealed class DuplicateDismissal
{
    private DuplicateDismissal()
    {
        Key = MemberIds = DismissedById = string.Empty;
    }

    public DuplicateDismissal(DuplicateKind kind, string key, IEnumerable<int> memberIds, string dismissedById, DateTime utcNow)
    {
        Kind = kind;
        Key = key;
        var ids = memberIds.Distinct().Order().ToList();
        MemberIds = string.Join(',', ids);
        MemberCount = ids.Count;
        DismissedById = dismissedById;
        DismissedAt = utcNow;
    }

    public int Id { get; private set; }
    public DuplicateKind Kind { get; private set; }
    /// <summary>The shared value: the phone, the e-mail, or "name key|tax code".</summary>
    public string Key { get; private set; }
    /// <summary>The members when dismissed, sorted, comma-separated.</summary>
    public string MemberIds { get; private set; }
    public int MemberCount { get; private set; }
    public string DismissedById { get; private set; }
    public DateTime DismissedAt { get; private set; }

    /// <summary>Whether the dismissal still covers a group with these members (none has joined since).</summary>
    public bool Covers(IEnumerable<int> memberIds)
    {
        var dismissed = MemberIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        return memberIds.All(dismissed.Contains);
    }
}
