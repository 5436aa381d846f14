using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.CustomerDetail;

public sealed record ContactView(int Id, string? Salutation, string Name, string? Phone, string? Email, DateOnly? Birthday, Gender Gender, string? Note, bool IsPrimary);

public sealed record PersonRef(string Id, string FullName, string UserName);

public sealed record CustomerRef(int Id, string? Code, string Name);

public sealed record OptionRef(int Id, string Name, string Color);

public sealed record CustomerDetailView(
    int Id, string? Code, string Name, string? Phone, string? Email, string? Address, DateOnly? Birthday, Gender Gender,
    string? TaxCode, string? Country, string? Province, string? District, string? Website, string? Industry,
    int RelationshipId, string RelationshipName, string RelationshipColor, string? OwnerId, string? OwnerName,
    string? SourceName, IReadOnlyList<string> Groups, CustomerRef? ReferrerCustomer, PersonRef? ReferrerUser,
    DateTime CreatedAt, string? CreatedByName, DateTime UpdatedAt, string? UpdatedByName, DateTime? LastContactAt,
    int InteractionCount, decimal TotalPaid, int Version,
    IReadOnlyList<ContactView> Contacts, IReadOnlyList<PersonRef> RelatedUsers, IReadOnlyList<CustomerRef> Referrals,
    bool CanEdit, bool CanDelete);

/// <summary>Thrown when the customer changed since the user loaded it (optimistic concurrency).</summary>
public sealed class CustomerConflictException(string? changedBy, DateTime changedAt) : Exception("Someone else changed this customer.")
{
    public string? ChangedBy { get; } = changedBy;
    public DateTime ChangedAt { get; } = changedAt;
}

/// <summary>
/// The customer detail (R4.1): one customer the user may see, with contacts, related users and referrals; in-place
/// changes of relationship and owner with the edit right, the version the user saw, a change log and a live event.
/// </summary>
public sealed class CustomerDetailService(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus bus, TimeProvider clock)
{
    public async Task<CustomerDetailView?> GetAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await CustomerScope.Apply(db.Customers.Where(x => x.Id == id && !x.IsDeleted), db, user)
            .Include(x => x.Contacts).Include(x => x.Groups).Include(x => x.RelatedUsers)
            .AsNoTracking().AsSplitQuery().SingleOrDefaultAsync(ct);
        if (c is null)
        {
            return null;
        }

        var rel = await db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => new { r.Name, r.Color }).SingleAsync(ct);
        var peopleIds = new[] { c.OwnerId, c.CreatedById, c.UpdatedById, c.ReferrerUserId }.OfType<string>().Concat(c.RelatedUsers.Select(r => r.UserId)).Distinct().ToList();
        var people = await db.StaffProfiles.Where(p => peopleIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => new PersonRef(p.Id, p.FullName, p.UserName), ct);
        var groupIds = c.Groups.Select(g => g.GroupId).ToList();
        var groups = await db.CustomerGroups.Where(g => groupIds.Contains(g.Id)).OrderBy(g => g.Name).Select(g => g.Name).ToListAsync(ct);
        var source = c.SourceId is null ? null : await db.Sources.Where(s => s.Id == c.SourceId).Select(s => s.Name).SingleOrDefaultAsync(ct);
        var referrer = c.ReferrerCustomerId is null ? null
            : await CustomerScope.Visible(db, user).Where(x => x.Id == c.ReferrerCustomerId).Select(x => new CustomerRef(x.Id, x.Code, x.Name)).SingleOrDefaultAsync(ct);
        var referrals = await CustomerScope.Visible(db, user).Where(x => x.ReferrerCustomerId == c.Id)
            .OrderBy(x => x.NameKey).Take(200).Select(x => new CustomerRef(x.Id, x.Code, x.Name)).ToListAsync(ct);

        PersonRef? P(string? pid) => pid is not null && people.TryGetValue(pid, out var p) ? p : null;
        return new CustomerDetailView(c.Id, c.Code, c.Name, c.Phone, c.Email, c.Address, c.Birthday, c.Gender, c.TaxCode, c.Country, c.Province,
            c.District, c.Website, c.Industry, c.RelationshipId, rel.Name, rel.Color, c.OwnerId, P(c.OwnerId)?.FullName, source, groups,
            referrer, P(c.ReferrerUserId), c.CreatedAt, P(c.CreatedById)?.FullName, c.UpdatedAt, P(c.UpdatedById)?.FullName, c.LastContactAt,
            c.InteractionCount, c.TotalPaid, c.Version,
            c.Contacts.OrderByDescending(x => x.IsPrimary).ThenBy(x => x.Id)
                .Select(x => new ContactView(x.Id, x.Salutation, x.Name, x.Phone, x.Email, x.Birthday, x.Gender, x.Note, x.IsPrimary)).ToList(),
            c.RelatedUsers.Select(r => P(r.UserId)).OfType<PersonRef>().OrderBy(p => p.FullName).ToList(),
            referrals, user.Has(Rights.CustomersEdit), user.Has(Rights.CustomersDelete));
    }

    public async Task<IReadOnlyList<OptionRef>> RelationshipsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => new OptionRef(r.Id, r.Name, r.Color)).ToListAsync(ct);
    }

    /// <summary>Active staff who can own a customer.</summary>
    public async Task<IReadOnlyList<PersonRef>> OwnersAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.StaffProfiles.Where(p => p.IsActive).OrderBy(p => p.FullName).Select(p => new PersonRef(p.Id, p.FullName, p.UserName)).ToListAsync(ct);
    }

    public Task<int> ChangeRelationshipAsync(UserAccess user, int id, int relationshipId, int seenVersion, CancellationToken ct = default) =>
        ChangeAsync(user, id, seenVersion, async (db, c, now) =>
        {
            if (!await db.Relationships.AnyAsync(r => r.Id == relationshipId && !r.IsDeleted, ct))
            {
                throw new ArgumentException("No such relationship.");
            }

            return c.MoveTo(relationshipId, user.UserId, now);
        }, ct);

    public Task<int> ChangeOwnerAsync(UserAccess user, int id, string? ownerId, int seenVersion, CancellationToken ct = default) =>
        ChangeAsync(user, id, seenVersion, async (db, c, now) =>
        {
            if (ownerId is not null && !await db.StaffProfiles.AnyAsync(p => p.Id == ownerId && p.IsActive, ct))
            {
                throw new ArgumentException("No such active user.");
            }

            return c.AssignOwner(ownerId, user.UserId, now);
        }, ct);

    /// <summary>Moves the customer to the trash (R6.1) with the delete right.</summary>
    public async Task TrashAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        if (!user.Has(Rights.CustomersDelete))
        {
            throw new AccessDeniedException("You may not delete customers.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await CustomerScope.Apply(db.Customers.Where(x => x.Id == id && !x.IsDeleted), db, user).SingleOrDefaultAsync(ct)
            ?? throw new AccessDeniedException("You may not see this customer.");
        var now = clock.GetUtcNow().UtcDateTime;
        c.MoveToTrash(user.UserId, now);
        db.ChangeLog.Add(new ChangeLogEntry(c.Id, user.UserId, now, new FieldChange(nameof(Customer.IsDeleted), "false", "true"), "detail"));
        await db.SaveChangesAsync(ct);
        await bus.PublishAsync(new CustomerChanged(c.Id, ChangeKinds.Trashed, user.UserId), ct);
    }

    private async Task<int> ChangeAsync(UserAccess user, int id, int seenVersion,
        Func<CrmDbContext, Customer, DateTime, Task<IReadOnlyList<FieldChange>>> change, CancellationToken ct)
    {
        if (!user.Has(Rights.CustomersEdit))
        {
            throw new AccessDeniedException("You may not edit customers.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await CustomerScope.Apply(db.Customers.Where(x => x.Id == id && !x.IsDeleted), db, user).SingleOrDefaultAsync(ct)
            ?? throw new AccessDeniedException("You may not see this customer.");
        if (c.Version != seenVersion)
        {
            throw await ConflictAsync(db, c, ct);
        }

        // The save carries the version the user saw; a concurrent save makes this one fail.
        db.Entry(c).Property(x => x.Version).OriginalValue = seenVersion;
        var now = clock.GetUtcNow().UtcDateTime;
        var changes = await change(db, c, now);
        if (changes.Count == 0)
        {
            return c.Version;
        }

        foreach (var fieldChange in changes)
        {
            db.ChangeLog.Add(new ChangeLogEntry(c.Id, user.UserId, now, fieldChange, "detail"));
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            await using var fresh = await dbFactory.CreateDbContextAsync(ct);
            var current = await fresh.Customers.AsNoTracking().SingleAsync(x => x.Id == id, ct);
            throw await ConflictAsync(fresh, current, ct);
        }

        await bus.PublishAsync(new CustomerChanged(c.Id, ChangeKinds.Updated, user.UserId), ct);
        return c.Version;
    }

    private static async Task<CustomerConflictException> ConflictAsync(CrmDbContext db, Customer current, CancellationToken ct)
    {
        var by = current.UpdatedById is null ? null : await db.StaffProfiles.Where(p => p.Id == current.UpdatedById).Select(p => p.FullName).SingleOrDefaultAsync(ct);
        return new CustomerConflictException(by, current.UpdatedAt);
    }
}
