using System.Net;
using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration;

public sealed class SignInTests : IClassFixture<SignInTests.Factory>
{
    private readonly Factory _factory;

    public SignInTests(Factory factory) => _factory = factory;

    public sealed class Factory : CrmAppFactory;

    private HttpClient Client() => _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [Theory]
    [InlineData("/")]
    [InlineData("/customers")]
    [InlineData("/board")]
    [InlineData("/settings")]
    public async Task Anonymous_requests_are_redirected_to_the_login_page(string path)
    {
        var response = await Client().GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_login_page_is_served_in_Vietnamese_by_default()
    {
        var html = await FormPost.TextAsync(await Client().GetAsync("/account/login"));
        Assert.Contains("Tên đăng nhập", html, StringComparison.Ordinal);
        Assert.Contains("Đăng nhập", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_created_on_first_start_can_sign_in_and_open_customers()
    {
        var client = Client();
        var response = await FormPost.SignInAsync(client, DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/customers", response.Headers.Location!.AbsolutePath);

        var customers = await client.GetAsync("/customers");
        Assert.Equal(HttpStatusCode.OK, customers.StatusCode);
        Assert.Contains("Khách hàng", await FormPost.TextAsync(customers), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_five_times_locks_the_account()
    {
        await using (var setup = _factory.Services.CreateAsyncScope())
        await using (var db = await _factory.DbFactory.CreateDbContextAsync())
        {
            var root = await db.Departments.FirstAsync();
            var group = await db.PermissionGroups.FirstAsync();
            var users = setup.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
            await StaffAccounts.CreateAsync(users, db, "lockme", "Khóa Thử", null, "Right@Pass123", root.Id, group.Id, default);
        }

        for (var i = 1; i <= 5; i++)
        {
            var wrong = await FormPost.SignInAsync(Client(), "lockme", "Wrong@Pass" + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            var alert = FormPost.Alert(await FormPost.TextAsync(wrong));
            if (i < 5)
            {
                Assert.Equal("Sai tên đăng nhập hoặc mật khẩu.", alert);
            }
            else
            {
                // The fifth wrong password is the one that locks the account.
                Assert.StartsWith("Tài khoản bị khóa", alert, StringComparison.Ordinal);
            }
        }

        var correct = await FormPost.SignInAsync(Client(), "lockme", "Right@Pass123");
        Assert.Equal(HttpStatusCode.OK, correct.StatusCode);
        Assert.StartsWith("Tài khoản bị khóa", FormPost.Alert(await FormPost.TextAsync(correct)), StringComparison.Ordinal);

        await using var scope = _factory.Services.CreateAsyncScope();
        var fresh = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
        var user = await fresh.FindByNameAsync("lockme");
        Assert.True(await fresh.IsLockedOutAsync(user!));
    }

    [Fact]
    public async Task Sign_out_ends_the_session()
    {
        var client = Client();
        await FormPost.SignInAsync(client, DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/customers")).StatusCode);

        var token = await FormPost.TokenAsync(client);
        var logout = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/customers")).StatusCode);
    }

    [Fact]
    public async Task The_culture_switch_serves_English()
    {
        var client = Client();
        var set = await client.GetAsync("/culture/set?culture=en&redirectUri=%2Faccount%2Flogin");
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        var html = await FormPost.TextAsync(await client.GetAsync("/account/login"));
        Assert.Contains("Login name", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Tên đăng nhập", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_culture_switch_never_redirects_off_site()
    {
        var set = await Client().GetAsync("/culture/set?culture=en&redirectUri=%2F%2Fevil.example");
        Assert.Equal("/", set.Headers.Location!.OriginalString);
    }
}
