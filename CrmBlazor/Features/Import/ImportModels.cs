using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Importing;

namespace CrmBlazor.Features.Import;

/// <summary>A row the check or the import could not take, with its reasons.</summary>
public sealed record FailedRow(int Index, int RowNumber, IReadOnlyList<ImportRowError> Errors);

/// <summary>The check step (R3.2): what the import would do, computed before anything is written.</summary>
public sealed record ImportCheck(int Create, int Update, int Skip, int Fail, int ContactsAdded, IReadOnlyList<FailedRow> FailedRows,
    IReadOnlyList<(int RowNumber, string Reason, int? DuplicateOfRow)> SkippedRows)
{
    /// <summary>Relationship, source and group values of the file that name no existing entry, with their row counts.</summary>
    public IReadOnlyList<ImportUnknownValue> UnknownValues { get; init; } = [];

    /// <summary>Phones written in the pre-2018 eleven-digit numbering, converted to the current one (R3.3).</summary>
    public int PhonesConverted { get; init; }

    internal IReadOnlyList<ParsedRow> Rows { get; set; } = [];
    internal IReadOnlyList<ImportDecision> Decisions { get; set; } = [];

    /// <summary>What the rows were parsed from: an import of the same sheet, mapping and reference data reuses them.</summary>
    internal (ImportSheet Sheet, ImportField[] Mapping, string Lookups)? ParsedFrom { get; init; }

    internal bool Parsed(ImportSheet sheet, IReadOnlyList<ImportField> mapping, string lookups) =>
        Rows.Count == sheet.Rows.Count && ParsedFrom is { } from && ReferenceEquals(from.Sheet, sheet) && from.Mapping.SequenceEqual(mapping) && from.Lookups == lookups;
}

/// <summary>What an import did (R3.2 result summary).</summary>
public sealed record ImportResult(int BatchId, int Created, int Updated, int Skipped, int Failed, int ContactsAdded, ImportCheck Check);

public sealed record ImportProgress(int Done, int Total);

public sealed record ImportBatchView(int Id, string UserName, string FileName, DateTime StartedAt, DateTime? FinishedAt, int Created, int Updated,
    int Skipped, int Failed, int ContactsAdded, DateTime? UndoneAt, int UndoLeftAlone, bool CanUndo);

public sealed record UndoResult(int Removed, int Restored, IReadOnlyList<int> LeftAlone)
{
    /// <summary>The first <see cref="ImportHistory.KeptListed"/> customers left alone that the user may see, with why.</summary>
    public IReadOnlyList<UndoKept> Kept { get; init; } = [];
}

/// <summary>A customer an undo left alone: changed after the import, or named by another customer as its referrer.</summary>
public sealed record UndoKept(int Id, string Name, bool NamedAsReferrer);

/// <summary>Reference data for templates, the mapping and the options step.</summary>
public sealed record ImportReference(IReadOnlyList<string> Relationships, IReadOnlyList<string> Sources, IReadOnlyList<string> Groups,
    IReadOnlyList<(string Id, string Login, string FullName)> Owners)
{
    /// <summary>The custom fields a column may go to (R1.3), not deleted, in their order.</summary>
    public IReadOnlyList<CustomFieldDefinition> CustomFields { get; init; } = [];
}
