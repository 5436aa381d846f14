namespace CrmBlazor.Domain.Importing;

/// <summary>One import (R3, history and undo): who, when, which file, what happened.</summary>
public sealed class ImportBatch
{
    /// <summary>How long an import can be undone.</summary>
    public static readonly TimeSpan UndoWindow = TimeSpan.FromDays(30);

    private ImportBatch()
    {
        UserId = string.Empty;
        FileName = string.Empty;
    }

    public ImportBatch(string userId, string fileName, DateTime utcNow)
    {
        UserId = userId;
        FileName = fileName.Length > 260 ? fileName[..260] : fileName;
        StartedAt = utcNow;
    }

    public int Id { get; private set; }
    public string UserId { get; private set; }
    public string FileName { get; private set; }
    public DateTime StartedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public int Created { get; private set; }
    public int Updated { get; private set; }
    public int Skipped { get; private set; }
    public int Failed { get; private set; }
    public int ContactsAdded { get; private set; }
    public DateTime? UndoneAt { get; private set; }
    public string? UndoneById { get; private set; }
    /// <summary>Customers the undo left alone because someone changed them after the import.</summary>
    public int UndoLeftAlone { get; private set; }

    public void Finish(int created, int updated, int skipped, int failed, int contactsAdded, DateTime utcNow)
    {
        Created = created;
        Updated = updated;
        Skipped = skipped;
        Failed = failed;
        ContactsAdded = contactsAdded;
        FinishedAt = utcNow;
    }

    public bool CanUndo(DateTime utcNow) => UndoneAt is null && FinishedAt is not null && utcNow - StartedAt <= UndoWindow;

    public void MarkUndone(string userId, int leftAlone, DateTime utcNow)
    {
        if (!CanUndo(utcNow))
        {
            throw new InvalidOperationException("This import can no longer be undone.");
        }

        UndoneAt = utcNow;
        UndoneById = userId;
        UndoLeftAlone = leftAlone;
    }
}

/// <summary>A customer an import created or updated; for an update, its values before (JSON) to restore on undo.</summary>
public sealed class ImportBatchItem
{
    private ImportBatchItem()
    {
    }

    public ImportBatchItem(int batchId, int customerId, bool created, int versionAfter, string? previousJson)
    {
        BatchId = batchId;
        CustomerId = customerId;
        Created = created;
        VersionAfter = versionAfter;
        PreviousJson = previousJson;
    }

    public long Id { get; private set; }
    public int BatchId { get; private set; }
    public int CustomerId { get; private set; }
    public bool Created { get; private set; }
    /// <summary>The customer's version when the import finished: undo leaves it alone if it changed since.</summary>
    public int VersionAfter { get; set; }
    public string? PreviousJson { get; private set; }
}

/// <summary>The column mapping a user chose last time, remembered for their next import (header key → field).</summary>
public sealed class ImportMappingMemory
{
    private ImportMappingMemory()
    {
        UserId = string.Empty;
        Json = "{}";
    }

    public ImportMappingMemory(string userId, string json, DateTime utcNow)
    {
        UserId = userId;
        Json = json;
        UpdatedAt = utcNow;
    }

    public string UserId { get; private set; }
    public string Json { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    public void Set(string json, DateTime utcNow)
    {
        Json = json;
        UpdatedAt = utcNow;
    }
}
