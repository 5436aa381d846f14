using System.Globalization;
using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

/// <summary>Which value a merge keeps for a field both customers fill.</summary>
public enum MergePick
{
    Survivor,
    Merged,
}

/// <summary>
/// Fold <see cref="MergedId"/> into <see cref="SurvivorId"/>. <see cref="Picks"/> names the fields (change-log names,
/// custom fields "cf:{id}") where the merged customer's value wins; other fields both fill stay the survivor's. The
/// versions, when given, are those the user saw: a change since refuses the merge.
/// </summary>
public sealed record MergeRequest(int SurvivorId, int MergedId, IReadOnlyDictionary<string, MergePick>? Picks = null,
    int? SurvivorVersion = null, int? MergedVersion = null);

public enum MergeStatus
{
    Done,
    /// <summary>The user lacks a right (R7.4): edit on the survivor, delete on the merged customer.</summary>
    Denied,
    /// <summary>One of the customers is gone, hidden from the user, in the trash or merged already.</summary>
    NotFound,
    /// <summary>Someone changed one of them (or merged it) meanwhile; nothing was done.</summary>
    Conflict,
    /// <summary>A rule was broken (merging a customer into itself, a pick that breaks R1.4); nothing was done.</summary>
    Invalid,
}

public sealed record MergeResult(MergeStatus Status, int? MergeId = null, string? ErrorCode = null, string? Reason = null)
{
    public const string ConflictCode = "merge.conflict";
    public const string NotFoundCode = "merge.not-found";
    public const string DeniedCode = "merge.denied";
    public const string ExpiredCode = "merge.expired";
}

/// <summary>One field in the merge dialog: the display text of each side (null when empty).</summary>
public sealed record MergeFieldView(string Field, string Label, string? SurvivorValue, string? MergedValue)
{
    /// <summary>Both hold a value and they differ: the user picks.</summary>
    public bool NeedsPick => SurvivorValue is not null && MergedValue is not null && SurvivorValue != MergedValue;

    /// <summary>Only the merged customer holds a value: it moves to the survivor.</summary>
    public bool Fills => SurvivorValue is null && MergedValue is not null;
}

/// <summary>A customer as the merge dialog and the duplicate finder show it.</summary>
public sealed record MergeCustomer(int Id, string? Code, string Name, string? Phone, string? Email, string? OwnerName, int Version, DateTime CreatedAt);

/// <summary>What a merge of two customers would do: the fields side by side and how many rows would move.</summary>
public sealed record MergePreview(MergeCustomer Survivor, MergeCustomer Merged, IReadOnlyList<MergeFieldView> Fields,
    IReadOnlyList<MergeFieldView> Kept, int Contacts, int Comments, int Groups, bool CanMerge);

/// <summary>A merge into a customer that can still be undone (shown on the survivor's page).</summary>
public sealed record MergeView(int Id, int SurvivorId, int MergedId, string MergedName, string? MergedByName, DateTime MergedAt, DateTime ExpiresAt);

public enum UnmergeStatus
{
    Done,
    Denied,
    /// <summary>No merge that can be undone (undone already, expired, or not visible).</summary>
    NotFound,
    Conflict,
}

/// <summary>
/// An unmerge's outcome: how many rows went back per table, and what was left alone because it changed since the merge
/// (as an import's undo reports), each as a table or field and a short reason.
/// </summary>
public sealed record UnmergeResult(UnmergeStatus Status, int? MergedId = null, IReadOnlyDictionary<string, int>? Restored = null,
    IReadOnlyList<UnmergeLeftAlone>? LeftAlone = null, string? Reason = null);

/// <summary>What an unmerge did not put back, and why.</summary>
public sealed record UnmergeLeftAlone(string What, string Why);

public sealed partial class CustomerService
{
    public const string OriginMerge = "customer-merge";

    /// <summary>The change-log field of a merge on the survivor (new value: the merged customer's code and name).</summary>
    public const string MergedField = "Merged";

    /// <summary>The change-log field of an unmerge on the survivor.</summary>
    public const string UnmergedField = "Unmerged";

    /// <summary>The two customers side by side for the merge dialog; null when either is not visible to the user.</summary>
    public async Task<MergePreview?> MergePreviewAsync(UserAccess user, int survivorId, int mergedId, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pair = await CustomerScope.Apply(db.Customers.Where(c => (c.Id == survivorId || c.Id == mergedId) && !c.IsDeleted), db, user)
            .Include(c => c.CustomValues).AsNoTracking().ToListAsync(ct);
        var survivor = pair.FirstOrDefault(c => c.Id == survivorId);
        var merged = pair.FirstOrDefault(c => c.Id == mergedId);
        if (survivor is null || merged is null || survivorId == mergedId)
        {
            return null;
        }

        var fields = await db.CustomFields.Where(f => !f.IsDeleted).OrderBy(f => f.Position).Select(f => new { f.Id, f.Name }).ToListAsync(ct);
        var sourceIds = pair.Select(c => c.SourceId).OfType<int>().ToList();
        var sources = await db.Sources.Where(s => sourceIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        var ownerIds = pair.Select(c => c.OwnerId).OfType<string>().ToList();
        var owners = await db.StaffProfiles.Where(p => ownerIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.FullName, ct);
        string? Display(Customer c, string field)
        {
            var raw = CustomerMerge.ValueOf(c, field);
            return field switch
            {
                _ when raw is null => null,
                nameof(Customer.Phone) => PhoneNormalizer.ToDisplay(raw),
                nameof(Customer.SourceId) => sources.GetValueOrDefault(c.SourceId!.Value, raw),
                nameof(Customer.OwnerId) => owners.GetValueOrDefault(raw, raw),
                nameof(Customer.Gender) => GenderWords.ToVietnamese(c.Gender),
                _ => raw,
            };
        }

        var views = CustomerMerge.PickableFields.Select(f => new MergeFieldView(f, f, Display(survivor, f), Display(merged, f)))
            .Concat(fields.Select(f => (Key: Customer.CustomFieldKey(f.Id), f.Name))
                .Select(f => new MergeFieldView(f.Key, f.Name, Display(survivor, f.Key), Display(merged, f.Key))))
            .Where(v => v.SurvivorValue is not null || v.MergedValue is not null)
            .ToList();
        var referrer = await db.Customers.Where(c => c.Id == merged.ReferrerCustomerId || c.Id == survivor.ReferrerCustomerId)
            .ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var referrerUsers = await db.StaffProfiles.Where(p => p.Id == merged.ReferrerUserId || p.Id == survivor.ReferrerUserId)
            .ToDictionaryAsync(p => p.Id, p => p.FullName, ct);
        string? Referrer(Customer c) => c.ReferrerCustomerId is int rc ? referrer.GetValueOrDefault(rc) : c.ReferrerUserId is { } ru ? referrerUsers.GetValueOrDefault(ru) : null;
        var stages = await db.Relationships.Where(r => r.Id == survivor.RelationshipId || r.Id == merged.RelationshipId).ToDictionaryAsync(r => r.Id, r => r.Name, ct);
        MergeFieldView[] kept =
        [
            new(nameof(Customer.Code), nameof(Customer.Code), survivor.Code, merged.Code),
            new(nameof(Customer.Name), nameof(Customer.Name), survivor.Name, merged.Name),
            new(nameof(Customer.AvatarUrl), nameof(Customer.AvatarUrl), survivor.AvatarUrl, merged.AvatarUrl),
            new("Referrer", "Referrer", Referrer(survivor), Referrer(merged)),
            new(nameof(Customer.RelationshipId), nameof(Customer.RelationshipId), stages.GetValueOrDefault(survivor.RelationshipId), stages.GetValueOrDefault(merged.RelationshipId)),
        ];
        var canMerge = user.Has(Rights.CustomersEdit) && user.Has(Rights.CustomersDelete);
        MergeCustomer Side(Customer c) => new(c.Id, c.Code, c.Name, c.Phone, c.Email, c.OwnerId is null ? null : owners.GetValueOrDefault(c.OwnerId), c.Version, c.CreatedAt);
        return new MergePreview(Side(survivor), Side(merged), views, kept,
            await db.Contacts.CountAsync(x => x.CustomerId == mergedId, ct),
            await db.Comments.CountAsync(x => x.CustomerId == mergedId, ct),
            await db.CustomerGroupMembers.CountAsync(x => x.CustomerId == mergedId, ct), canMerge);
    }

    /// <summary>
    /// Merges two customers (R6.4), reversibly for <see cref="CustomerMergeRecord.UndoDays"/> days. Needs edit on the
    /// survivor and delete on the merged customer, both visible to the user (R7.4). Code, name, avatar, referrer and
    /// relationship stay the survivor's; its empty fields take the merged customer's values and picked fields its values;
    /// contacts, comments (authors and times kept), change log and mentions move; groups, related users, custom values and
    /// read markers the survivor lacks are copied; customers referred by the merged one point at the survivor. The merged
    /// customer is hidden, not purged. One transaction; both customers' versions are checked in it, so of two merges
    /// touching one customer at once one wins and the other is refused with <see cref="MergeStatus.Conflict"/>.
    /// </summary>
    public async Task<MergeResult> MergeAsync(UserAccess user, MergeRequest request, string origin = OriginDetail, CancellationToken ct = default)
    {
        if (!user.Has(Rights.CustomersAccess) || !user.Has(Rights.CustomersEdit) || !user.Has(Rights.CustomersDelete))
        {
            return new MergeResult(MergeStatus.Denied, ErrorCode: MergeResult.DeniedCode,
                Reason: "Merging needs the edit right on the customer kept and the delete right on the one merged into it.");
        }

        if (request.SurvivorId == request.MergedId)
        {
            return new MergeResult(MergeStatus.Invalid, ErrorCode: RuleCodes.MergeSelf, Reason: "A customer cannot be merged into itself.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var pair = await CustomerScope.Apply(db.Customers.Where(c => c.Id == request.SurvivorId || c.Id == request.MergedId), db, user)
            .Include(c => c.CustomValues).Include(c => c.Groups).Include(c => c.RelatedUsers).ToListAsync(ct);
        var survivor = pair.FirstOrDefault(c => c.Id == request.SurvivorId);
        var merged = pair.FirstOrDefault(c => c.Id == request.MergedId);
        if (survivor is null || merged is null)
        {
            return new MergeResult(MergeStatus.NotFound, ErrorCode: MergeResult.NotFoundCode, Reason: "One of the customers does not exist or you may not see it.");
        }

        if (survivor.IsDeleted || merged.IsDeleted)
        {
            var gone = survivor.IsDeleted ? survivor : merged;
            return new MergeResult(MergeStatus.Conflict, ErrorCode: MergeResult.ConflictCode, Reason: gone.MergedIntoId is null
                ? $"{gone.Name} is in the trash."
                : $"{gone.Name} has just been merged into another customer.");
        }

        if ((request.SurvivorVersion is int sv && sv != survivor.Version) || (request.MergedVersion is int mv && mv != merged.Version))
        {
            return new MergeResult(MergeStatus.Conflict, ErrorCode: MergeResult.ConflictCode,
                Reason: "One of the customers was changed meanwhile; look at them again before merging.");
        }

        // The UPDATEs of both customers carry "WHERE Version = loaded": a merge or an edit committed meanwhile refuses this one.
        db.Entry(survivor).Property(c => c.Version).OriginalValue = survivor.Version;
        db.Entry(merged).Property(c => c.Version).OriginalValue = merged.Version;
        var now = UtcNow;
        var uid = user.UserId;
        var survivorChanges = new List<FieldChange>();
        try
        {
            var fields = CustomerMerge.PickableFields.Concat(merged.CustomValues.Select(v => Customer.CustomFieldKey(v.FieldId))).ToList();
            foreach (var field in fields)
            {
                var mine = CustomerMerge.ValueOf(survivor, field);
                var theirs = CustomerMerge.ValueOf(merged, field);
                var pick = request.Picks?.GetValueOrDefault(field) ?? MergePick.Survivor;
                if (theirs is not null && (mine is null || pick == MergePick.Merged))
                {
                    survivorChanges.AddRange(CustomerMerge.Set(survivor, field, theirs, uid, now));
                }
            }
        }
        catch (DomainException ex)
        {
            return new MergeResult(MergeStatus.Invalid, ErrorCode: ex.Code, Reason: ex.Message);
        }

        var moved = await MoveRowsAsync(db, survivor, merged, ct);
        var groupsBefore = string.Join(',', survivor.Groups.Select(g => g.GroupId));
        survivor.SetGroups(survivor.Groups.Select(g => g.GroupId).Concat(moved.Groups).ToList());
        if (moved.Groups.Count > 0)
        {
            survivorChanges.Add(new FieldChange("Groups", groupsBefore, string.Join(',', survivor.Groups.Select(g => g.GroupId))));
        }

        survivorChanges.AddRange(survivor.SetRelatedUsers(survivor.RelatedUsers.Select(r => r.UserId).Concat(moved.RelatedUsers).ToList()));
        survivor.AbsorbActivity(merged.LastContactAt, merged.InteractionCount);
        moved = moved with { LastContactAfter = survivor.LastContactAt };
        var mergedNote = string.IsNullOrEmpty(merged.Code) ? merged.Name : $"{merged.Code} {merged.Name}";
        FieldChange mergedLine = new(MergedField, null, mergedNote);
        survivor.RecordChanges([mergedLine], uid, now);
        Log(db, survivor.Id, uid, now, [.. survivorChanges, mergedLine], OriginMerge);
        Log(db, merged.Id, uid, now, merged.FoldInto(survivor.Id, uid, now), OriginMerge);
        var record = new CustomerMergeRecord(survivor.Id, merged.Id, merged.Name, uid, now, CustomerMerge.Serialize(moved),
            CustomerMerge.Serialize(survivorChanges.Where(c => c.Field != "Groups" && c.Field != Customer.RelatedUserField).ToList()));
        db.CustomerMerges.Add(record);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            await tx.RollbackAsync(ct);
            return new MergeResult(MergeStatus.Conflict, ErrorCode: MergeResult.ConflictCode,
                Reason: "One of the customers was changed or merged by someone else meanwhile; nothing was merged.");
        }

        logger?.LogInformation("User {User} merged customer {Merged} into {Survivor} from the {Origin}.", user.UserName, merged.Id, survivor.Id, origin);
        Publish(new CustomerChanged(merged.Id, ChangeKinds.Merged, uid, CustomerChange.All, merged.Version));
        Publish(new CustomerChanged(survivor.Id, ChangeKinds.Updated, uid, CustomerChange.All, survivor.Version));
        if (moved.ReferredCustomers.Count > 0)
        {
            Publish(new CustomersChanged(moved.ReferredCustomers, ChangeKinds.Updated, uid, CustomerChange.Links));
        }

        foreach (var related in moved.RelatedUsers)
        {
            Publish(new UnreadChanged(related));
        }

        return new MergeResult(MergeStatus.Done, record.Id);
    }

    /// <summary>Moves (or copies) the merged customer's rows to the survivor, set-based, and says exactly which.</summary>
    private static async Task<MergeMoved> MoveRowsAsync(CrmDbContext db, Customer survivor, Customer merged, CancellationToken ct)
    {
        int s = survivor.Id, m = merged.Id;
        var contacts = await db.Contacts.Where(x => x.CustomerId == m).Select(x => new { x.Id, x.IsPrimary }).ToListAsync(ct);
        var survivorHasPrimary = await db.Contacts.AnyAsync(x => x.CustomerId == s && x.IsPrimary, ct);
        var demoted = survivorHasPrimary ? contacts.Where(x => x.IsPrimary).Select(x => x.Id).ToList() : [];
        var comments = await db.Comments.Where(x => x.CustomerId == m).Select(x => x.Id).ToListAsync(ct);
        var log = await db.ChangeLog.Where(x => x.CustomerId == m).Select(x => x.Id).ToListAsync(ct);
        var notifications = await db.Notifications.Where(x => x.CustomerId == m).Select(x => x.Id).ToListAsync(ct);
        var orders = await db.Orders.Where(x => x.CustomerId == m).Select(x => x.Id).ToListAsync(ct);
        var referred = await db.Customers.Where(x => x.ReferrerCustomerId == m && x.Id != s).Select(x => x.Id).ToListAsync(ct);
        var survivorMarkers = db.StreamReadMarkers.Where(x => x.CustomerId == s).Select(x => x.UserId);
        var markers = await db.StreamReadMarkers.Where(x => x.CustomerId == m && !survivorMarkers.Contains(x.UserId))
            .Select(x => new MarkerCopy(x.UserId, x.ReadAt)).ToListAsync(ct);

        await db.Contacts.Where(x => x.CustomerId == m).ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, s), ct);
        if (demoted.Count > 0)
        {
            await db.Contacts.Where(x => demoted.Contains(x.Id)).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsPrimary, false), ct);
        }

        await db.Comments.Where(x => x.CustomerId == m).ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, s), ct);
        await db.ChangeLog.Where(x => x.CustomerId == m).ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, s), ct);
        // The survivor's stage changes now interleave with the merged one's: their stays are read from the log again.
        await StageStays.RebuildAsync(db, [s, m], ct);
        await db.Notifications.Where(x => x.CustomerId == m).ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, s), ct);
        await MoveOrdersAsync(db, orders, m, s, ct);
        if (referred.Count > 0)
        {
            await db.Customers.Where(x => referred.Contains(x.Id))
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.ReferrerCustomerId, s).SetProperty(x => x.Version, x => x.Version + 1), ct);
        }

        foreach (var marker in markers)
        {
            db.StreamReadMarkers.Add(new StreamReadMarker(marker.UserId, s, marker.ReadAt));
        }

        return new MergeMoved
        {
            Contacts = contacts.Select(x => x.Id).ToList(),
            DemotedContacts = demoted,
            Comments = comments,
            ChangeLog = log,
            Notifications = notifications,
            Orders = orders,
            Groups = merged.Groups.Select(g => g.GroupId).Where(g => survivor.Groups.All(x => x.GroupId != g)).ToList(),
            RelatedUsers = merged.RelatedUsers.Select(r => r.UserId).Where(u => survivor.RelatedUsers.All(x => x.UserId != u)).ToList(),
            ReadMarkers = markers,
            ReferredCustomers = referred,
            Interactions = merged.InteractionCount,
            LastContactBefore = survivor.LastContactAt,
        };
    }

    /// <summary>
    /// Moves the orders <paramref name="ids"/> still on <paramref name="from"/> to <paramref name="to"/> with their paid value
    /// (R6.4, R4.4), in SQL as every payment does; returns how many moved. Each moved order's version goes up: a payment or
    /// an edit that read the order before the move conflicts and reads it again, so its value lands on the order's new
    /// customer instead of the one it read. The value is summed after the move, so a payment committed meanwhile moves too.
    /// </summary>
    private static async Task<int> MoveOrdersAsync(CrmDbContext db, IReadOnlyCollection<long> ids, int from, int to, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return 0;
        }

        var moved = await PayingOrders.WriteAsync(db, [from, to], () => db.Orders.Where(x => ids.Contains(x.Id) && x.CustomerId == from)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, to).SetProperty(x => x.Version, x => x.Version + 1), ct), ct);
        var paid = await db.Orders.Where(x => ids.Contains(x.Id) && x.CustomerId == to).Select(x => new { x.Status, x.AmountPaid }).ToListAsync(ct);
        var value = paid.Sum(o => Domain.Orders.Order.Contributes(o.Status, o.AmountPaid));
        if (value != 0)
        {
            await db.Customers.Where(c => c.Id == from).ExecuteUpdateAsync(u => u.SetProperty(c => c.TotalPaid, c => c.TotalPaid - value), ct);
            await db.Customers.Where(c => c.Id == to).ExecuteUpdateAsync(u => u.SetProperty(c => c.TotalPaid, c => c.TotalPaid + value), ct);
        }

        return moved;
    }

    /// <summary>Merges into this customer that can still be undone, newest first.</summary>
    public async Task<IReadOnlyList<MergeView>> MergesIntoAsync(UserAccess user, int survivorId, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await CustomerScope.CanSee(db, user, survivorId, includeTrashed: false, ct))
        {
            return [];
        }

        var now = UtcNow;
        return await db.CustomerMerges.Where(r => r.SurvivorId == survivorId && r.UndoneAt == null && r.ExpiresAt > now)
            .OrderByDescending(r => r.MergedAt)
            .Select(r => new MergeView(r.Id, r.SurvivorId, r.MergedId, r.MergedName,
                db.StaffProfiles.Where(p => p.Id == r.MergedById).Select(p => p.FullName).FirstOrDefault(), r.MergedAt, r.ExpiresAt))
            .ToListAsync(ct);
    }

    /// <summary>The customer a hidden customer was merged into (the detail page follows it), when the user may see both.</summary>
    public async Task<int?> MergedIntoAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var into = await CustomerScope.Apply(db.Customers.Where(c => c.Id == id && c.MergedIntoId != null), db, user)
            .Select(c => c.MergedIntoId).FirstOrDefaultAsync(ct);
        return into is int s && await CustomerScope.CanSee(db, user, s, includeTrashed: false, ct) ? s : null;
    }

    /// <summary>
    /// Undoes a merge within its time (R6.4): the merged customer comes back with exactly the rows that came from it, and
    /// the survivor's fields the merge set get their old values. Whatever changed since the merge (a field edited, a
    /// moved contact deleted, a copied group left) is left alone and reported, as an import's undo does.
    /// Needs the same rights as the merge.
    /// </summary>
    public async Task<UnmergeResult> UnmergeAsync(UserAccess user, int mergeId, CancellationToken ct = default)
    {
        if (!user.Has(Rights.CustomersAccess) || !user.Has(Rights.CustomersEdit) || !user.Has(Rights.CustomersDelete))
        {
            return new UnmergeResult(UnmergeStatus.Denied, Reason: "Unmerging needs the edit and the delete rights.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = UtcNow;
        var record = await db.CustomerMerges.SingleOrDefaultAsync(r => r.Id == mergeId, ct);
        if (record is null || !record.CanUndo(now))
        {
            return new UnmergeResult(UnmergeStatus.NotFound, Reason: record is null ? "There is no such merge." : record.UndoneAt is not null
                ? "This merge has been undone already."
                : $"A merge can be undone for {CustomerMergeRecord.UndoDays} days; this one is older.");
        }

        var survivor = await CustomerScope.Apply(db.Customers.Where(c => c.Id == record.SurvivorId && !c.IsDeleted), db, user)
            .Include(c => c.CustomValues).Include(c => c.Groups).Include(c => c.RelatedUsers).SingleOrDefaultAsync(ct);
        var merged = await CustomerScope.Apply(db.Customers.Where(c => c.Id == record.MergedId && c.MergedIntoId == record.SurvivorId), db, user)
            .SingleOrDefaultAsync(ct);
        if (survivor is null || merged is null)
        {
            return new UnmergeResult(UnmergeStatus.NotFound,
                Reason: "The customer kept is in the trash, merged into another customer, or not visible to you; undo that first.");
        }

        db.Entry(survivor).Property(c => c.Version).OriginalValue = survivor.Version;
        db.Entry(merged).Property(c => c.Version).OriginalValue = merged.Version;
        var uid = user.UserId;
        var moved = CustomerMerge.Deserialize<MergeMoved>(record.MovedJson);
        var changes = CustomerMerge.Deserialize<List<FieldChange>>(record.SurvivorChangesJson);
        var restored = new Dictionary<string, int>(StringComparer.Ordinal);
        var leftAlone = new List<UnmergeLeftAlone>();
        var survivorLog = new List<FieldChange>();

        // The survivor's fields: back to the old value where the merge's value is still there.
        foreach (var change in changes)
        {
            if (!string.Equals(CustomerMerge.ValueOf(survivor, change.Field), change.NewValue, StringComparison.Ordinal))
            {
                leftAlone.Add(new UnmergeLeftAlone(change.Field, "changed since the merge"));
                continue;
            }

            try
            {
                survivorLog.AddRange(CustomerMerge.Set(survivor, change.Field, change.OldValue, uid, now));
                restored["Customer fields"] = restored.GetValueOrDefault("Customer fields") + 1;
            }
            catch (DomainException)
            {
                leftAlone.Add(new UnmergeLeftAlone(change.Field, "putting the old value back would break a rule (a phone or an email)"));
            }
        }

        var groupsBefore = string.Join(',', survivor.Groups.Select(g => g.GroupId));
        var groupsBack = moved.Groups.Where(g => survivor.Groups.Any(x => x.GroupId == g)).ToList();
        Note(restored, leftAlone, "Groups", groupsBack.Count, moved.Groups.Count, "left by the customer kept since the merge");
        if (groupsBack.Count > 0)
        {
            survivor.SetGroups(survivor.Groups.Select(g => g.GroupId).Except(groupsBack).ToList());
            survivorLog.Add(new FieldChange("Groups", groupsBefore, string.Join(',', survivor.Groups.Select(g => g.GroupId))));
        }

        var relatedBack = moved.RelatedUsers.Where(u => survivor.RelatedUsers.Any(x => x.UserId == u)).ToList();
        Note(restored, leftAlone, "Related users", relatedBack.Count, moved.RelatedUsers.Count, "removed since the merge");
        survivorLog.AddRange(survivor.SetRelatedUsers(survivor.RelatedUsers.Select(r => r.UserId).Except(relatedBack).ToList()));

        int s = survivor.Id, m = merged.Id;
        var contacts = await db.Contacts.Where(x => moved.Contacts.Contains(x.Id) && x.CustomerId == s).ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, m), ct);
        Note(restored, leftAlone, "Contacts", contacts, moved.Contacts.Count, "deleted since the merge");
        if (moved.DemotedContacts.Count > 0)
        {
            await db.Contacts.Where(x => moved.DemotedContacts.Contains(x.Id) && x.CustomerId == m).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsPrimary, true), ct);
        }

        await EnsureOnePrimaryAsync(db, s, ct);
        await EnsureOnePrimaryAsync(db, m, ct);
        var comments = await db.Comments.Where(x => moved.Comments.Contains(x.Id) && x.CustomerId == s).ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, m), ct);
        Note(restored, leftAlone, "Comments", comments, moved.Comments.Count, "deleted since the merge");
        var log = await db.ChangeLog.Where(x => moved.ChangeLog.Contains(x.Id) && x.CustomerId == s).ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, m), ct);
        Note(restored, leftAlone, "Change log", log, moved.ChangeLog.Count, "gone since the merge");
        await StageStays.RebuildAsync(db, [s, m], ct);
        var mentions = await db.Notifications.Where(x => moved.Notifications.Contains(x.Id) && x.CustomerId == s).ExecuteUpdateAsync(u => u.SetProperty(x => x.CustomerId, m), ct);
        Note(restored, leftAlone, "Mentions", mentions, moved.Notifications.Count, "dismissed since the merge");
        var orders = await MoveOrdersAsync(db, moved.Orders, s, m, ct);
        Note(restored, leftAlone, "Orders", orders, moved.Orders.Count, "deleted since the merge");
        var referred = await db.Customers.Where(x => moved.ReferredCustomers.Contains(x.Id) && x.ReferrerCustomerId == s)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.ReferrerCustomerId, m).SetProperty(x => x.Version, x => x.Version + 1), ct);
        Note(restored, leftAlone, "Referred customers", referred, moved.ReferredCustomers.Count, "given another referrer since the merge");
        var markers = 0;
        foreach (var marker in moved.ReadMarkers)
        {
            // A marker the user moved on since (they read the survivor's stream) is theirs now.
            markers += await db.StreamReadMarkers.Where(x => x.UserId == marker.UserId && x.CustomerId == s && x.ReadAt == marker.ReadAt).ExecuteDeleteAsync(ct);
        }

        // A marker the user moved on is not worth a line in the report: reading is not a change anyone needs told about.
        Note(restored, [], "Read markers", markers, moved.ReadMarkers.Count, string.Empty);
        survivor.GiveBackActivity(moved.LastContactBefore, moved.LastContactAfter, moved.Interactions);

        FieldChange unmergedLine = new(UnmergedField, null, string.IsNullOrEmpty(merged.Code) ? merged.Name : $"{merged.Code} {merged.Name}");
        survivor.RecordChanges([unmergedLine], uid, now);
        Log(db, s, uid, now, [.. survivorLog, unmergedLine], OriginMerge);
        Log(db, m, uid, now, merged.Unfold(uid, now), OriginMerge);
        record.MarkUndone(uid, now);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            await tx.RollbackAsync(ct);
            return new UnmergeResult(UnmergeStatus.Conflict, Reason: "The customer was changed by someone else meanwhile; try again.");
        }

        logger?.LogInformation("User {User} undid the merge of customer {Merged} into {Survivor}.", user.UserName, m, s);
        Publish(new CustomerChanged(m, ChangeKinds.Unmerged, uid, CustomerChange.All, merged.Version));
        Publish(new CustomerChanged(s, ChangeKinds.Updated, uid, CustomerChange.All, survivor.Version));
        if (referred > 0)
        {
            Publish(new CustomersChanged(moved.ReferredCustomers, ChangeKinds.Updated, uid, CustomerChange.Links));
        }

        return new UnmergeResult(UnmergeStatus.Done, m, restored, leftAlone);
    }

    private static void Note(Dictionary<string, int> restored, List<UnmergeLeftAlone> leftAlone, string what, int back, int moved, string why)
    {
        if (back > 0)
        {
            restored[what] = back;
        }

        if (moved > back)
        {
            leftAlone.Add(new UnmergeLeftAlone(what, string.Create(CultureInfo.InvariantCulture, $"{moved - back} {why}")));
        }
    }

    /// <summary>A customer with contacts has exactly one primary (R1.2) after rows moved between customers.</summary>
    private static async Task EnsureOnePrimaryAsync(CrmDbContext db, int customerId, CancellationToken ct)
    {
        var contacts = await db.Contacts.Where(x => x.CustomerId == customerId).OrderBy(x => x.Id).Select(x => new { x.Id, x.IsPrimary }).ToListAsync(ct);
        if (contacts.Count == 0 || contacts.Count(x => x.IsPrimary) == 1)
        {
            return;
        }

        var keep = contacts.FirstOrDefault(x => x.IsPrimary)?.Id ?? contacts[0].Id;
        await db.Contacts.Where(x => x.CustomerId == customerId).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsPrimary, x => x.Id == keep), ct);
    }
}
