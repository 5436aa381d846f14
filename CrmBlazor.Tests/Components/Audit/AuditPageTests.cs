using System.Globalization;
using System.Security.Claims;
using Bunit;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Admin;
using CrmBlazor.Features.Audit;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CrmBlazor.Tests.Components.Audit;

/// <summary>Issue #20: the audit page lists entries newest first with old → new, filters them, says when nothing is there,
/// offers no edit or delete, and shows nothing to a user without the user administration right (the service refuses).</summary>
public sealed class AuditPageTests : MudTestContext, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private TestDatabase _db = null!;
    private StaffProfile _admin = null!;
    private StaffProfile _sales = null!;

    public AuditPageTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var admins = await _db.AddPermissionGroupAsync("Quản trị", Rights.All);
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        _admin = await _db.AddUserAsync("boss", "Trần Quản Trị", root.Id, admins.Id);
        _sales = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        Services.AddSingleton(_db.Factory);
        Services.AddScoped<AuditService>();
        Services.AddScoped<OrganizationService>();
        Services.AddScoped<CurrentUser>();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    private void SignIn(StaffProfile user)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(user.UserName);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id));
    }

    private async Task LogAsync(int minutesAgo, StaffProfile actor, string action, string target, string name, string? oldJson, string? newJson)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        static Dictionary<string, object?>? Values(string? json) =>
            json is null ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(json);
        db.AuditLog.Add(new AuditEntry(DateTime.UtcNow.AddMinutes(-minutesAgo), actor.Id, actor.FullName, "203.0.113.7", action, target, "1", name,
            Values(oldJson), Values(newJson)));
        await db.SaveChangesAsync();
    }

    private static List<string> Targets(IRenderedComponent<AuditPage> cut) =>
        [.. cut.FindAll("[data-testid=audit-target]").Select(e => e.TextContent.Trim())];

    [Fact]
    public async Task Entries_are_listed_newest_first_with_old_and_new_values_and_no_edit_or_delete()
    {
        await LogAsync(30, _admin, AuditActions.GroupRenamed, AuditTargets.PermissionGroup, "Kế toán tổng hợp", "{\"name\":\"Kế toán\"}", "{\"name\":\"Kế toán tổng hợp\"}");
        await LogAsync(10, _admin, AuditActions.GroupRightsChanged, AuditTargets.PermissionGroup, "Kinh doanh", "{\"rights\":[\"CustomersAccess\"]}",
            "{\"rights\":[\"CustomersAccess\",\"CustomersExport\"]}");
        SignIn(_admin);

        var cut = Render<AuditPage>();
        cut.WaitForAssertion(() => Assert.Equal(["Kinh doanh", "Kế toán tổng hợp"], Targets(cut)), Wait);
        Assert.Equal(["Thay đổi quyền", "Đổi tên nhóm quyền"], cut.FindAll("[data-testid=audit-action]").Select(e => e.TextContent.Trim()));
        var changes = cut.FindAll(".audit-change").Select(e => e.TextContent.Trim()).ToList();
        Assert.Contains("Quyền: Khách hàng: truy cập → Khách hàng: truy cập, Khách hàng: tải xuống (xuất)", changes);
        Assert.Contains("Tên: Kế toán → Kế toán tổng hợp", changes);
        Assert.Contains("203.0.113.7", cut.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(cut.FindAll("button"), b => b.TextContent.Contains("Sửa", StringComparison.Ordinal) || b.TextContent.Contains("Xóa", StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[aria-label*=Delete], [aria-label*=Edit], [aria-label*=Xóa], [aria-label*=Sửa]"));
    }

    [Fact]
    public async Task The_filters_narrow_the_list_and_an_empty_result_says_so()
    {
        await LogAsync(30, _admin, AuditActions.UserCreated, AuditTargets.User, "Lê Văn Minh (minh)", null, "{\"fullName\":\"Lê Văn Minh\"}");
        await LogAsync(20, _sales, AuditActions.TokenCreated, AuditTargets.AccessToken, "Máy in hóa đơn", null, "{\"name\":\"Máy in hóa đơn\"}");
        await LogAsync(10, _admin, AuditActions.DepartmentCreated, AuditTargets.Department, "Đà Nẵng", null, "{\"name\":\"Đà Nẵng\"}");
        SignIn(_admin);
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<AuditPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, Targets(cut).Count), Wait);

        // Text: found in the values, without regard to case.
        cut.Find("[data-testid=filter-text] input").Input("văn minh");
        cut.WaitForAssertion(() => Assert.Equal(["Lê Văn Minh (minh)"], Targets(cut)), Wait);
        cut.Find("[data-testid=filter-text] input").Input(string.Empty);
        cut.WaitForAssertion(() => Assert.Equal(3, Targets(cut).Count), Wait);

        // Action: chosen in its list, by its Vietnamese name.
        await cut.Find("[data-testid=filter-action] .mud-input-control").MouseDownAsync(new MouseEventArgs());
        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll(".mud-list-item")), Wait);
        await popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "Tạo phòng ban").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Equal(["Đà Nẵng"], Targets(cut)), Wait);

        // Who, on top: nobody else created a department.
        await cut.Find("[data-testid=filter-actor] .mud-input-control").MouseDownAsync(new MouseEventArgs());
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll(".mud-list-item"), i => i.TextContent.Trim() == "Nguyễn Thị Lan"), Wait);
        await popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "Nguyễn Thị Lan").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Equal("Không có mục nào khớp với bộ lọc.", cut.Find("[data-testid=audit-empty]").TextContent.Trim()), Wait);

        cut.FindAll("button").Single(b => b.TextContent.Trim() == "Xóa bộ lọc").Click();
        cut.WaitForAssertion(() => Assert.Equal(["Đà Nẵng", "Máy in hóa đơn", "Lê Văn Minh (minh)"], Targets(cut)), Wait);
    }

    [Fact]
    public void An_empty_log_says_what_will_appear_there()
    {
        SignIn(_admin);
        var cut = Render<AuditPage>();
        cut.WaitForAssertion(() => Assert.StartsWith("Chưa có gì được ghi lại.", cut.Find("[data-testid=audit-empty]").TextContent.Trim(), StringComparison.Ordinal), Wait);
    }

    [Fact]
    public async Task A_user_without_the_user_admin_right_sees_no_entry_even_when_the_page_is_rendered()
    {
        await LogAsync(5, _admin, AuditActions.GroupCreated, AuditTargets.PermissionGroup, "Nhóm bí mật", null, "{\"name\":\"Nhóm bí mật\"}");
        SignIn(_sales);

        var cut = Render<AuditPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=audit-denied]")), Wait);
        Assert.DoesNotContain("Nhóm bí mật", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=audit-table]"));
    }
}
