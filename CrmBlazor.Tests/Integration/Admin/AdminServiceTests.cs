using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Admin;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Admin;

/// <summary>The admin services on the real app (real Identity, real SQLite): rights re-checked on every write (R7.4),
/// the organisation rules (R7.1, R7.2) and live notification of changed access.</summary>
public sealed class AdminServiceTests : IAsyncLifetime
{
    private CrmAppFactory _app = null!;
    private AsyncServiceScope _scope;
    private OrganizationService _org = null!;
    private UserAdminService _users = null!;
    private UserAccess _admin = null!;
    private int _rootId;
    private int _salesGroupId;
    private readonly List<LiveEvent> _events = [];
    private IDisposable? _subscription;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory();
        _ = _app.Server;
        _scope = _app.Services.CreateAsyncScope();
        _org = _scope.ServiceProvider.GetRequiredService<OrganizationService>();
        _users = _scope.ServiceProvider.GetRequiredService<UserAdminService>();
        _subscription = _app.Services.GetRequiredService<ILiveEventBus>().Subscribe(e =>
        {
            lock (_events)
            {
                _events.Add(e);
            }

            return Task.CompletedTask;
        });
        await using var db = await _app.DbFactory.CreateDbContextAsync();
        var adminId = await db.StaffProfiles.Where(p => p.UserName == DatabaseInitializer.AdminUserName).Select(p => p.Id).SingleAsync();
        _admin = (await CurrentUser.LoadAsync(_app.DbFactory, adminId))!;
        _rootId = _admin.DepartmentId;
        _salesGroupId = await _org.CreateGroupAsync(_admin, "Kinh doanh", Rights.SalesDefault);
    }

    public async Task DisposeAsync()
    {
        _subscription?.Dispose();
        await _scope.DisposeAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The users named by the access events received so far, once those expected have arrived (the bus hands events
    /// over to each subscriber's own loop: they arrive just after the publish, not inside it).</summary>
    private async Task<List<string>> AccessEventsAsync(params string[] expected)
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            List<string> ids;
            lock (_events)
            {
                ids = _events.OfType<UserAccessChanged>().Select(e => e.UserId).ToList();
            }

            if (expected.All(ids.Contains) || DateTime.UtcNow > until)
            {
                return ids;
            }

            await Task.Delay(20);
        }
    }

    private async Task<UserAccess> NewUserAsync(string login, int groupId, int? departmentId = null)
    {
        var id = await _users.CreateAsync(_admin, new StaffInput
        {
            UserName = login, FullName = "Người " + login, DepartmentId = departmentId ?? _rootId, PermissionGroupId = groupId, Password = "Matkhau123456",
        });
        return (await CurrentUser.LoadAsync(_app.DbFactory, id))!;
    }

    [Fact]
    public async Task Every_admin_write_refuses_a_user_without_the_user_admin_right()
    {
        // Everything except "user admin": CRM settings, import, view all… still not enough (R7.4).
        var almostAll = await _org.CreateGroupAsync(_admin, "Gần hết quyền", Rights.All & ~Rights.UserAdmin);
        var outsider = await NewUserAsync("khong.quan.tri", almostAll);
        var dept = await _org.CreateDepartmentAsync(_admin, "Phòng thử", _rootId);
        var other = await _org.CreateDepartmentAsync(_admin, "Phòng khác", _rootId);
        var victim = await NewUserAsync("nan.nhan", _salesGroupId, dept);
        var emptyGroup = await _org.CreateGroupAsync(_admin, "Trống", Rights.CustomersAccess);

        var attempts = new (string Name, Func<Task> Call)[]
        {
            ("create department", () => _org.CreateDepartmentAsync(outsider, "X", _rootId)),
            ("rename department", () => _org.RenameDepartmentAsync(outsider, dept, "Y")),
            ("move department", () => _org.MoveDepartmentAsync(outsider, dept, other)),
            ("delete department", () => _org.DeleteDepartmentAsync(outsider, other)),
            ("create group", () => _org.CreateGroupAsync(outsider, "Z", Rights.All)),
            ("rename group", () => _org.RenameGroupAsync(outsider, emptyGroup, "W")),
            ("set group rights", () => _org.SetGroupRightsAsync(outsider, _salesGroupId, Rights.All)),
            ("delete group", () => _org.DeleteGroupAsync(outsider, emptyGroup)),
            ("list users", () => _users.ListAsync(outsider)),
            ("create user", () => _users.CreateAsync(outsider, new StaffInput { UserName = "hacker", FullName = "H", DepartmentId = _rootId, PermissionGroupId = _salesGroupId, Password = "Matkhau123456" })),
            ("edit user", () => _users.UpdateAsync(outsider, victim.UserId, new StaffInput { FullName = "Đổi", DepartmentId = _rootId, PermissionGroupId = almostAll })),
            ("deactivate user", () => _users.DeactivateAsync(outsider, victim.UserId)),
            ("reactivate user", () => _users.ReactivateAsync(outsider, victim.UserId)),
            ("reset password", () => _users.ResetPasswordAsync(outsider, victim.UserId, "Hacked123456")),
        };
        foreach (var (name, call) in attempts)
        {
            var ex = await Record.ExceptionAsync(call);
            Assert.True(ex is AccessDeniedException, $"{name}: expected a refusal, got {ex?.GetType().Name ?? "success"}");
        }

        // Nothing changed.
        await using var db = await _app.DbFactory.CreateDbContextAsync();
        Assert.Equal("Phòng thử", (await db.Departments.SingleAsync(d => d.Id == dept)).Name);
        Assert.Equal(_rootId, (await db.Departments.SingleAsync(d => d.Id == dept)).ParentId);
        Assert.True(await db.Departments.AnyAsync(d => d.Id == other));
        Assert.Equal(Rights.SalesDefault, (await db.PermissionGroups.SingleAsync(g => g.Id == _salesGroupId)).Rights);
        Assert.True(await db.PermissionGroups.AnyAsync(g => g.Id == emptyGroup && g.Name == "Trống"));
        Assert.False(await db.StaffProfiles.AnyAsync(p => p.UserName == "hacker"));
        var v = await db.StaffProfiles.SingleAsync(p => p.Id == victim.UserId);
        Assert.True(v.IsActive);
        Assert.Equal("Người nan.nhan", v.FullName);
        var users = _scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True(await users.CheckPasswordAsync((await users.FindByIdAsync(victim.UserId))!, "Matkhau123456"));

        // A right revoked after the caller's access was read is already gone (the service re-reads it).
        var admin2Group = await _org.CreateGroupAsync(_admin, "Quản trị phụ", Rights.UserAdmin | Rights.CustomersAccess);
        var admin2 = await NewUserAsync("quan.tri.phu", admin2Group);
        await _org.CreateDepartmentAsync(admin2, "Được phép", _rootId);
        await _org.SetGroupRightsAsync(_admin, admin2Group, Rights.CustomersAccess);
        await Assert.ThrowsAsync<AccessDeniedException>(() => _org.CreateDepartmentAsync(admin2, "Không còn được phép", _rootId));
    }

    [Fact]
    public async Task Moving_a_department_rewrites_the_paths_of_its_whole_subtree_and_notifies_affected_users()
    {
        var a = await _org.CreateDepartmentAsync(_admin, "A", _rootId);
        var b = await _org.CreateDepartmentAsync(_admin, "B", a);
        var c = await _org.CreateDepartmentAsync(_admin, "C", b);
        var x = await _org.CreateDepartmentAsync(_admin, "X", _rootId);
        var inC = await NewUserAsync("trong.c", _salesGroupId, c);
        var inX = await NewUserAsync("trong.x", _salesGroupId, x);
        _events.Clear();

        await _org.MoveDepartmentAsync(_admin, b, x);

        await using var db = await _app.DbFactory.CreateDbContextAsync();
        var paths = await db.Departments.ToDictionaryAsync(d => d.Id, d => d.Path);
        Assert.Equal($"{paths[x]}{b}/", paths[b]);
        Assert.Equal($"{paths[x]}{b}/{c}/", paths[c]);
        Assert.Equal(x, (await db.Departments.SingleAsync(d => d.Id == b)).ParentId);
        Assert.Equal(paths[c], (await CurrentUser.LoadAsync(_app.DbFactory, inC.UserId))!.DepartmentPath);
        var notified = (await AccessEventsAsync(inC.UserId, inX.UserId)).ToHashSet();
        Assert.Contains(inC.UserId, notified);
        Assert.Contains(inX.UserId, notified);

        // Never below itself.
        var cycle = await Assert.ThrowsAsync<DomainException>(() => _org.MoveDepartmentAsync(_admin, x, c));
        Assert.Equal(RuleCodes.DepartmentCycle, cycle.Code);
    }

    [Fact]
    public async Task A_department_is_deleted_only_without_users_and_children()
    {
        var parent = await _org.CreateDepartmentAsync(_admin, "Cha", _rootId);
        var child = await _org.CreateDepartmentAsync(_admin, "Con", parent);
        var member = await NewUserAsync("thanh.vien", _salesGroupId, child);

        Assert.Equal(OrganizationRules.DepartmentHasChildren, (await Assert.ThrowsAsync<DomainException>(() => _org.DeleteDepartmentAsync(_admin, parent))).Code);
        Assert.Equal(OrganizationRules.DepartmentHasUsers, (await Assert.ThrowsAsync<DomainException>(() => _org.DeleteDepartmentAsync(_admin, child))).Code);

        await _users.UpdateAsync(_admin, member.UserId, new StaffInput { FullName = member.FullName, DepartmentId = _rootId, PermissionGroupId = _salesGroupId });
        await _org.DeleteDepartmentAsync(_admin, child);
        await _org.DeleteDepartmentAsync(_admin, parent);
        var names = (await _org.DepartmentsAsync()).Select(d => d.Name).ToList();
        Assert.DoesNotContain("Cha", names);
        Assert.DoesNotContain("Con", names);
    }

    [Fact]
    public async Task Permission_groups_rules_built_in_admins_keep_every_right_and_members_are_notified()
    {
        var groups = await _org.GroupsAsync();
        var admins = groups.Single(g => g.IsBuiltInAdministrators);
        await _org.SetGroupRightsAsync(_admin, admins.Id, Rights.CustomersAccess);
        Assert.Equal(Rights.All, (await _org.GroupsAsync()).Single(g => g.Id == admins.Id).Rights);
        Assert.Equal(OrganizationRules.GroupBuiltIn, (await Assert.ThrowsAsync<DomainException>(() => _org.DeleteGroupAsync(_admin, admins.Id))).Code);
        Assert.Equal(OrganizationRules.GroupNameTaken, (await Assert.ThrowsAsync<DomainException>(() => _org.CreateGroupAsync(_admin, "KINH DOANH", Rights.None))).Code);

        var one = await NewUserAsync("mot", _salesGroupId);
        var two = await NewUserAsync("hai", _salesGroupId);
        _events.Clear();
        await _org.SetGroupRightsAsync(_admin, _salesGroupId, Rights.SalesDefault | Rights.CustomersViewAll);
        var notified = await AccessEventsAsync(one.UserId, two.UserId);
        Assert.Contains(one.UserId, notified);
        Assert.Contains(two.UserId, notified);
        Assert.True((await CurrentUser.LoadAsync(_app.DbFactory, one.UserId))!.Has(Rights.CustomersViewAll));

        Assert.Equal(OrganizationRules.GroupInUse, (await Assert.ThrowsAsync<DomainException>(() => _org.DeleteGroupAsync(_admin, _salesGroupId))).Code);
        var unused = await _org.CreateGroupAsync(_admin, "Tạm", Rights.None);
        await _org.RenameGroupAsync(_admin, unused, "Tạm thời");
        await _org.DeleteGroupAsync(_admin, unused);
        Assert.DoesNotContain(await _org.GroupsAsync(), g => g.Id == unused);
    }

    [Fact]
    public async Task Login_names_are_unique_without_regard_to_case()
    {
        await NewUserAsync("Minh.Tran", _salesGroupId);
        var ex = await Assert.ThrowsAsync<DomainException>(() => NewUserAsync("minh.tran", _salesGroupId));
        Assert.Equal(OrganizationRules.LoginNameTaken, ex.Code);
        var spaces = await Assert.ThrowsAsync<DomainException>(() => NewUserAsync("có dấu cách", _salesGroupId));
        Assert.Equal(OrganizationRules.LoginNameInvalid, spaces.Code);
        var weak = await Assert.ThrowsAsync<DomainException>(() => _users.CreateAsync(_admin, new StaffInput
        {
            UserName = "yeu", FullName = "Yếu", DepartmentId = _rootId, PermissionGroupId = _salesGroupId, Password = "abc",
        }));
        Assert.Equal(OrganizationRules.PasswordRejected, weak.Code);
        Assert.DoesNotContain(await _users.ListAsync(_admin), u => u.UserName == "yeu");
    }

    [Fact]
    public async Task The_last_active_administrator_cannot_be_deactivated_or_moved_out()
    {
        var adminGroup = (await _org.GroupsAsync()).Single(g => g.IsBuiltInAdministrators).Id;
        var second = await NewUserAsync("admin2", adminGroup);
        // Two admins: one may leave the group…
        await _users.UpdateAsync(_admin, second.UserId, new StaffInput { FullName = "A2", DepartmentId = _rootId, PermissionGroupId = _salesGroupId });
        // …but now the built-in admin is the last one.
        var moveOut = await Assert.ThrowsAsync<DomainException>(() =>
            _users.UpdateAsync(_admin, _admin.UserId, new StaffInput { FullName = _admin.FullName, DepartmentId = _rootId, PermissionGroupId = _salesGroupId }));
        Assert.Equal(OrganizationRules.LastAdministrator, moveOut.Code);
        var self = await Assert.ThrowsAsync<DomainException>(() => _users.DeactivateAsync(_admin, _admin.UserId));
        Assert.Equal(OrganizationRules.CannotDeactivateSelf, self.Code);

        // An admin deactivating the other, last remaining admin is refused as well.
        await _users.UpdateAsync(_admin, second.UserId, new StaffInput { FullName = "A2", DepartmentId = _rootId, PermissionGroupId = adminGroup });
        var secondAccess = (await CurrentUser.LoadAsync(_app.DbFactory, second.UserId))!;
        await _users.DeactivateAsync(secondAccess, _admin.UserId);
        var last = await Assert.ThrowsAsync<DomainException>(() => _users.UpdateAsync(secondAccess, second.UserId,
            new StaffInput { FullName = "A2", DepartmentId = _rootId, PermissionGroupId = _salesGroupId }));
        Assert.Equal(OrganizationRules.LastAdministrator, last.Code);
        await _users.ReactivateAsync(secondAccess, _admin.UserId);
        Assert.True((await _users.ListAsync(secondAccess)).Single(u => u.Id == _admin.UserId).IsActive);
    }

    [Fact]
    public async Task A_deactivated_user_cannot_sign_in_and_their_cookie_and_circuit_stop_working()
    {
        var user = await NewUserAsync("se.nghi", _salesGroupId);
        var client = _app.CreateClient(new() { AllowAutoRedirect = false });
        var signIn = await FormPost.SignInAsync(client, "SE.NGHI", "Matkhau123456");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
        var before = await client.GetAsync("/settings");
        Assert.Equal(System.Net.HttpStatusCode.OK, before.StatusCode);

        // The circuit's principal, as the sign-in cookie carries it.
        var principal = await _app.SignedInPrincipalAsync(user.UserId);
        var sessions = _app.Services.GetRequiredService<UserSessions>();
        Assert.True(await sessions.IsValidAsync(principal));

        _events.Clear();
        await _users.DeactivateAsync(_admin, user.UserId);
        Assert.Contains(user.UserId, await AccessEventsAsync(user.UserId));
        Assert.False(await sessions.IsValidAsync(principal));
        Assert.Null(await CurrentUser.LoadAsync(_app.DbFactory, user.UserId));

        // The old cookie no longer opens pages: sent to the login page.
        var after = await client.GetAsync("/settings");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/account/login", after.Headers.Location!.ToString(), StringComparison.Ordinal);

        var fresh = _app.CreateClient(new() { AllowAutoRedirect = false });
        var refused = await FormPost.SignInAsync(fresh, "se.nghi", "Matkhau123456");
        Assert.Contains("vô hiệu hóa", FormPost.Alert(await FormPost.TextAsync(refused)), StringComparison.OrdinalIgnoreCase);

        // Reactivated, with a password reset by the admin: signs in with the new password only.
        await _users.ReactivateAsync(_admin, user.UserId);
        await _users.ResetPasswordAsync(_admin, user.UserId, "MoiDatLai456");
        var old = await FormPost.SignInAsync(_app.CreateClient(new() { AllowAutoRedirect = false }), "se.nghi", "Matkhau123456");
        Assert.NotEqual(System.Net.HttpStatusCode.Redirect, old.StatusCode);
        var ok = await FormPost.SignInAsync(_app.CreateClient(new() { AllowAutoRedirect = false }), "se.nghi", "MoiDatLai456");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, ok.StatusCode);
    }

    [Fact]
    public async Task A_user_changes_their_own_display_name_and_password()
    {
        var me = await NewUserAsync("tu.doi", _salesGroupId);
        var profiles = _scope.ServiceProvider.GetRequiredService<ProfileService>();
        await profiles.ChangeDisplayNameAsync(me, "  Trần Tự Đổi  ");
        Assert.Equal("Trần Tự Đổi", (await profiles.GetAsync(me)).FullName);
        var wrong = await Assert.ThrowsAsync<DomainException>(() => profiles.ChangePasswordAsync(me, "SaiMatKhau1", "MatKhauMoi789"));
        Assert.Equal(ProfileRules.WrongCurrentPassword, wrong.Code);
        await profiles.ChangePasswordAsync(me, "Matkhau123456", "MatKhauMoi789");
        var ok = await FormPost.SignInAsync(_app.CreateClient(new() { AllowAutoRedirect = false }), "tu.doi", "MatKhauMoi789");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, ok.StatusCode);
    }

    [Fact]
    public async Task An_open_circuit_of_a_deactivated_user_turns_anonymous_at_once()
    {
        var user = await NewUserAsync("mach.mo", _salesGroupId);
        var principal = await _app.SignedInPrincipalAsync(user.UserId);

        // A circuit's provider, as the app registers it.
        await using var circuit = _app.Services.CreateAsyncScope();
        var provider = circuit.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>();
        var revalidating = Assert.IsType<ActiveUserAuthenticationStateProvider>(provider);
        revalidating.SetAuthenticationState(Task.FromResult(new Microsoft.AspNetCore.Components.Authorization.AuthenticationState(principal)));
        var signedOut = new TaskCompletionSource();
        provider.AuthenticationStateChanged += async state =>
        {
            if ((await state).User.Identity?.IsAuthenticated != true)
            {
                signedOut.TrySetResult();
            }
        };

        // Someone else's change leaves it alone; a group change of this user keeps it signed in.
        var other = await NewUserAsync("nguoi.khac", _salesGroupId);
        await _users.DeactivateAsync(_admin, other.UserId);
        await _users.UpdateAsync(_admin, user.UserId, new StaffInput { FullName = "Mạch Mơ", DepartmentId = _rootId, PermissionGroupId = _salesGroupId });
        Assert.True((await provider.GetAuthenticationStateAsync()).User.Identity!.IsAuthenticated);

        await _users.DeactivateAsync(_admin, user.UserId);
        await signedOut.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False((await provider.GetAuthenticationStateAsync()).User.Identity!.IsAuthenticated);
    }
}
