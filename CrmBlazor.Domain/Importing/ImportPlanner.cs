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

    /// <summary>
    /// Values of the file that match no relationship, source or group, each mapped by the user to an existing one (the
    /// check step's unknown values, R3.3): rows naming them are taken as naming it.
    /// </summary>
    public IReadOnlyList<ImportValueMapping> ValueMappings { get; init; } = [];
}

/// <summary>The reference lists a cell must name an existing entry of (R3.3).</summary>
public enum ImportValueKind
{
    Relationship,
    Source,
    Group,
}

/// <summary>A value of the file (<paramref name="Value"/>) taken as the existing entry named <paramref name="Target"/>.</summary>
public sealed record ImportValueMapping(ImportValueKind Kind, string Value, string Target);

/// <summary>A value of the file that names no existing entry, with how many rows name it.</summary>
public sealed record ImportUnknownValue(ImportValueKind Kind, string Value, int Rows)
{
    /// <summary>Every distinct unknown value of these rows (case and diacritics folded), most rows first.</summary>
    public static IReadOnlyList<ImportUnknownValue> Of(IEnumerable<ParsedRow> rows)
    {
        var found = new Dictionary<(ImportValueKind, string), (string Value, int Rows)>();
        foreach (var row in rows)
        {
            HashSet<(ImportValueKind, string)>? seen = null;
            foreach (var e in row.Errors)
            {
                ImportValueKind? kind = e.Code switch
                {
                    ImportErrorCodes.RelationshipUnknown => ImportValueKind.Relationship,
                    ImportErrorCodes.SourceUnknown => ImportValueKind.Source,
                    ImportErrorCodes.GroupUnknown => ImportValueKind.Group,
                    _ => null,
                };
                if (kind is not { } k || e.Value is null || !(seen ??= []).Add((k, Common.SearchKey.Fold(e.Value))))
                {
                    continue;
                }

                var key = (k, Common.SearchKey.Fold(e.Value));
                found[key] = found.TryGetValue(key, out var f) ? (f.Value, f.Rows + 1) : (e.Value, 1);
            }
        }

        return found.Select(kv => new ImportUnknownValue(kv.Key.Item1, kv.Value.Value, kv.Value.Rows))
            .OrderBy(u => u.Kind).ThenByDescending(u => u.Rows).ThenBy(u => u.Value, StringComparer.Ordinal).ToList();
    }
}

/// <summary>A customer already stored that a row may match. <paramref name="Visible"/> false: the user may not see it, and an
/// error about it must not tell them anything about it (no code, phone or email of it). <paramref name="Name"/> and
/// <paramref name="Code"/> name it in a row's reason (only when visible).</summary>
public sealed record ExistingCustomer(int Id, bool Editable, bool IsDeleted = false, bool Visible = true, string? Name = null, string? Code = null);

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
/// <paramref name="ByCode"/>: the row matched its customer by code (an overwrite, R3.5), not by phone or e-mail.
public sealed record ImportDecision(ImportAction Action, int? ExistingId = null, int? TargetIndex = null, string? SkipReason = null,
    int? DuplicateOfRow = null, bool ByCode = false)
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
    /// <param name="Label">How a reason names it: "Name (code)" of a visible customer, "Name (#row)" of a row above; null: not visible.</param>
    /// <param name="Failed">A row of the file that failed: a later row matching it fails too, tied to it, instead of standing in for it.</param>
    private sealed record Target(int? ExistingId, int? RowIndex, int RowNumber, bool Editable, bool Visible = true, string? Label = null, bool Failed = false)
    {
        public bool Same(Target other) =>
            ExistingId is { } id ? id == other.ExistingId : RowIndex is { } index && index == other.RowIndex;
    }

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
            row.ResetPlan();
            if (row.Kind == ImportRowKind.Blank)
            {
                decisions[i] = ImportDecision.Ignore;
                continue;
            }

            if (row.Kind == ImportRowKind.ContactOnly)
            {
                decisions[i] = ContactRow(row, lastCustomer, lastCustomerIndex < 0 ? 0 : rows[lastCustomerIndex].RowNumber, lastCustomerIndex);
                continue;
            }

            lastCustomerIndex = i;
            lastCustomer = CustomerRow(i, row, existing, options, codes, phones, emails);
            decisions[i] = lastCustomer;
        }

        return decisions;
    }

    private static ImportDecision ContactRow(ParsedRow row, ImportDecision? above, int aboveRowNumber, int aboveIndex)
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
            _ => Fail(row, ImportErrorCodes.CustomerAboveFailed, ImportField.ContactName, Row(aboveRowNumber)),
        };
    }

    private static ImportDecision CustomerRow(int i, ParsedRow row, ExistingCustomers existing, ImportOptions options,
        Dictionary<string, Target> codes, Dictionary<string, Target> phones, Dictionary<string, Target> emails)
    {
        var decision = Decide(i, row, existing, options, codes, phones, emails, out var target);
        if (decision.Action == ImportAction.Fail)
        {
            // Its code, phone and e-mail stay taken by the failed row: a later row with them fails too, tied to it.
            target = new Target(null, i, row.RowNumber, false, Failed: true);
        }
        else if (target is null)
        {
            return decision;
        }

        if (row.Code is { } c && decision.Action is ImportAction.Create or ImportAction.Fail)
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

    private static ImportDecision Decide(int i, ParsedRow row, ExistingCustomers existing, ImportOptions options,
        Dictionary<string, Target> codes, Dictionary<string, Target> phones, Dictionary<string, Target> emails, out Target? target)
    {
        target = null;
        Target? byCode = null;
        ExistingCustomer? inTrash = null;
        if (row.Code is { } code)
        {
            if (codes.TryGetValue(code, out var t))
            {
                byCode = t;
            }
            else if (existing.ByCode.TryGetValue(code, out var e))
            {
                if (e.IsDeleted)
                {
                    inTrash = e;
                }
                else
                {
                    byCode = Existing(e);
                }
            }
        }

        // R2.6c: a row overwriting a customer found by its code needs neither phone nor e-mail (change stage by upload).
        if (row.LacksPhoneAndEmail && !(options.OverwriteByCode && byCode is { Failed: false }))
        {
            row.Errors.Add(new ImportRowError(ImportErrorCodes.PhoneOrEmailRequired, ImportField.Phone));
        }

        if (!row.IsValid)
        {
            return new ImportDecision(ImportAction.Fail);
        }

        if (inTrash is not null)
        {
            return Fail(row, ImportErrorCodes.CodeInTrash, ImportField.Code, row.Code);
        }

        target = byCode;
        var field = ImportField.Code;
        if (target is null)
        {
            var byPhone = Find(row.Phone, phones, existing.ByPhone);
            var byEmail = Find(row.Email, emails, existing.ByEmail);
            if (byPhone is { Failed: false } && byEmail is { Failed: false } && !byPhone.Same(byEmail))
            {
                // Updating the first would give it the second's e-mail: two customers would share it.
                return Fail(row, ImportErrorCodes.PhoneEmailConflict, ImportField.Email, byPhone.Label, byEmail.Label);
            }

            // A failed row's phone or e-mail wins over a match elsewhere: the row must not stand in for it.
            (target, field) = byPhone is { Failed: true } ? (byPhone, ImportField.Phone)
                : byEmail is { Failed: true } ? (byEmail, ImportField.Email)
                : byPhone is not null ? (byPhone, ImportField.Phone) : (byEmail, ImportField.Email);
        }

        if (target is { Failed: true } failed)
        {
            target = null;
            return Fail(row, ImportErrorCodes.DuplicateOfFailed, field, Row(failed.RowNumber));
        }

        var matchedByCode = byCode is not null;
        if (target is null)
        {
            target = new Target(null, i, row.RowNumber, true, Label: $"{row.Details!.Name} (#{Row(row.RowNumber)})");
            return ImportDecision.Create;
        }

        if (!(matchedByCode ? options.OverwriteByCode : options.UpdateExisting))
        {
            var skip = new ImportDecision(ImportAction.Skip, target.ExistingId, target.RowIndex,
                target.RowIndex is not null ? ImportSkipReasons.DuplicateInFile : matchedByCode ? ImportSkipReasons.CodeExists : ImportSkipReasons.CustomerExists,
                target.RowIndex is not null ? target.RowNumber : null);
            target = null;
            return skip;
        }

        if (!target.Visible)
        {
            // Names nothing: neither the value that matched nor the customer (issue 20: no existence oracle beyond "a customer").
            target = null;
            return Fail(row, ImportErrorCodes.NotVisible, matchedByCode ? ImportField.Code : ImportField.Phone, null);
        }

        if (!target.Editable)
        {
            target = null;
            return Fail(row, ImportErrorCodes.NotEditable, matchedByCode ? ImportField.Code : ImportField.Phone, matchedByCode ? row.Code : row.Phone ?? row.Email);
        }

        return new ImportDecision(ImportAction.Update, target.ExistingId, target.RowIndex,
            DuplicateOfRow: target.RowIndex is not null ? target.RowNumber : null, ByCode: matchedByCode);
    }

    private static string Row(int rowNumber) => rowNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Target Existing(ExistingCustomer e) =>
        new(e.Id, null, 0, e.Editable, e.Visible, e.Visible && e.Name is not null ? (e.Code is null ? e.Name : $"{e.Name} ({e.Code})") : null);

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

        return db.TryGetValue(key, out var e) && !e.IsDeleted ? Existing(e) : null;
    }

    private static ImportDecision Fail(ParsedRow row, string code, ImportField field = ImportField.Name, string? value = null, string? other = null)
    {
        row.Errors.Add(new ImportRowError(code, field, value, Other: other));
        return new ImportDecision(ImportAction.Fail);
    }
}
