using CrmBlazor.Data;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Suite "scope" (issue 3, R7.3): the customer list through <see cref="CustomerScope"/> for a sub-department manager
/// (a level-2 department whose group has "sub-department customers"), an ordinary salesperson and single-customer
/// checks. Adds related users (người liên quan) to 2% of customers once, so the "related" branch has rows to find.
/// Run: dotnet run -c Release --project CrmBlazor.Benchmarks -- scope --users 500 --depth 5
/// </summary>
public static class ScopeBench
{
    public delegate Task<Stats> Measurer(int runs, Func<Task<object>> action);

    public static async Task<List<(string Name, Stats Stats)>> RunAsync(IDbContextFactory<CrmDbContext> factory, BenchData.Result data, int runs, Measurer measure)
    {
        await EnsureRelatedUsersAsync(factory, data);
        var service = new CustomerService(factory, TimeProvider.System);
        UserAccess? manager = null;
        UserAccess? sales = null;
        foreach (var id in data.UserIds)
        {
            var access = await CurrentUser.LoadAsync(factory, id);
            if (access is null)
            {
                continue;
            }

            var depth = data.UserDepartments[id].Depth;
            if (manager is null && depth == 2 && CustomerScope.LevelOf(access.Rights) == VisibilityLevel.SubDepartment)
            {
                manager = access;
            }
            else if (sales is null && CustomerScope.LevelOf(access.Rights) == VisibilityLevel.Own)
            {
                sales = access;
            }
        }

        if (manager is null || sales is null)
        {
            throw new InvalidOperationException("The bench data has no level-2 sub-department manager; use --depth 5 or more.");
        }

        await using (var db = await factory.CreateDbContextAsync())
        {
            var total = await CustomerScope.Visible(db, manager).CountAsync();
            var team = await db.StaffProfiles.CountAsync(p => p.Department!.Path.StartsWith(manager.DepartmentPath));
            Console.WriteLine($"Sub-department manager {manager.UserName} in {manager.DepartmentPath}: {team} users in the subtree, {total:N0} visible customers.");
            Console.WriteLine(CustomerScope.Visible(db, manager).OrderBy(c => c.NameKey).ThenBy(c => c.Id).Take(25).ToQueryString());
        }

        var someCustomer = 123_457;
        var results = new List<(string, Stats)>
        {
            ("scope: first page, sub-department manager", await measure(runs, async () => await service.ListAsync(manager, new CustomerListQuery { PageSize = 25 }))),
            ("scope: page rows only (no count), sub-dept", await measure(runs, async () =>
            {
                await using var db = await factory.CreateDbContextAsync();
                return await CustomerScope.Visible(db, manager).OrderBy(c => c.NameKey).ThenBy(c => c.Id).Take(25)
                    .Select(c => new { c.Id, c.Name, c.Phone }).ToListAsync();
            })),
            ("scope: Visible().Count(), sub-dept", await measure(runs, async () =>
            {
                await using var db = await factory.CreateDbContextAsync();
                return await CustomerScope.Visible(db, manager).CountAsync();
            })),
            ("scope: CountVisibleAsync, sub-dept", await measure(runs, async () =>
            {
                await using var db = await factory.CreateDbContextAsync();
                return await CustomerScope.CountVisibleAsync(db, manager);
            })),
            ("scope: first page = rows + CountVisibleAsync", await measure(runs, async () =>
            {
                await using var db = await factory.CreateDbContextAsync();
                var rows = await CustomerScope.Visible(db, manager).OrderBy(c => c.NameKey).ThenBy(c => c.Id).Take(25)
                    .Select(c => new { c.Id, c.Name, c.Phone }).ToListAsync();
                return rows.Count + await CustomerScope.CountVisibleAsync(db, manager);
            })),
            ("scope: page 40, sub-department manager", await measure(runs, async () => await service.ListAsync(manager, new CustomerListQuery { Page = 39, PageSize = 25 }))),
            ("scope: first page by created, sub-dept", await measure(runs, async () => await service.ListAsync(manager, new CustomerListQuery { PageSize = 25, Sort = CustomerSort.CreatedAt, Descending = true }))),
            ("scope: first page, own-scope salesperson", await measure(runs, async () => await service.ListAsync(sales, new CustomerListQuery { PageSize = 25 }))),
            ("scope: CanSee one customer, sub-dept", await measure(runs, async () =>
            {
                await using var db = await factory.CreateDbContextAsync();
                return await CustomerScope.CanSee(db, manager, someCustomer++);
            })),
        };
        return results;
    }

    private static async Task EnsureRelatedUsersAsync(IDbContextFactory<CrmDbContext> factory, BenchData.Result data)
    {
        await using var db = await factory.CreateDbContextAsync();
        if (await db.CustomerRelatedUsers.AnyAsync())
        {
            return;
        }

        var max = await db.Customers.MaxAsync(c => c.Id);
        var random = new Random(7);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT OR IGNORE INTO \"CustomerRelatedUsers\" (\"CustomerId\",\"UserId\") VALUES (@c,@u)";
        var c = cmd.CreateParameter();
        c.ParameterName = "@c";
        var u = cmd.CreateParameter();
        u.ParameterName = "@u";
        cmd.Parameters.Add(c);
        cmd.Parameters.Add(u);
        for (var i = 0; i < max / 50; i++)
        {
            c.Value = random.Next(1, max + 1);
            u.Value = data.UserIds[random.Next(data.UserIds.Count)];
            await cmd.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE;";
        await analyze.ExecuteNonQueryAsync();
    }
}
