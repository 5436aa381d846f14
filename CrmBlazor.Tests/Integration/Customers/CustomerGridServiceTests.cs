using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>The grid's service on a real SQLite database: inline saves (R5.3), concurrency, filters and counters (R5.1, R5.2).</summary>
public sealed class CustomerGridServiceTests : IAsyncLifetime
{
    private GridWorld _w = null!;

    public async Task InitializeAsync() => _w = await GridWorld.CreateAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private async Task<Customer> LoadAsync(int id)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        return await db.Customers.AsNoTracking().Include(c => c.CustomValues).SingleAsync(c => c.Id == id);
    }

    [Fact]
    public async Task A_cell_save_normalises_logs_with_origin_grid_and_publishes_the_change()
    {
        var before = await LoadAsync(_w.LanCustomer);
        var result = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Phone, "84 987 654 321", before.Version);

        Assert.Equal(SaveStatus.Saved, result.Status);
        Assert.Equal("+84987654321", result.Row!.Phone);
        var after = await LoadAsync(_w.LanCustomer);
        Assert.Equal("+84987654321", after.Phone);
        Assert.Equal(before.Version + 1, after.Version);
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var log = await db.ChangeLog.SingleAsync(l => l.CustomerId == _w.LanCustomer);
        Assert.Equal(("Phone", "+84912345678", "+84987654321", "grid", _w.Lan.UserId), (log.Field, log.OldValue, log.NewValue, log.Origin, log.UserId));
        var e = Assert.IsType<CustomerChanged>(Assert.Single(_w.Bus.Events));
        Assert.Equal((_w.LanCustomer, ChangeKinds.Updated, _w.Lan.UserId), (e.CustomerId, e.Kind, e.ByUserId));
    }

    [Theory]
    [InlineData(GridFields.Phone, "not a phone", RuleCodes.PhoneInvalid)]
    [InlineData(GridFields.Name, "   ", RuleCodes.NameRequired)]
    [InlineData(GridFields.Phone, "", RuleCodes.PhoneOrEmailRequired)]
    [InlineData(GridFields.Email, "a@", RuleCodes.EmailInvalid)]
    [InlineData(GridFields.Birthday, "31/02/1990", CustomerRuleCodes.BirthdayInvalid)]
    public async Task A_broken_rule_saves_nothing_and_says_which_rule(string field, string value, string code)
    {
        var before = await LoadAsync(_w.LanCustomer);
        var result = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, field, value, before.Version);

        Assert.Equal(SaveStatus.Invalid, result.Status);
        Assert.Equal(code, result.ErrorCode);
        var after = await LoadAsync(_w.LanCustomer);
        Assert.Equal((before.Name, before.Phone, before.Email, before.Version), (after.Name, after.Phone, after.Email, after.Version));
        Assert.Empty(_w.Bus.Events);
    }

    [Fact]
    public async Task A_stale_version_is_refused_with_the_other_persons_value_and_name_then_can_be_applied()
    {
        var seen = (await LoadAsync(_w.LanCustomer)).Version;
        var admin = await _w.Service.SaveFieldAsync(_w.Admin, _w.LanCustomer, GridFields.Name, "Đặng Văn Đức (sếp sửa)", seen);
        Assert.Equal(SaveStatus.Saved, admin.Status);

        var lan = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Name, "Đặng Đức", seen);
        Assert.Equal(SaveStatus.Conflict, lan.Status);
        Assert.Equal("Đặng Văn Đức (sếp sửa)", lan.TheirValue);
        Assert.Equal("Trần Quản Trị", lan.ChangedBy);
        Assert.Equal("Đặng Văn Đức (sếp sửa)", (await LoadAsync(_w.LanCustomer)).Name);

        // "Apply mine": the user saw the other change and saves carrying the current version.
        var again = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Name, "Đặng Đức", lan.CurrentVersion);
        Assert.Equal(SaveStatus.Saved, again.Status);
        Assert.Equal("Đặng Đức", (await LoadAsync(_w.LanCustomer)).Name);
    }

    [Fact]
    public async Task Owner_relationship_source_gender_and_custom_fields_are_editable_in_cells()
    {
        int fieldId;
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            var field = new CustomFieldDefinition("Hạng thẻ", CustomFieldKind.Choice, ["Vàng", "Bạc"]);
            db.CustomFields.Add(field);
            await db.SaveChangesAsync();
            fieldId = field.Id;
        }

        var v = (await LoadAsync(_w.LanCustomer)).Version;
        var r1 = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Relationship, _w.SecondRelationship.ToString(System.Globalization.CultureInfo.InvariantCulture), v);
        var r2 = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Gender, "Nữ", r1.CurrentVersion);
        var r3 = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Custom(fieldId), "vang", r2.CurrentVersion);
        var bad = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Custom(fieldId), "Kim cương", r3.CurrentVersion);
        var r4 = await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Owner, _w.Minh.UserId, r3.CurrentVersion);

        Assert.All([r1, r2, r3, r4], r => Assert.Equal(SaveStatus.Saved, r.Status));
        Assert.Equal((SaveStatus.Invalid, CustomFieldCodes.ChoiceInvalid), (bad.Status, bad.ErrorCode));
        var c = await LoadAsync(_w.LanCustomer);
        Assert.Equal((_w.SecondRelationship, Gender.Female, _w.Minh.UserId), (c.RelationshipId, c.Gender, c.OwnerId));
        Assert.Equal("Vàng", Assert.Single(c.CustomValues).Value);
        // After giving the customer away, Lan no longer sees it: the row is gone from her grid (R7.3).
        Assert.Null(r4.Row);
    }

    [Fact]
    public async Task Editing_needs_the_edit_right_and_visibility()
    {
        var v = (await LoadAsync(_w.MinhCustomer)).Version;
        Assert.Equal(SaveStatus.Denied, (await _w.Service.SaveFieldAsync(_w.Viewer, _w.LanCustomer, GridFields.Name, "X", v)).Status);
        var other = await _w.Service.SaveFieldAsync(_w.Lan, _w.MinhCustomer, GridFields.Name, "Đổi tên", v);
        Assert.Equal(SaveStatus.NotFound, other.Status);
        Assert.Equal("Khách của Minh", (await LoadAsync(_w.MinhCustomer)).Name);
    }

    [Fact]
    public async Task One_thousand_two_writer_races_on_SQLite_have_exactly_one_winner_each()
    {
        await ConcurrencyRaces.RunAsync(_w.Service, _w.Lan, _w.Admin, _w.LanCustomer, 1000);
    }

    [Fact]
    public async Task Filters_counters_and_sorts_are_computed_in_the_database()
    {
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            var old = await db.Customers.SingleAsync(c => c.Id == _w.LanCustomer2);
            old.RecordContact(DateTime.UtcNow.AddDays(-45));
            var recent = await db.Customers.SingleAsync(c => c.Id == _w.LanCustomer);
            recent.RecordContact(DateTime.UtcNow.AddDays(-2));
            db.Comments.Add(new Comment(_w.LanCustomer, _w.Admin.UserId, "Gọi lại cho khách nhé", DateTime.UtcNow));
            db.Comments.Add(new Comment(_w.LanCustomer2, _w.Lan.UserId, "Tôi tự ghi chú", DateTime.UtcNow));
            await db.SaveChangesAsync();
        }

        var counters = await _w.Service.CountersAsync(_w.Lan);
        Assert.Equal(new CustomerCounters(All: 2, NewUpdates: 1, DontForget: 1), counters);

        var dontForget = await _w.Service.ListAsync(_w.Lan, new CustomerListQuery { DontForget = true });
        Assert.Equal("Trần Thị Ánh", Assert.Single(dontForget.Items).Name);
        var updates = await _w.Service.ListAsync(_w.Lan, new CustomerListQuery { NewUpdates = true });
        Assert.Equal("Đặng Văn Đức", Assert.Single(updates.Items).Name);

        // Reading the stream (the comment service, as the detail page does) clears the customer from "new updates".
        var comments = new CrmBlazor.Features.Comments.CommentService(_w.Db.Factory, _w.Bus, TimeProvider.System,
            new CrmBlazor.Features.Comments.AttachmentStore(Path.Combine(Path.GetTempPath(), "crm-grid-attachments"), 1024 * 1024));
        await comments.MarkReadAsync(_w.Lan, _w.LanCustomer);
        Assert.Equal(0, (await _w.Service.CountersAsync(_w.Lan)).NewUpdates);

        var admin = await _w.Service.ListAsync(_w.Admin, new CustomerListQuery { OwnerId = _w.Minh.UserId });
        Assert.Equal("Khách của Minh", Assert.Single(admin.Items).Name);
        var mine = await _w.Service.ListAsync(_w.Admin, new CustomerListQuery { Mine = true });
        Assert.Empty(mine.Items);
        var byPhoneDesc = await _w.Service.ListAsync(_w.Admin, new CustomerListQuery { Sort = CustomerSort.Phone, Descending = true });
        Assert.Equal(["+84987000111", "+84912345678", "+84903000222"], byPhoneDesc.Items.Select(r => r.Phone));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal(3, (await _w.Service.ListAsync(_w.Admin, new CustomerListQuery { CreatedFrom = today.AddDays(-1), CreatedTo = today.AddDays(1) })).Total);
        Assert.Equal(0, (await _w.Service.ListAsync(_w.Admin, new CustomerListQuery { CreatedTo = today.AddDays(-3) })).Total);
        foreach (var sort in Enum.GetValues<CustomerSort>())
        {
            Assert.Equal(3, (await _w.Service.ListAsync(_w.Admin, new CustomerListQuery { Sort = sort })).Items.Count);
        }
    }

    [Fact]
    public async Task The_chosen_columns_are_remembered_per_user()
    {
        Assert.Null(await _w.Service.ColumnsAsync(_w.Lan));
        await _w.Service.SaveColumnsAsync(_w.Lan, ["name", "phone", "birthday"]);
        await _w.Service.SaveColumnsAsync(_w.Lan, ["name", "phone"]);
        Assert.Equal(["name", "phone"], await _w.Service.ColumnsAsync(_w.Lan));
        Assert.Null(await _w.Service.ColumnsAsync(_w.Minh));
    }

    [Fact]
    public async Task The_form_creates_with_contacts_groups_referrer_and_warns_about_duplicates()
    {
        var dup = await _w.Service.FindDuplicatesAsync(_w.Lan, "+84 912 345 678", null);
        Assert.Equal("Đặng Văn Đức", Assert.Single(dup.Visible).Name);
        var hidden = await _w.Service.FindDuplicatesAsync(_w.Lan, "0903 000 222", null);
        Assert.Empty(hidden.Visible);
        Assert.Equal(1, hidden.Hidden);

        var invalid = await _w.Service.SaveFormAsync(_w.Lan, new CustomerForm { Name = "Không liên lạc được" });
        Assert.Equal((SaveStatus.Invalid, RuleCodes.PhoneOrEmailRequired), (invalid.Status, invalid.ErrorCode));

        var referrers = await _w.Service.SearchReferrersAsync(_w.Lan, "Minh");
        Assert.DoesNotContain(referrers, r => r.CustomerId == _w.MinhCustomer);
        Assert.Contains(referrers, r => r.UserId == _w.Minh.UserId);

        var form = new CustomerForm
        {
            Name = "Phạm Thu Hà", Email = "HA@Example.vn", RelationshipId = _w.FirstRelationship, OwnerId = _w.Lan.UserId,
            Referrer = new ReferrerChoice(_w.LanCustomer, null, "Đặng Văn Đức"),
            Contacts = [new ContactForm { Name = "Chị Hà", Phone = "0911111111" }, new ContactForm { Name = "Anh Nam", IsPrimary = true }],
        };
        var saved = await _w.Service.SaveFormAsync(_w.Lan, form);
        Assert.Equal(SaveStatus.Saved, saved.Status);
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var c = await db.Customers.Include(x => x.Contacts).SingleAsync(x => x.Id == saved.CustomerId);
        Assert.Equal(("ha@example.vn", _w.LanCustomer), (c.Email, c.ReferrerCustomerId));
        Assert.NotNull(c.Code);
        Assert.Equal("Anh Nam", Assert.Single(c.Contacts, x => x.IsPrimary).Name);
        Assert.Contains(await db.ChangeLog.Where(l => l.CustomerId == c.Id).ToListAsync(), l => l.Origin == "form");
        Assert.Contains(_w.Bus.Events, e => e is CustomerChanged { Kind: ChangeKinds.Created });

        // Edit with a stale version is refused.
        var edit = (await _w.Service.GetFormAsync(_w.Lan, c.Id))!;
        await _w.Service.SaveFieldAsync(_w.Admin, c.Id, GridFields.Address, "Hà Nội", edit.Version);
        edit.Address = "Huế";
        Assert.Equal(SaveStatus.Conflict, (await _w.Service.SaveFormAsync(_w.Lan, edit)).Status);
    }
}

/// <summary>Two writers save the same cell from the same version, many times: exactly one wins each race, the other is told.</summary>
public static class ConcurrencyRaces
{
    public static async Task RunAsync(CustomerService service, UserAccess a, UserAccess b, int customerId, int races)
    {
        var version = (await service.RowAsync(a, customerId))!.Version;
        for (var i = 0; i < races; i++)
        {
            var seen = version;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var first = Task.Run(async () =>
            {
                await start.Task;
                return await service.SaveFieldAsync(a, customerId, GridFields.Address, $"A {i}", seen);
            });
            var second = Task.Run(async () =>
            {
                await start.Task;
                return await service.SaveFieldAsync(b, customerId, GridFields.Address, $"B {i}", seen);
            });
            start.SetResult();
            var results = await Task.WhenAll(first, second);
            var winners = results.Where(r => r.Status == SaveStatus.Saved).ToList();
            var told = results.Where(r => r.Status == SaveStatus.Conflict).ToList();
            Assert.True(winners.Count == 1 && told.Count == 1, $"Race {i}: {string.Join(", ", results.Select(r => r.Status))}");
            var winnerValue = winners[0] == results[0] ? $"A {i}" : $"B {i}";
            Assert.Equal(winnerValue, told[0].TheirValue);
            Assert.Equal(seen + 1, told[0].CurrentVersion);
            version = told[0].CurrentVersion;
        }

        Assert.Equal(version, (await service.RowAsync(a, customerId))!.Version);
    }
}
