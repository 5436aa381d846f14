using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Admin;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Admin;

/// <summary>
/// Random organisations (department trees up to depth 6, users in random departments and groups with random rights,
/// some deactivated; customers with random owners, creators, trash state and related users) and a plain in-memory
/// evaluation of R7.3 that never looks at Department.Path (it walks ParentId links), compared with
/// <see cref="CustomerScope"/> for list, count and single-customer access.
/// </summary>
internal sealed class ScopeOracle(IDbContextFactory<CrmDbContext> factory, int seed)
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<int, int?> _parentOf = [];
    private readonly Dictionary<string, (int Department, int Group, bool Active)> _users = [];
    private readonly Dictionary<int, Rights> _groupRights = [];
    private readonly List<(int Id, string? Owner, string? Creator, bool Deleted)> _customers = [];
    private readonly HashSet<(int Customer, string User)> _related = [];
    private string _adminId = string.Empty;

    public int Checks { get; private set; }

    public List<string> Mismatches { get; } = [];

    public async Task SeedAsync(int departments, int users, int customers)
    {
        await using var db = await factory.CreateDbContextAsync();
        var relationship = new Relationship("Mới", "#43A047", null, 0, isDefault: true);
        db.Relationships.Add(relationship);
        var root = new Department("Công ty");
        db.Departments.Add(root);
        await db.SaveChangesAsync();
        root.RefreshPath(null);
        var all = new List<Department> { root };
        _parentOf[root.Id] = null;
        for (var i = 1; i < departments; i++)
        {
            // A random parent whose depth is below 6, so the tree reaches depth 6 but no further.
            var candidates = all.Where(d => d.Depth < 6).ToList();
            var parent = candidates[_random.Next(candidates.Count)];
            var d = new Department($"Phòng {i}", parent);
            db.Departments.Add(d);
            await db.SaveChangesAsync();
            d.RefreshPath(parent.Path);
            all.Add(d);
            _parentOf[d.Id] = parent.Id;
        }

        var groups = new List<PermissionGroup> { new("Quản trị", Rights.All, isBuiltInAdministrators: true) };
        for (var g = 0; g < 7; g++)
        {
            var rights = (Rights)_random.Next(0, (int)Rights.All + 1);
            // Most groups can open customers; a few cannot (they must see nothing).
            if (_random.Next(6) != 0)
            {
                rights |= Rights.CustomersAccess;
            }

            groups.Add(new PermissionGroup($"Nhóm {seed}-{g}", rights));
        }

        db.PermissionGroups.AddRange(groups);
        await db.SaveChangesAsync();
        foreach (var g in groups)
        {
            _groupRights[g.Id] = g.Rights;
        }

        for (var i = 0; i < users; i++)
        {
            var login = $"u{seed}-{i}";
            var account = new AppUser { UserName = login, NormalizedUserName = login.ToUpperInvariant() };
            db.Users.Add(account);
            var group = i == 0 ? groups[0] : groups[_random.Next(1, groups.Count)];
            var department = all[_random.Next(all.Count)];
            var profile = new StaffProfile(account.Id, login, $"Nhân viên {i}", department.Id, group.Id);
            var active = i == 0 || _random.Next(10) != 0;
            if (!active)
            {
                profile.Deactivate();
            }

            db.StaffProfiles.Add(profile);
            _users[account.Id] = (department.Id, group.Id, active);
            if (i == 0)
            {
                _adminId = account.Id;
            }
        }

        await db.SaveChangesAsync();
        var ids = _users.Keys.ToList();
        var now = DateTime.UtcNow;
        var created = new List<Customer>();
        for (var i = 0; i < customers; i++)
        {
            var owner = _random.Next(6) == 0 ? null : ids[_random.Next(ids.Count)];
            var creator = _random.Next(8) == 0 ? null : ids[_random.Next(ids.Count)];
            var c = Customer.Create(new CustomerDetails { Name = $"Khách {i}", Phone = $"09{_random.Next(10_000_000, 99_999_999)}" }, relationship.Id, owner, creator, now);
            if (_random.Next(8) == 0)
            {
                c.MoveToTrash(creator, now);
            }

            created.Add(c);
        }

        db.Customers.AddRange(created);
        await db.SaveChangesAsync();
        foreach (var c in created)
        {
            _customers.Add((c.Id, c.OwnerId, c.CreatedById, c.IsDeleted));
            var relatedCount = _random.Next(4) == 0 ? _random.Next(1, 4) : 0;
            for (var r = 0; r < relatedCount; r++)
            {
                var user = ids[_random.Next(ids.Count)];
                if (_related.Add((c.Id, user)))
                {
                    db.CustomerRelatedUsers.Add(new CustomerRelatedUser(c.Id, user));
                }
            }
        }

        await db.SaveChangesAsync();
    }

    /// <summary>Moves random departments under random other ones through the real service (paths of whole subtrees change).</summary>
    public async Task MoveRandomDepartmentsAsync(int moves)
    {
        var admin = await CurrentUser.LoadAsync(factory, _adminId) ?? throw new InvalidOperationException("No oracle admin.");
        var service = new OrganizationService(factory, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance));
        var done = 0;
        while (done < moves)
        {
            var movable = _parentOf.Keys.Where(id => _parentOf[id] is not null).ToList();
            var id = movable[_random.Next(movable.Count)];
            var targets = _parentOf.Keys.Where(t => !IsSameOrBelow(t, id)).ToList();
            var target = targets[_random.Next(targets.Count)];
            await service.MoveDepartmentAsync(admin, id, target);
            _parentOf[id] = target;
            done++;
        }
    }

    /// <summary>Compares list, count and single access for every active user (single access on a random sample).</summary>
    public async Task CheckAsync(int singlesPerUser)
    {
        foreach (var (userId, info) in _users)
        {
            var access = await CurrentUser.LoadAsync(factory, userId);
            if (!info.Active)
            {
                Expect(access is null, $"deactivated user {userId} has no access");
                continue;
            }

            if (access is null)
            {
                Expect(false, $"active user {userId} loads");
                continue;
            }

            var expectedLive = _customers.Where(c => !c.Deleted && Sees(userId, c)).Select(c => c.Id).ToHashSet();
            var expectedAll = _customers.Where(c => Sees(userId, c)).Select(c => c.Id).ToHashSet();
            await using var db = await factory.CreateDbContextAsync();
            var list = await CustomerScope.Visible(db, access).Select(c => c.Id).ToListAsync();
            Expect(list.Count == list.Distinct().Count() && expectedLive.SetEquals(list),
                $"list for {userId} ({CustomerScope.LevelOf(access.Rights)}): expected {expectedLive.Count}, got {list.Count}");
            var count = await CustomerScope.Visible(db, access).CountAsync();
            Expect(count == expectedLive.Count, $"count for {userId}: expected {expectedLive.Count}, got {count}");
            var fastCount = await CustomerScope.CountVisibleAsync(db, access);
            Expect(fastCount == expectedLive.Count, $"CountVisibleAsync for {userId}: expected {expectedLive.Count}, got {fastCount}");
            if (access.Has(Rights.CustomersAccess))
            {
                await CheckPagesAsync(db, access, userId);
            }

            var withTrash = await CustomerScope.Apply(db.Customers, db, access).Select(c => c.Id).ToListAsync();
            Expect(expectedAll.SetEquals(withTrash), $"list with trash for {userId}: expected {expectedAll.Count}, got {withTrash.Count}");

            // "New updates", the badge and the right to comment start from the customers the user is involved in.
            var expectedInvolved = _customers.Where(c => !c.Deleted && Sees(userId, c) && (c.Owner == userId || _related.Contains((c.Id, userId))))
                .Select(c => c.Id).ToHashSet();
            var involved = await CustomerScope.Involved(db, access).Select(c => c.Id).ToListAsync();
            Expect(expectedInvolved.SetEquals(involved), $"involved for {userId}: expected {expectedInvolved.Count}, got {involved.Count}");

            var canEditRight = (access.Rights & Rights.CustomersEdit) != 0;
            for (var i = 0; i < singlesPerUser; i++)
            {
                var c = _customers[_random.Next(_customers.Count)];
                var sees = Sees(userId, c);
                Expect(await CustomerScope.CanSee(db, access, c.Id) == (sees && !c.Deleted), $"CanSee {c.Id} for {userId}");
                Expect(await CustomerScope.CanSee(db, access, c.Id, includeTrashed: true) == sees, $"CanSee (trash) {c.Id} for {userId}");
                Expect(await CustomerScope.CanEdit(db, access, c.Id) == (sees && !c.Deleted && canEditRight), $"CanEdit {c.Id} for {userId}");
                var mayComment = sees && !c.Deleted && (canEditRight || expectedInvolved.Contains(c.Id));
                Expect(await CrmBlazor.Features.Comments.CommentService.CanCommentAsync(db, access, c.Id) == mayComment, $"CanComment {c.Id} for {userId}");
            }
        }
    }

    /// <summary>
    /// The list's pages (CustomerService.PageRowsAsync, which reads a scoped user's pages as a union of the scope's
    /// OR-free parts) hold exactly the rows of the plain scoped query, sorted and paged: same rows, same order, ties
    /// (no code, one owner) broken alike.
    /// </summary>
    private async Task CheckPagesAsync(CrmDbContext db, UserAccess access, string userId)
    {
        var service = new CrmBlazor.Features.Customers.CustomerService(factory, TimeProvider.System);
        const int size = 7;
        var sorts = new (CrmBlazor.Features.Customers.CustomerSort Sort, bool Descending, Func<IQueryable<Customer>, IQueryable<Customer>> Order)[]
        {
            (CrmBlazor.Features.Customers.CustomerSort.Name, false, q => q.OrderBy(c => c.NameKey).ThenBy(c => c.Id)),
            (CrmBlazor.Features.Customers.CustomerSort.Name, true, q => q.OrderByDescending(c => c.NameKey).ThenByDescending(c => c.Id)),
            (CrmBlazor.Features.Customers.CustomerSort.Code, false, q => q.OrderBy(c => c.Code).ThenBy(c => c.Id)),
            (CrmBlazor.Features.Customers.CustomerSort.Owner, false,
                q => q.OrderBy(c => db.StaffProfiles.Where(p => p.Id == c.OwnerId).Select(p => p.FullName).FirstOrDefault()).ThenBy(c => c.Id)),
        };
        foreach (var (sort, descending, order) in sorts)
        {
            // Page 1,500 reads past MaxMergedPageRows a part (the scope's OR directly): another compiled shape.
            foreach (var page in new[] { 0, 1, 3, 1500 })
            {
                var expected = await order(CustomerScope.Visible(db, access)).Skip(page * size).Take(size).Select(c => c.Id).ToListAsync();
                var query = new CrmBlazor.Features.Customers.CustomerListQuery { Sort = sort, Descending = descending, Page = page, PageSize = size };
                var rows = await service.PageRowsAsync(access, query);
                Expect(expected.SequenceEqual(rows.Select(r => r.Id)),
                    $"page {page} by {sort}{(descending ? " desc" : "")} for {userId}: expected [{string.Join(",", expected)}], got [{string.Join(",", rows.Select(r => r.Id))}]");
                // #25: the unfiltered list's pages run as compiled queries shared by every reader of the shape (the reader's
                // id and department are parameters: the pages above differ per reader and match the plain query).
                Expect(await service.PageIsCompiledAsync(access, query), $"page {page} by {sort}{(descending ? " desc" : "")} for {userId} is not compiled");
                Expect(!await service.PageIsCompiledAsync(access, query with { Unassigned = true }), $"a filtered page by {sort} for {userId} is compiled");
            }
        }
    }

    /// <summary>The inverse question (mention picker, notifications): who may see one customer (CustomerScope.Audience).</summary>
    public async Task CheckAudienceAsync(int samples)
    {
        await using var db = await factory.CreateDbContextAsync();
        for (var i = 0; i < samples; i++)
        {
            var c = _customers[_random.Next(_customers.Count)];
            var expected = _users.Where(u => u.Value.Active && !c.Deleted && Sees(u.Key, c)).Select(u => u.Key).ToHashSet();
            var actual = await CustomerScope.Audience(db, c.Id).Select(p => p.Id).ToListAsync();
            Expect(expected.SetEquals(actual), $"audience of {c.Id}: expected {expected.Count}, got {actual.Count}");
        }
    }

    /// <summary>R7.3 in plain C#.</summary>
    private bool Sees(string userId, (int Id, string? Owner, string? Creator, bool Deleted) c)
    {
        var user = _users[userId];
        var rights = _groupRights[user.Group];
        if ((rights & Rights.CustomersAccess) == 0)
        {
            return false;
        }

        if ((rights & Rights.CustomersViewAll) != 0)
        {
            return true;
        }

        if (c.Owner == userId || (c.Owner is null && c.Creator == userId) || _related.Contains((c.Id, userId)))
        {
            return true;
        }

        return (rights & Rights.CustomersSubDepartment) != 0 && c.Owner is not null && IsSameOrBelow(_users[c.Owner].Department, user.Department);
    }

    private bool IsSameOrBelow(int department, int ancestor)
    {
        for (int? d = department; d is not null; d = _parentOf[d.Value])
        {
            if (d == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    private void Expect(bool ok, string what)
    {
        Checks++;
        if (!ok && Mismatches.Count < 20)
        {
            Mismatches.Add(what);
        }
    }
}
