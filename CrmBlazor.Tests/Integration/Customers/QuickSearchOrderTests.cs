using System.Data.Common;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// The quick search on SQLite (issue 4 item 1, R5.2, R7.3): trigram phrase matches — sorted by name in three parts
/// (names starting with the fragment, texts holding it elsewhere, fragments running past a name) or by another column —
/// give exactly the rows, order and totals of a plain scan, for every scope.
/// </summary>
public sealed class QuickSearchOrderTests : IAsyncLifetime
{
    private GridWorld _w = null!;

    public async Task InitializeAsync() => _w = await GridWorld.CreateAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task The_page_read_without_its_total_has_the_rows_of_the_full_list_and_the_total_counted_apart_matches_it()
    {
        // #25: the grid reads a page's rows alone and counts the total beside them; both must be what ListAsync answers.
        var names = new[] { "Nguyễn Văn An", "Nguyễn Thị Ánh", "Trần Nguyên Anh", "Lê Thị Hoa", "Phạm Văn Nguyện", "Đỗ Minh Tâm" };
        var owners = new[] { _w.Lan.UserId, _w.Minh.UserId, null };
        for (var i = 0; i < 90; i++)
        {
            await _w.Db.AddCustomerAsync(names[i % names.Length] + " " + (i / names.Length), $"09{i:D8}", _w.FirstRelationship, owners[i % owners.Length]);
        }

        var service = new CustomerService(_w.Db.Factory, TimeProvider.System);
        var queries = new List<CustomerListQuery>();
        foreach (var search in new string?[] { null, "nguyen", "thi anh", "0000001" })
        {
            foreach (var sort in new[] { CustomerSort.Name, CustomerSort.Phone, CustomerSort.CreatedAt })
            {
                for (var page = 0; page < 3; page++)
                {
                    queries.Add(new CustomerListQuery { Search = search, Sort = sort, Descending = page == 1, Page = page, PageSize = 10 });
                }
            }
        }

        queries.Add(new CustomerListQuery { Unassigned = true, PageSize = 10, Page = 2 });
        foreach (var user in new[] { _w.Admin, _w.Lan, _w.Minh })
        {
            foreach (var query in queries)
            {
                var full = await service.ListAsync(user, query);
                var rows = await service.PageRowsAsync(user, query);
                Assert.Equal(full.Items.Select(r => r.Id).ToList(), rows.Select(r => r.Id).ToList());
                Assert.Equal(full.Total, await service.CountAsync(user, query));
            }
        }

        Assert.Equal(10, (await service.PageRowsAsync(_w.Admin, new CustomerListQuery { PageSize = 10 })).Count);
    }

    [Fact]
    public async Task Search_through_the_index_matches_a_plain_scan_for_every_scope()
    {
        // "Nguyễn Văn Nguyên" holds "nguyen" both at the start and inside: counted once, in the leading part.
        var names = new[] { "Nguyễn Văn An", "Nguyễn Thị Ánh", "Trần Nguyên Anh", "Lê Thị Hoa", "Phạm Văn Nguyện", "Đỗ Minh Tâm", "Vũ Thị Anh Thư",
            "Nguyễn Văn Nguyên" };
        var owners = new[] { _w.Lan.UserId, _w.Minh.UserId, null };
        var trashed = new List<int>();
        for (var i = 0; i < 160; i++)
        {
            var c = await _w.Db.AddCustomerAsync(names[i % names.Length] + " " + (i / names.Length), $"09{i:D8}", _w.FirstRelationship, owners[i % owners.Length]);
            if (i % 11 == 0)
            {
                trashed.Add(c.Id);
            }
        }

        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            await db.Customers.Where(c => trashed.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsDeleted, true));
        }

        var commands = new List<string>();
        var service = new CustomerService(_w.Db.FactoryWith(new Recorder(commands)), TimeProvider.System);
        var checkedPairs = 0;
        foreach (var user in new[] { _w.Admin, _w.Lan, _w.Minh })
        {
            // Leading names, inside names, phone digits, and fragments that run on past a whole name into the code.
            foreach (var term in new[] { "nguyen", "thi anh", "NGUYÊN", "anh thu", "van an 1", "0000001", "le thi hoa 3 kh", "do minh tam 1 kh000" })
            {
                var expected = await ExpectedAsync(user, term, c => c.NameKey);
                if (user == _w.Admin)
                {
                    Assert.NotEmpty(expected);
                }

                var page = await service.ListAsync(user, new CustomerListQuery { Search = term, PageSize = 200 });
                Assert.Equal(expected, page.Items.Select(r => r.Id).ToList());
                Assert.Equal(expected.Count, page.Total);
                // Pages and the descending order come from the same parts.
                var second = await service.ListAsync(user, new CustomerListQuery { Search = term, PageSize = 3, Page = 1 });
                Assert.Equal(expected.Skip(3).Take(3), second.Items.Select(r => r.Id));
                var descending = await service.ListAsync(user, new CustomerListQuery { Search = term, PageSize = 200, Descending = true });
                Assert.Equal(Enumerable.Reverse(expected), descending.Items.Select(r => r.Id));
                // Another sort takes every match from the trigram index and sorts them.
                var byCreated = await service.ListAsync(user, new CustomerListQuery { Search = term, PageSize = 200, Sort = CustomerSort.CreatedAt });
                Assert.Equal(await ExpectedAsync(user, term, c => c.CreatedAt.ToString("O")), byCreated.Items.Select(r => r.Id).ToList());
                checkedPairs++;
            }
        }

        Assert.Equal(24, checkedPairs);
        // The name order took its "not at the start" part from the tail index.
        Assert.Contains(commands, c => c.Contains("\"CustomerSearchTailFts\" MATCH", StringComparison.Ordinal) && c.Contains("\"NameKey\"", StringComparison.Ordinal));
    }

    /// <summary>The oracle: every visible live customer, the folded term looked for in its search text in memory.</summary>
    private async Task<List<int>> ExpectedAsync(UserAccess user, string term, Func<Customer, string> key)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var visible = await CustomerScope.Visible(db, user).ToListAsync();
        var digits = PhoneNormalizer.Digits(term);
        var fragment = digits.Length >= 3 && digits.Length >= SearchKey.Fold(term).Replace(" ", string.Empty, StringComparison.Ordinal).Length - 3
            ? digits
            : SearchKey.Fold(term);
        return visible.Where(c => c.SearchText.Contains(fragment, StringComparison.Ordinal))
            .OrderBy(key, StringComparer.Ordinal).ThenBy(c => c.Id).Select(c => c.Id).ToList();
    }

    /// <summary>Sees each command sent.</summary>
    private sealed class Recorder(List<string> commands) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            lock (commands)
            {
                commands.Add(command.CommandText);
            }

            return ValueTask.FromResult(result);
        }
    }
}
