using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// The duplicate finder (R6.4, #22): groups by normalised phone, e-mail, or folded name with the same tax code; only
/// customers the user may see (R7.3); paged; a dismissed group stays away until a customer joins it.
/// </summary>
public sealed class DuplicateFinderTests : IAsyncLifetime
{
    private GridWorld _w = null!;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync();
        // Lan's "Đặng Văn Đức" is 0912345678; the same number typed the old way, another of Minh's, and a same-name pair by tax code.
        await AddAsync("Dang van Duc", "+84 912 345 678", null, null, _w.Lan.UserId);
        await AddAsync("Đức (Minh nhập)", "0912345678", null, null, _w.Minh.UserId);
        await AddAsync("Công ty Hoa Sen", "0901111111", "info@hoasen.vn", "0301234567", _w.Lan.UserId);
        await AddAsync("CÔNG TY HOA SEN", "0902222222", "ketoan@hoasen.vn", "0301234567", _w.Lan.UserId);
        await AddAsync("Hoa Sen chi nhánh", "0906333333", "INFO@hoasen.vn", null, _w.Lan.UserId);
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private async Task<int> AddAsync(string name, string phone, string? email, string? taxCode, string owner)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var c = Customer.Create(new CustomerDetails { Name = name, Phone = phone, Email = email, TaxCode = taxCode }, _w.FirstRelationship, owner, owner, DateTime.UtcNow);
        db.Customers.Add(c);
        await db.SaveChangesAsync();
        c.AssignGeneratedCode();
        await db.SaveChangesAsync();
        return c.Id;
    }

    [Fact]
    public async Task Groups_by_phone_email_and_name_with_tax_code_and_only_what_the_user_may_see()
    {
        var phones = await _w.Service.DuplicateGroupsAsync(_w.Admin, DuplicateKind.Phone);
        var group = Assert.Single(phones.Groups);
        Assert.Equal(("+84912345678", 3), (group.Key, group.Count));
        Assert.False(phones.HasMore);
        // Lan does not see Minh's customer: her group has her two.
        var lans = Assert.Single((await _w.Service.DuplicateGroupsAsync(_w.Lan, DuplicateKind.Phone)).Groups);
        Assert.Equal(2, lans.Count);
        Assert.DoesNotContain(lans.Members, m => m.Name == "Đức (Minh nhập)");
        Assert.Empty((await _w.Service.DuplicateGroupsAsync(_w.Viewer, DuplicateKind.Phone)).Groups);

        var emails = Assert.Single((await _w.Service.DuplicateGroupsAsync(_w.Admin, DuplicateKind.Email)).Groups);
        Assert.Equal("info@hoasen.vn", emails.Key);
        var names = Assert.Single((await _w.Service.DuplicateGroupsAsync(_w.Admin, DuplicateKind.NameAndTaxCode)).Groups);
        Assert.Equal(2, names.Count);
        Assert.All(names.Members, m => Assert.Contains("hoa sen", m.Name, StringComparison.OrdinalIgnoreCase));

        var of = await _w.Service.DuplicatesOfAsync(_w.Admin, _w.LanCustomer);
        Assert.Equal(2, of!.Count);
        Assert.All(of, m => Assert.Equal([DuplicateKind.Phone], m.Reasons));
        Assert.Null(await _w.Service.DuplicatesOfAsync(_w.Minh, _w.LanCustomer));
    }

    [Fact]
    public async Task Pages_follow_the_shared_value()
    {
        for (var i = 0; i < 5; i++)
        {
            await AddAsync($"Khách A{i}", $"090000000{i}", null, null, _w.Lan.UserId);
            await AddAsync($"Khách B{i}", $"090000000{i}", null, null, _w.Lan.UserId);
        }

        // One group dismissed in the middle: the pages skip it and still hold four.
        Assert.True(await _w.Service.DismissDuplicatesAsync(_w.Admin, DuplicateKind.Phone, "+84900000002"));
        var first = await _w.Service.DuplicateGroupsAsync(_w.Admin, DuplicateKind.Phone, pageSize: 4);
        var second = await _w.Service.DuplicateGroupsAsync(_w.Admin, DuplicateKind.Phone, first.NextAfter, pageSize: 4);
        Assert.True(first.HasMore);
        Assert.False(second.HasMore);
        Assert.Equal(4, first.Groups.Count);
        Assert.Single(second.Groups);
        var keys = first.Groups.Concat(second.Groups).Select(g => g.Key).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(5, keys.Distinct().Count());
        Assert.DoesNotContain("+84900000002", keys);
    }

    [Fact]
    public async Task A_number_shared_by_many_lists_its_first_members_and_counts_them_all()
    {
        var ids = new List<int>();
        for (var i = 0; i < CustomerService.DuplicateMembersShown + 3; i++)
        {
            ids.Add(await AddAsync($"Tổng đài {i}", "0283 999 8888", null, null, _w.Lan.UserId));
        }

        var group = Assert.Single((await _w.Service.DuplicateGroupsAsync(_w.Admin, DuplicateKind.Phone)).Groups, g => g.Key == "+842839998888");
        Assert.Equal(ids.Count, group.Count);
        Assert.Equal(ids.Take(CustomerService.DuplicateMembersShown), group.Members.Select(m => m.Id));
    }

    [Fact]
    public async Task A_dismissed_group_stays_away_for_everyone_until_a_customer_joins_it()
    {
        Assert.False(await _w.Service.DismissDuplicatesAsync(_w.Admin, DuplicateKind.Email, "nobody@example.vn"));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _w.Service.DismissDuplicatesAsync(_w.Viewer, DuplicateKind.Email, "info@hoasen.vn"));
        Assert.True(await _w.Service.DismissDuplicatesAsync(_w.Lan, DuplicateKind.Email, "info@hoasen.vn"));
        Assert.Empty((await _w.Service.DuplicateGroupsAsync(_w.Admin, DuplicateKind.Email)).Groups);
        Assert.Empty((await _w.Service.DuplicateGroupsAsync(_w.Lan, DuplicateKind.Email)).Groups);

        await AddAsync("Hoa Sen Đà Nẵng", "0935111111", "info@hoasen.vn", null, _w.Lan.UserId);
        var back = Assert.Single((await _w.Service.DuplicateGroupsAsync(_w.Admin, DuplicateKind.Email)).Groups);
        Assert.Equal(3, back.Count);
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        Assert.Equal(_w.Lan.UserId, (await db.DuplicateDismissals.SingleAsync()).DismissedById);
    }
}
