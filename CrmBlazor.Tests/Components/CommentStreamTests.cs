using System.Globalization;
using System.Security.Claims;
using Bunit;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Components;

/// <summary>The comment stream (R4.5): "show older" pages back and a live refresh keeps those pages; log lines in words.</summary>
public sealed class CommentStreamTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase _db = null!;
    private StaffProfile _lan = null!, _minh = null!;
    private int _customer;

    public CommentStreamTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        _lan = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        _minh = await _db.AddUserAsync("minh", "Đỗ Văn Minh", root.Id, sales.Id);
        var rel = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        _customer = (await _db.AddCustomerAsync("Công ty An Phát", "0912000111", rel, _lan.Id)).Id;

        Services.AddSingleton(_db.Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddScoped<CurrentUser>();
        Services.AddSingleton<PresenceTracker>();
        var auth = AddAuthorization();
        auth.SetAuthorized("lan");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, _lan.Id));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Show_older_pages_back_and_a_live_comment_keeps_the_older_pages_on_screen()
    {
        var start = DateTime.UtcNow.AddDays(-3);
        await using (var ctx = await _db.Factory.CreateDbContextAsync())
        {
            // Minh is related to Lan's customer (R7.3): he sees it and may comment.
            ctx.CustomerRelatedUsers.Add(new CustomerRelatedUser(_customer, _minh.Id));
            for (var i = 0; i < 130; i++)
            {
                ctx.Comments.Add(new Comment(_customer, _minh.Id, $"Trao đổi số {i:D3}", start.AddMinutes(i)));
            }

            await ctx.SaveChangesAsync();
        }

        var cut = Render<CommentStream>(p => p.Add(s => s.CustomerId, _customer));
        cut.WaitForAssertion(() => Assert.Equal(CommentService.StreamPageSize, cut.FindAll("[data-testid=comment]").Count), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("Trao đổi số 000", cut.Markup, StringComparison.Ordinal);

        var older = cut.Find("[data-testid=stream-older]");
        Assert.Equal("Xem cũ hơn", older.TextContent.Trim());
        older.Click();
        cut.WaitForAssertion(() => Assert.Equal(130, cut.FindAll("[data-testid=comment]").Count), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=stream-older]"));
        var texts = cut.FindAll("[data-testid=comment] .comment-body").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal("Trao đổi số 129", texts[0]);
        Assert.Equal("Trao đổi số 000", texts[^1]);

        // A colleague comments: the stream reloads live and keeps the older page the reader opened.
        var minh = (await CurrentUser.LoadAsync(_db.Factory, _minh.Id))!;
        await using (var scope = Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<CommentService>().PostAsync(minh, _customer, "Mới nhất");
        }

        cut.WaitForAssertion(() => Assert.Equal(131, cut.FindAll("[data-testid=comment]").Count), TimeSpan.FromSeconds(10));
        Assert.Equal("Mới nhất", cut.FindAll("[data-testid=comment] .comment-body")[0].TextContent.Trim());
        Assert.Contains("Trao đổi số 000", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_lines_say_in_words_what_changed()
    {
        int tier, vip;
        await using (var ctx = await _db.Factory.CreateDbContextAsync())
        {
            var field = new CustomFieldDefinition("Hạng thẻ", CustomFieldKind.Choice, ["Vàng"]);
            var group = new CustomerGroup("Khách VIP");
            ctx.AddRange(field, group);
            await ctx.SaveChangesAsync();
            (tier, vip) = (field.Id, group.Id);
            var at = DateTime.UtcNow.AddMinutes(-10);
            void Log(int minute, string fieldName, string? before, string? after) =>
                ctx.ChangeLog.Add(new ChangeLogEntry(_customer, _lan.Id, at.AddMinutes(minute), new FieldChange(fieldName, before, after), "form"));
            Log(0, "Created", null, "Công ty An Phát");
            Log(1, CustomerService.ContactField, null, "Chị Phạm Thu Hà · 15/03/1990 · Nữ");
            Log(2, CustomerService.PrimaryContactField, null, "Chị Phạm Thu Hà · 15/03/1990 · Nữ");
            Log(3, Customer.RelatedUserField, null, _minh.Id);
            Log(4, Customer.CustomFieldKey(tier), null, "Vàng");
            Log(5, "Groups", string.Empty, vip.ToString(CultureInfo.InvariantCulture));
            Log(6, Customer.RelatedUserField, _minh.Id, null);
            Log(7, CustomerService.ContactField, "Chị Phạm Thu Hà · 15/03/1990 · Nữ", null);
            await ctx.SaveChangesAsync();
        }

        var cut = Render<CommentStream>(p => p.Add(s => s.CustomerId, _customer));
        cut.WaitForAssertion(() => Assert.Equal(8, cut.FindAll("[data-testid=log]").Count), TimeSpan.FromSeconds(10));
        var lines = cut.FindAll("[data-testid=log] > span:first-of-type").Select(e => string.Join(' ', e.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Equal(
        [
            "Nguyễn Thị Lan đã bỏ người liên hệ: Chị Phạm Thu Hà · 15/03/1990 · Nữ",
            "Nguyễn Thị Lan đã bỏ người liên quan: Đỗ Văn Minh",
            "Nguyễn Thị Lan đã đổi Nhóm khách hàng: (trống) → Khách VIP",
            "Nguyễn Thị Lan đã đổi Hạng thẻ: (trống) → Vàng",
            "Nguyễn Thị Lan đã thêm người liên quan: Đỗ Văn Minh",
            "Nguyễn Thị Lan đã đặt Chị Phạm Thu Hà · 15/03/1990 · Nữ làm người liên hệ chính",
            "Nguyễn Thị Lan đã thêm người liên hệ: Chị Phạm Thu Hà · 15/03/1990 · Nữ",
            "Nguyễn Thị Lan đã tạo khách hàng Công ty An Phát",
        ], lines);
    }
}
