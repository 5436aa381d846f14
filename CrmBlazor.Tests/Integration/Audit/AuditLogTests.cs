using System.Net;
using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Admin;
using CrmBlazor.Features.Api;
using CrmBlazor.Features.Audit;
using CrmBlazor.Features.Catalog;
using CrmBlazor.Features.CustomFields;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Features.Webhooks;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Audit;

/// <summary>Issue #20: every kind of administration change leaves one audit entry (who, from where, what, old → new) in the
/// same save; a refused change leaves none; no secret reaches the log; the log cannot be changed or emptied.</summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private const string Address = "203.0.113.7";
    private const string UserPassword = "Đồng lúa chín vàng 2026";
    private const string ResetPassword = "Mây trắng bay qua đèo";
    private CrmAppFactory _app = null!;
    private AsyncServiceScope _scope;
    private UserAccess _admin = null!;
    private UserAccess _sales = null!;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(settings: new Dictionary<string, string?> { ["Webhooks:AllowedHosts"] = "10.20.0.0/16" });
        _ = _app.Server;
        _scope = _app.Services.CreateAsyncScope();
        _admin = (await CurrentUser.LoadAsync(_app.DbFactory, await _app.AdminIdAsync()))! with { Address = Address };
        var salesId = await _app.CreateUserAsync("ban.hang", "Bán hàng cả ngày 2026", Rights.SalesDefault, "Nguyễn Bán Hàng");
        _sales = (await CurrentUser.LoadAsync(_app.DbFactory, salesId))! with { Address = "198.51.100.9" };
    }

    public async Task DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _app.DisposeAsync();
    }

    private T Service<T>() where T : notnull => _scope.ServiceProvider.GetRequiredService<T>();

    private async Task<List<AuditEntry>> EntriesAsync()
    {
        await using var db = await _app.DbFactory.CreateDbContextAsync();
        return await db.AuditLog.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    private async Task<AuditEntry> LastAsync(string action)
    {
        var entry = (await EntriesAsync()).LastOrDefault(e => e.Action == action);
        Assert.True(entry is not null, $"No audit entry {action}.");
        return entry;
    }

    [Fact]
    public async Task User_changes_are_recorded_with_who_from_where_and_old_to_new_and_never_the_password()
    {
        var users = Service<UserAdminService>();
        var org = Service<OrganizationService>();
        var groupId = await org.CreateGroupAsync(_admin, "Kinh doanh miền Nam", Rights.SalesDefault);
        var id = await users.CreateAsync(_admin, new StaffInput
        {
            UserName = "thu.tran", FullName = "Trần Thu", Email = "thu@example.vn", DepartmentId = _admin.DepartmentId, PermissionGroupId = groupId,
            Password = UserPassword,
        });

        var created = await LastAsync(AuditActions.UserCreated);
        Assert.Equal(_admin.UserId, created.ActorId);
        Assert.Contains(_admin.FullName, created.ActorName, StringComparison.Ordinal);
        Assert.Equal(Address, created.Address);
        Assert.Equal((AuditTargets.User, id), (created.TargetType, created.TargetId));
        Assert.Null(created.OldValues);
        Assert.Contains("\"fullName\":\"Trần Thu\"", created.NewValues, StringComparison.Ordinal);
        Assert.Contains("\"permissionGroup\":\"Kinh doanh miền Nam\"", created.NewValues, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - created.At < TimeSpan.FromHours(1) && created.At.Kind == DateTimeKind.Utc);

        await users.UpdateAsync(_admin, id, new StaffInput { FullName = "Trần Thị Thu", Email = "thu@example.vn", DepartmentId = _admin.DepartmentId, PermissionGroupId = groupId });
        var changed = await LastAsync(AuditActions.UserChanged);
        Assert.Equal("{\"fullName\":\"Trần Thu\"}", changed.OldValues);
        Assert.Equal("{\"fullName\":\"Trần Thị Thu\"}", changed.NewValues);

        await users.ResetPasswordAsync(_admin, id, ResetPassword);
        var reset = await LastAsync(AuditActions.UserPasswordReset);
        Assert.Equal(id, reset.TargetId);

        await users.DeactivateAsync(_admin, id);
        var deactivated = await LastAsync(AuditActions.UserDeactivated);
        Assert.Equal(("{\"active\":true}", "{\"active\":false}"), (deactivated.OldValues, deactivated.NewValues));
        await users.ReactivateAsync(_admin, id);
        await LastAsync(AuditActions.UserReactivated);

        var everything = string.Join("\n", (await EntriesAsync()).Select(e => $"{e.ActorName} {e.TargetName} {e.OldValues} {e.NewValues}"));
        Assert.DoesNotContain(UserPassword, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(ResetPassword, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("password", everything, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Group_and_department_changes_are_recorded()
    {
        var org = Service<OrganizationService>();
        var groupId = await org.CreateGroupAsync(_admin, "Kế toán", Rights.CustomersAccess);
        await org.RenameGroupAsync(_admin, groupId, "Kế toán tổng hợp");
        await org.SetGroupRightsAsync(_admin, groupId, Rights.CustomersAccess | Rights.CustomersExport);
        await org.DeleteGroupAsync(_admin, groupId);
        var north = await org.CreateDepartmentAsync(_admin, "Miền Bắc", _admin.DepartmentId);
        var hanoi = await org.CreateDepartmentAsync(_admin, "Hà Nội", _admin.DepartmentId);
        await org.RenameDepartmentAsync(_admin, hanoi, "Chi nhánh Hà Nội");
        await org.MoveDepartmentAsync(_admin, hanoi, north);
        await org.DeleteDepartmentAsync(_admin, hanoi);

        Assert.Contains("\"rights\":[\"CustomersAccess\"]", (await LastAsync(AuditActions.GroupCreated)).NewValues, StringComparison.Ordinal);
        var renamed = await LastAsync(AuditActions.GroupRenamed);
        Assert.Equal(("{\"name\":\"Kế toán\"}", "{\"name\":\"Kế toán tổng hợp\"}"), (renamed.OldValues, renamed.NewValues));
        var rights = await LastAsync(AuditActions.GroupRightsChanged);
        Assert.Equal(("{\"rights\":[\"CustomersAccess\"]}", "{\"rights\":[\"CustomersAccess\",\"CustomersExport\"]}"), (rights.OldValues, rights.NewValues));
        Assert.Equal(groupId.ToString(System.Globalization.CultureInfo.InvariantCulture), (await LastAsync(AuditActions.GroupDeleted)).TargetId);
        Assert.Equal(2, (await EntriesAsync()).Count(e => e.Action == AuditActions.DepartmentCreated));
        Assert.Equal("{\"name\":\"Chi nhánh Hà Nội\"}", (await LastAsync(AuditActions.DepartmentRenamed)).NewValues);
        Assert.Equal("{\"parent\":\"Miền Bắc\"}", (await LastAsync(AuditActions.DepartmentMoved)).NewValues);
        Assert.Equal("Chi nhánh Hà Nội", (await LastAsync(AuditActions.DepartmentDeleted)).TargetName);
        Assert.All(await EntriesAsync(), e => Assert.Equal((_admin.UserId, Address), (e.ActorId, e.Address)));
    }

    [Fact]
    public async Task Crm_settings_changes_are_recorded_as_settings_changes()
    {
        var relationships = Service<RelationshipService>();
        var catalog = Service<CatalogService>();
        var fields = Service<CustomFieldService>();
        var rel = await relationships.AddAsync(_admin, "Đang đàm phán", "#FF0000", null);
        await relationships.EditAsync(_admin, rel, "Đàm phán giá", "#FF0000", null);
        var dealer = await catalog.AddAsync(_admin, CatalogKind.Sources, "Đại lý");
        var fair = await catalog.AddAsync(_admin, CatalogKind.Sources, "Hội chợ");
        await catalog.RenameAsync(_admin, CatalogKind.Sources, fair, "Hội chợ triển lãm");
        await catalog.MergeAsync(_admin, CatalogKind.Sources, fair, dealer);
        var field = await fields.AddAsync(_admin, "Mã số thuế cá nhân", CustomFieldKind.Text, null);
        await fields.DeleteAsync(_admin, field);

        var settings = (await EntriesAsync()).Where(e => e.Action == AuditActions.SettingsChanged).ToList();
        Assert.Equal(
            [AuditTargets.Relationship, AuditTargets.Relationship, AuditTargets.Source, AuditTargets.Source, AuditTargets.Source, AuditTargets.Source,
                AuditTargets.CustomField, AuditTargets.CustomField],
            settings.Select(e => e.TargetType));
        Assert.Equal(("{\"name\":\"Đang đàm phán\"}", "{\"name\":\"Đàm phán giá\"}"), (settings[1].OldValues, settings[1].NewValues));
        Assert.Contains("\"mergedInto\":\"Đại lý\"", settings[5].NewValues, StringComparison.Ordinal);
        Assert.Equal("{\"deleted\":true}", settings[7].NewValues);
    }

    [Fact]
    public async Task Tokens_and_webhooks_are_recorded_without_their_secrets()
    {
        var tokens = Service<AccessTokenService>();
        var hooks = Service<WebhookService>();
        var secret = await tokens.CreateAsync(_sales, "Zapier");
        var tokenId = (await tokens.ListAsync(_sales)).Single().Id;
        await tokens.RevokeAsync(_sales, tokenId);
        var (hookId, hookSecret) = await hooks.CreateAsync(_admin, "https://user:pa55word@10.20.0.5/hooks/crm?key=receiver-key", WebhookEvents.CustomerCreated);
        await hooks.SetActiveAsync(_admin, hookId, false);
        await hooks.DeleteAsync(_admin, hookId);

        var token = await LastAsync(AuditActions.TokenCreated);
        Assert.Equal((_sales.UserId, "198.51.100.9", "Zapier"), (token.ActorId, token.Address, token.TargetName));
        Assert.Equal("{\"active\":false}", (await LastAsync(AuditActions.TokenRevoked)).NewValues);
        Assert.Equal("{\"url\":\"https://10.20.0.5/hooks/crm\",\"events\":\"CustomerCreated\"}", (await LastAsync(AuditActions.WebhookCreated)).NewValues);
        Assert.Equal(("{\"active\":true}", "{\"active\":false}"), ((await LastAsync(AuditActions.WebhookChanged)).OldValues, (await LastAsync(AuditActions.WebhookChanged)).NewValues));
        Assert.Equal(hookId.ToString(System.Globalization.CultureInfo.InvariantCulture), (await LastAsync(AuditActions.WebhookDeleted)).TargetId);

        var everything = string.Join("\n", (await EntriesAsync()).Select(e => $"{e.TargetName} {e.OldValues} {e.NewValues}"));
        Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[^6..], everything, StringComparison.Ordinal);
        Assert.DoesNotContain(hookSecret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("receiver-key", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55word", everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_changes_leave_no_entry()
    {
        var org = Service<OrganizationService>();
        var users = Service<UserAdminService>();
        await Assert.ThrowsAsync<AccessDeniedException>(() => org.CreateGroupAsync(_sales, "Nhóm lén", Rights.All));
        await Assert.ThrowsAsync<AccessDeniedException>(() => users.ResetPasswordAsync(_sales, _admin.UserId, ResetPassword));
        await Assert.ThrowsAsync<DomainException>(() => users.DeactivateAsync(_admin, _admin.UserId));
        await Assert.ThrowsAsync<AccessDeniedException>(() => Service<RelationshipService>().AddAsync(_sales, "Lén lút", null, null));
        var weak = await Assert.ThrowsAsync<DomainException>(() => users.ResetPasswordAsync(_admin, _sales.UserId, "ngắn"));
        Assert.Equal(OrganizationRules.PasswordRejected, weak.Code);
        await org.CreateGroupAsync(_admin, "Trùng tên", Rights.None);
        await Assert.ThrowsAsync<DomainException>(() => org.CreateGroupAsync(_admin, "trùng tên", Rights.None));

        Assert.Equal([AuditActions.GroupCreated], (await EntriesAsync()).Select(e => e.Action));
    }

    [Fact]
    public async Task An_entry_cannot_be_changed_or_deleted_through_the_context_or_in_sql()
    {
        await Service<OrganizationService>().CreateGroupAsync(_admin, "Bằng chứng", Rights.None);
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var entry = await db.AuditLog.SingleAsync();
            db.Entry(entry).Property(e => e.ActorName).CurrentValue = "Người khác";
            await Assert.ThrowsAsync<AuditLogAppendOnlyException>(() => db.SaveChangesAsync());
        }

        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            db.AuditLog.Remove(await db.AuditLog.SingleAsync());
            Assert.Throws<AuditLogAppendOnlyException>(() => db.SaveChanges());
        }

        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var update = await Assert.ThrowsAsync<SqliteException>(() => db.AuditLog.ExecuteUpdateAsync(s => s.SetProperty(e => e.ActorName, "Người khác")));
            Assert.Contains(AuditLogTriggers.Message, update.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<SqliteException>(() => db.AuditLog.ExecuteDeleteAsync());
        }

        var still = Assert.Single(await EntriesAsync());
        Assert.Contains(_admin.FullName, still.ActorName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_service_filters_pages_newest_first_and_refuses_a_non_admin()
    {
        var org = Service<OrganizationService>();
        for (var i = 1; i <= 3; i++)
        {
            await org.CreateGroupAsync(_admin, $"Nhóm số {i}", Rights.None);
        }

        var deptId = await org.CreateDepartmentAsync(_admin, "Đà Nẵng", _admin.DepartmentId);
        await Service<AccessTokenService>().CreateAsync(_sales, "Máy in hóa đơn");
        var audit = Service<AuditService>();

        var all = await audit.SearchAsync(_admin, new AuditFilter(), 0, 2);
        Assert.Equal(5, all.Total);
        Assert.Equal(["Máy in hóa đơn", "Đà Nẵng"], all.Rows.Select(r => r.TargetName));
        Assert.Equal(["Nhóm số 3", "Nhóm số 2"], (await audit.SearchAsync(_admin, new AuditFilter(), 1, 2)).Rows.Select(r => r.TargetName));
        Assert.Equal(1, (await audit.SearchAsync(_admin, new AuditFilter { ActorId = _sales.UserId }, 0, 10)).Total);
        Assert.Equal(3, (await audit.SearchAsync(_admin, new AuditFilter { Action = AuditActions.GroupCreated }, 0, 10)).Total);
        Assert.Equal(deptId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Assert.Single((await audit.SearchAsync(_admin, new AuditFilter { TargetType = AuditTargets.Department }, 0, 10)).Rows).TargetId);
        Assert.Equal("Nhóm số 3", Assert.Single((await audit.SearchAsync(_admin, new AuditFilter { Text = "SỐ 3" }, 0, 10)).Rows).TargetName);
        var today = DateOnly.FromDateTime(CrmBlazor.Localization.UserTime.ToLocal(DateTime.UtcNow, _admin.TimeZone));
        Assert.Equal(5, (await audit.SearchAsync(_admin, new AuditFilter { From = today, To = today }, 0, 10)).Total);
        Assert.Equal(0, (await audit.SearchAsync(_admin, new AuditFilter { To = today.AddDays(-1) }, 0, 10)).Total);
        Assert.Equal(0, (await audit.SearchAsync(_admin, new AuditFilter { From = today.AddDays(1) }, 0, 10)).Total);
        Assert.Contains(await audit.ActorsAsync(_admin), a => a.Id == _sales.UserId && a.Name.Contains("Nguyễn Bán Hàng", StringComparison.Ordinal));

        await Assert.ThrowsAsync<AccessDeniedException>(() => audit.SearchAsync(_sales, new AuditFilter(), 0, 10));
        await Assert.ThrowsAsync<AccessDeniedException>(() => audit.ActorsAsync(_sales));
    }

    [Fact]
    public async Task The_audit_page_is_refused_to_a_signed_in_non_admin_by_the_server()
    {
        var client = _app.CreateClient(new() { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.SignInAsync(client, "ban.hang", "Bán hàng cả ngày 2026")).StatusCode);
        await Service<OrganizationService>().CreateGroupAsync(_admin, "Bí mật nội bộ", Rights.None);

        var refused = await client.GetAsync("/settings/audit");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Contains("/access-denied", refused.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain("Bí mật nội bộ", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var html = await FormPost.TextAsync(await client.GetAsync(refused.Headers.Location));
        Assert.Contains("data-testid=\"access-denied\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Bí mật nội bộ", html, StringComparison.Ordinal);

        var admin = _app.CreateClient(new() { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.SignInAsync(admin, "admin", CrmAppFactory.AdminPassword)).StatusCode);
        var own = await FormPost.TextAsync(await admin.GetAsync("/settings/audit"));
        Assert.DoesNotContain("data-testid=\"access-denied\"", own, StringComparison.Ordinal);
        Assert.True(own.Contains("data-testid=\"audit-filters\"", StringComparison.Ordinal), own);
        // The pager's text is filled in, not its placeholders.
        Assert.DoesNotContain("{0}", own, StringComparison.Ordinal);
        Assert.DoesNotContain("{first_item}", own, StringComparison.Ordinal);
    }
}
