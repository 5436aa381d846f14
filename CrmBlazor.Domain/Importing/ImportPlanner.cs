using CrmBlazor.Domain.Customers;

namespace CrmBlazor.Domain.Importing;

/// <summary>The import options of R3.5 and R3.6.</summary>
public sealed record ImportOptions
{
    /// <summary>A row whose code matches an existing customer overwrites it (the file's values are added to it).</summary>
    public bool OverwriteByCode { get; init; }

    /// <summary>A row whose phone or email matches an existing customer updates it; otherwise it is skipped.</summary>
    public bool UpdateExisting { get; init; }

    /// <summary>Owners of new customers: empty means "I am the owner"; else shared out evenly (round robin) among these users.</summary>
    public IReadOnlyList<string> OwnerRotation { get; init; } = [];
}

/// <summary>A customer already in the database that a row may match.</summary>
/// <summary>A customer already stored that a row may match. <paramref name="Visible"/> false: the user may not see it, and an
/// error about it must not tell them anything about it (no code, phone or email of it).</summary>
public sealed record ExistingCustomer(int Id, bool Editable, bool IsDeleted = false, bool Visible = true);

/// <summary>The existing customers the rows of a file match, by code, E.164 phone and lower-case email.</summary>
public sealed class ExistingCustomers
{
    public Dictionary<string, ExistingCustomer> ByCode { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, ExistingCustomer> ByPhone { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ExistingCustomer> ByEmail { get; } = new(StringComparer.Ordinal);
}

public enum ImportAction
{
    Ignore,
    Create,
    Update,
    Skip,
    Fail,
    AddContact,
}

/// <summary>Codes of the reasons a row is skipped.</summary>
public static class ImportSkipReasons
{
    public const string CodeExists = "code-exists";
    public const string CustomerExists = "customer-exists";
    public const string DuplicateInFile = "duplicate-in-file";
    public const string CustomerAboveSkipped = "customer-above-skipped";
}

/// <summary>
/// What happens to a row. An update or an added contact targets an existing customer (<see cref="ExistingId"/>) or a
/// customer an earlier row of the same file creates (<see cref="TargetIndex"/>, the index of that row).
/// </summary>
public sealed record ImportDecision(ImportAction Action, int? ExistingId = null, int? TargetIndex = null, string? SkipReason = null,
    int? DuplicateOfRow = null)
{
    public static readonly ImportDecision Ignore = new(ImportAction.Ignore);

    /// <summary>A plain new customer: one shared instance (a decision is immutable; most rows of a big sheet are this).</summary>
    public static readonly ImportDecision Create = new(ImportAction.Create);
}

/// <summary>
/// Decides, before anything is written, what each row does (R3.5): create, update, skip or fail; continuation rows add
/// a contact to the customer above (R3.4). Duplicates inside the file are treated like duplicates in the database:
/// a later row matching an earlier one by code, phone or email updates the customer that row creates (when updates
/// are allowed) or is skipped.
/// </summary>
public static class ImportPlanner
{
    private sealed record Target(int? ExistingId, int? RowIndex, int RowNumber, bool Editable, bool Visible = true);

    public static IReadOnlyList<ImportDecision> Plan(IReadOnlyList<ParsedRow> rows, ExistingCustomers existing, ImportOptions options)
    {
        var decisions = new ImportDecision[rows.Count];
        var codes = new Dictionary<string, Target>(StringComparer.OrdinalIgnoreCase);
        var phones = new Dictionary<string, Target>(StringComparer.Ordinal);
        var emails = new Dictionary<string, Target>(StringComparer.Ordinal);
        ImportDecision? lastCustomer = null;
        var lastCustomerIndex = -1;

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Kind == ImportRowKind.Blank)
            {
                decisions[i] = ImportDecision.Ignore;
                continue;
            }

            if (row.Kind == ImportRowKind.ContactOnly)
            {
                decisions[i] = ContactRow(row, lastCustomer, lastCustomerIndex);
                continue;
            }

            lastCustomerIndex = i;
            lastCustomer = CustomerRow(i, row, existing, options, codes, phones, emails);
            decisions[i] = lastCustomer;
        }

        return decisions;
    }

    private static ImportDecision ContactRow(ParsedRow row, ImportDecision? above, int aboveIndex)
    {
        if (above is null)
        {
            row.Errors.Add(new ImportRowError(ImportErrorCodes.NoCustomerAbove, ImportField.ContactName));
            return new ImportDecision(ImportAction.Fail);
        }

        if (!row.IsValid)
        {
            return new ImportDecision(ImportAction.Fail);
        }

        return above.Action switch
        {
            ImportAction.Create => new ImportDecision(ImportAction.AddContact, TargetIndex: aboveIndex),
            ImportAction.Update => new ImportDecision(ImportAction.AddContact, above.ExistingId, above.TargetIndex),
            ImportAction.Skip => new ImportDecision(ImportAction.Skip, SkipReason: ImportSkipReasons.CustomerAboveSkipped),
            _ => Fail(row, ImportErrorCodes.CustomerAboveFailed),
        };
    }

    private static ImportDecision CustomerRow(int i, ParsedRow row, ExistingCustomers existing, ImportOptions options,
        Dictionary<string, Target> codes, Dictionary<string, Target> phones, Dictionary<string, Target> emails)
    {
        if (!row.IsValid)
        {
            return new ImportDecision(ImportAction.Fail);
        }

        Target? target = null;
        var byCode = false;
        if (row.Code is { } code)
        {
            if (codes.TryGetValue(code, out var t))
            {
                target = t;
            }
            else if (existing.ByCode.TryGetValue(code, out var e))
            {
                if (e.IsDeleted)
                {
                    return Fail(row, ImportErrorCodes.CodeInTrash, ImportField.Code, code);
                }

                target = new Target(e.Id, null, 0, e.Editable, e.Visible);
            }

            byCode = target is not null;
        }

        target ??= Find(row.Phone, phones, existing.ByPhone) ?? Find(row.Email, emails, existing.ByEmail);

        ImportDecision decision;
        if (target is null)
        {
            decision = ImportDecision.Create;
            target = new Target(null, i, row.RowNumber, true);
        }
        else if (!(byCode ? options.OverwriteByCode : options.UpdateExisting))
        {
            return new ImportDecision(ImportAction.Skip, target.ExistingId, target.RowIndex,
                target.RowIndex is not null ? ImportSkipReasons.DuplicateInFile : byCode ? ImportSkipReasons.CodeExists : ImportSkipReasons.CustomerExists,
                target.RowIndex is not null ? target.RowNumber : null);
        }
        else if (!target.Visible)
        {
            // Names nothing: neither the value that matched nor the customer (issue 20: no existence oracle beyond "a customer").
            return Fail(row, ImportErrorCodes.NotVisible, byCode ? ImportField.Code : ImportField.Phone, null);
        }
        else if (!target.Editable)
        {
            return Fail(row, ImportErrorCodes.NotEditable, byCode ? ImportField.Code : ImportField.Phone, byCode ? row.Code : row.Phone ?? row.Email);
        }
        else
        {
            decision = new ImportDecision(ImportAction.Update, target.ExistingId, target.RowIndex,
                DuplicateOfRow: target.RowIndex is not null ? target.RowNumber : null);
        }

        if (row.Code is { } c && decision.Action == ImportAction.Create)
        {
            codes.TryAdd(c, target);
        }

        if (row.Phone is { } p)
        {
            phones.TryAdd(p, target);
        }

        if (row.Email is { } m)
        {
            emails.TryAdd(m, target);
        }

        return decision;
    }

    private static Target? Find(string? key, Dictionary<string, Target> inFile, Dictionary<string, ExistingCustomer> db)
    {
        if (key is null)
        {
            return null;
        }

        if (inFile.TryGetValue(key, out var t))
        {
            return t;
        }

        return db.TryGetValue(key, out var e) && !e.IsDeleted ? new Target(e.Id, null, 0, e.Editable, e.Visible) : null;
    }

    private static ImportDecision Fail(ParsedRow row, string code, ImportField field = ImportField.Name, string? value = null)
    {
        row.Errors.Add(new ImportRowError(code, field, value));
        return new ImportDecision(ImportAction.Fail);
    }
}
