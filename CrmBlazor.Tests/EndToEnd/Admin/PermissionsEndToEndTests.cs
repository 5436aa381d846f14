using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd.Admin;

/// <summary>
/// Two browsers (issue 3): the admin builds a department, a group without "view all" and a user through the UI; the
/// user signs in elsewhere and sees only their own customers; the admin grants "view all" and the user's open list
/// grows without signing in again (R7.3, rights take effect live).
/// </summary>
public sealed class PermissionsEndToEndTests : IAsyncLifetime
{
    private const int Timeout = 30_000;
    private CrmAppFactory _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(kestrel: true);
        _app.StartServer();
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
    }

    private static string Artifacts => Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts")).FullName;

    [Fact]
    public async Task Admin_creates_department_group_and_user_and_granting_view_all_grows_the_users_open_list()
    {
        Assertions.SetDefaultExpectTimeout(Timeout);
        var url = _app.ServerAddress;
        await using var adminContext = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
        var admin = await adminContext.NewPageAsync();
        await Chromium.SignInAsync(admin, url, DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/customers$"));

        // 1. A department under the company root.
        await admin.GotoAsync(url + "/settings/departments");
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Phòng ban" })).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByTestId("department-panel")).ToContainTextAsync(DatabaseInitializer.RootDepartmentName);
        await admin.GetByLabel("Tên phòng ban con mới").FillAsync("Kinh doanh miền Bắc");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Thêm phòng ban con" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("Đã thêm phòng ban “Kinh doanh miền Bắc”.")).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Kinh doanh miền Bắc" })).ToBeVisibleAsync();
        await admin.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "admin-departments.png"), FullPage = true });

        // 2. A permission group without "view all" (new groups start with access to customers only).
        await admin.GotoAsync(url + "/settings/permission-groups");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Nhóm quyền mới" }).ClickAsync();
        await admin.GetByLabel("Tên nhóm").FillAsync("Nhân viên kinh doanh");
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Lưu" }).ClickAsync();
        var viewAll = admin.GetByLabel("Xem tất cả khách hàng — Nhân viên kinh doanh");
        await Assertions.Expect(viewAll).ToBeVisibleAsync();
        await Assertions.Expect(viewAll).Not.ToBeCheckedAsync();
        await Assertions.Expect(admin.GetByLabel("Khách hàng: truy cập — Nhân viên kinh doanh")).ToBeCheckedAsync();

        // 3. A staff account in that department and group.
        await admin.GotoAsync(url + "/settings/users");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Người dùng mới" }).ClickAsync();
        var dialog = admin.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Tên đăng nhập").FillAsync("Hoa.Pham");
        await dialog.GetByLabel("Họ và tên").FillAsync("Phạm Thị Hoa");
        await dialog.GetByLabel("Email").FillAsync("hoa.pham@example.vn");
        await dialog.GetByLabel("Điện thoại").FillAsync("0912 345 678");
        await dialog.GetByLabel("Phòng ban").ClickAsync();
        await admin.GetByRole(AriaRole.Option, new() { Name = "Kinh doanh miền Bắc" }).ClickAsync();
        await dialog.GetByLabel("Nhóm quyền").ClickAsync();
        await admin.GetByRole(AriaRole.Option, new() { Name = "Nhân viên kinh doanh" }).ClickAsync();
        await dialog.GetByLabel("Mật khẩu ban đầu").FillAsync("Hoa@2026pass");
        await admin.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "admin-new-user.png") });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Tạo người dùng" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("Đã tạo người dùng.")).ToBeVisibleAsync();
        var row = admin.Locator(".users-table tbody tr").Filter(new() { HasText = "Phạm Thị Hoa" });
        await Assertions.Expect(row).ToContainTextAsync("Kinh doanh miền Bắc");
        await Assertions.Expect(row).ToContainTextAsync("Nhân viên kinh doanh");
        await admin.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "admin-users.png"), FullPage = true });

        // Customers: 3 of hers, 4 of other people's or unassigned.
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var hoa = await db.StaffProfiles.SingleAsync(p => p.UserName == "Hoa.Pham");
            var adminId = await db.StaffProfiles.Where(p => p.UserName == DatabaseInitializer.AdminUserName).Select(p => p.Id).SingleAsync();
            var relationship = await db.Relationships.OrderBy(r => r.Position).Select(r => r.Id).FirstAsync();
            var owners = new[] { hoa.Id, hoa.Id, hoa.Id, adminId, adminId, adminId, null };
            for (var i = 0; i < owners.Length; i++)
            {
                var c = Customer.Create(new CustomerDetails { Name = $"Khách thử {i + 1}", Phone = $"090000000{i}" }, relationship, owners[i], adminId, DateTime.UtcNow);
                db.Customers.Add(c);
                await db.SaveChangesAsync();
                c.AssignGeneratedCode();
                await db.SaveChangesAsync();
            }
        }

        // 4. The new user signs in elsewhere and sees only her own customers.
        await using var userContext = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var user = await userContext.NewPageAsync();
        await Chromium.SignInAsync(user, url, "hoa.pham", "Hoa@2026pass");
        await Assertions.Expect(user).ToHaveURLAsync(new Regex("/customers$"));
        var total = user.Locator("[data-testid=customer-total]");
        await Assertions.Expect(total).ToHaveTextAsync(new Regex("Tất cả: 3$"));
        await Assertions.Expect(user.GetByText("Khách thử 1")).ToBeVisibleAsync();
        await Assertions.Expect(user.GetByText("Khách thử 4")).ToHaveCountAsync(0);
        await user.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "user-own-customers.png"), FullPage = true });

        // 5. The admin grants "view all": her open list grows, no new sign-in, no reload.
        await admin.GotoAsync(url + "/settings/permission-groups");
        await Assertions.Expect(viewAll).Not.ToBeCheckedAsync();
        await viewAll.ClickAsync();
        await Assertions.Expect(admin.GetByText("Đã lưu quyền của “Nhân viên kinh doanh”.")).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByLabel("Xem tất cả khách hàng — Nhân viên kinh doanh")).ToBeCheckedAsync();
        await Assertions.Expect(total).ToHaveTextAsync(new Regex("Tất cả: 7$"));
        await Assertions.Expect(user.GetByText("Khách thử 7")).ToBeVisibleAsync();
        await Assertions.Expect(user).ToHaveURLAsync(new Regex("/customers$"));
        await admin.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "admin-permission-groups.png"), FullPage = true });
        await user.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "user-view-all.png"), FullPage = true });
    }

    [Fact]
    public async Task A_user_edits_their_profile_and_is_signed_out_at_once_when_deactivated()
    {
        Assertions.SetDefaultExpectTimeout(Timeout);
        var url = _app.ServerAddress;
        string userId;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var services = scope.ServiceProvider;
            await using var db = await _app.DbFactory.CreateDbContextAsync();
            var adminId = await db.StaffProfiles.Where(p => p.UserName == DatabaseInitializer.AdminUserName).Select(p => p.Id).SingleAsync();
            var admin = (await CrmBlazor.Security.CurrentUser.LoadAsync(_app.DbFactory, adminId))!;
            var org = services.GetRequiredService<CrmBlazor.Features.Admin.OrganizationService>();
            var group = await org.CreateGroupAsync(admin, "Bán hàng", CrmBlazor.Domain.Organization.Rights.SalesDefault);
            userId = await services.GetRequiredService<CrmBlazor.Features.Admin.UserAdminService>().CreateAsync(admin, new CrmBlazor.Features.Admin.StaffInput
            {
                UserName = "lan.vo", FullName = "Võ Lan", DepartmentId = admin.DepartmentId, PermissionGroupId = group, Password = "LanVo2026xyz",
            });
        }

        await using var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();
        await Chromium.SignInAsync(page, url, "lan.vo", "LanVo2026xyz");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers$"));

        // Own display name and password, from the account menu's profile page.
        await page.GotoAsync(url + "/account/profile");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Hồ sơ của tôi" })).ToBeVisibleAsync();
        await page.GetByLabel("Họ và tên").FillAsync("Võ Thị Lan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Lưu tên" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Đã lưu tên hiển thị của bạn.")).ToBeVisibleAsync();
        await page.GetByLabel("Mật khẩu hiện tại").FillAsync("sai-mat-khau");
        await page.GetByLabel("Mật khẩu mới", new() { Exact = true }).FillAsync("LanVoMoi2027");
        await page.GetByLabel("Nhập lại mật khẩu mới").FillAsync("LanVoMoi2027");
        await page.GetByRole(AriaRole.Button, new() { Name = "Đổi mật khẩu" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Mật khẩu hiện tại không đúng.")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "profile.png"), FullPage = true });
        await page.GetByLabel("Mật khẩu hiện tại").FillAsync("LanVo2026xyz");
        await page.GetByRole(AriaRole.Button, new() { Name = "Đổi mật khẩu" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await Chromium.SignInAsync(page, url, "lan.vo", "LanVoMoi2027");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers$"));
        // Wait for a live circuit (the profile page enables its buttons once interactive), not just prerendered HTML.
        await page.GotoAsync(url + "/account/profile");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Đổi mật khẩu" })).ToBeEnabledAsync();

        // An administrator deactivates her: the open page leaves for the login page without any click.
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            await using var db = await _app.DbFactory.CreateDbContextAsync();
            var adminId = await db.StaffProfiles.Where(p => p.UserName == DatabaseInitializer.AdminUserName).Select(p => p.Id).SingleAsync();
            var admin = (await CrmBlazor.Security.CurrentUser.LoadAsync(_app.DbFactory, adminId))!;
            Assert.Equal("Võ Thị Lan", await db.StaffProfiles.Where(p => p.Id == userId).Select(p => p.FullName).SingleAsync());
            await scope.ServiceProvider.GetRequiredService<CrmBlazor.Features.Admin.UserAdminService>().DeactivateAsync(admin, userId);
        }

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.GotoAsync(url + "/customers");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await Chromium.SignInAsync(page, url, "lan.vo", "LanVoMoi2027");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("vô hiệu hóa");
    }
}
