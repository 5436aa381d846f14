using System.Net;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Admin;
using CrmBlazor.Security;
using CrmBlazor.Security.Passwords;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CrmBlazor.Tests.Integration.Security;

/// <summary>Passwords (#20, finding 9): 12 characters without composition rules, no common password, not the current
/// one; PBKDF2 with 210,000 iterations, and older hashes upgraded at the next sign-in.</summary>
public sealed class PasswordPolicyTests : IClassFixture<PasswordPolicyTests.App>
{
    private readonly App _app;

    public PasswordPolicyTests(App app) => _app = app;

    public sealed class App : CrmAppFactory;

    [Fact]
    public void The_shipped_list_holds_the_100000_most_common_passwords()
    {
        // 100,000 lines; 96,518 once those that differ only by case ("Password", "password") fold together.
        Assert.Equal(96_518, CommonPasswords.Count);
        Assert.True(CommonPasswords.Contains("123456"));
        Assert.True(CommonPasswords.Contains("PASSWORD"));
        Assert.True(CommonPasswords.Contains("qwerty123456"));
        Assert.False(CommonPasswords.Contains("Ngựa vằn ăn cỏ dưới trăng"));
    }

    [Theory]
    [InlineData("Password1", "PasswordTooShort")]
    [InlineData("Abc@1234567", "PasswordTooShort")]
    [InlineData("qwerty123456", CrmPasswordValidator.TooCommonCode)]
    [InlineData("1QAZ2WSX3EDC", CrmPasswordValidator.TooCommonCode)]
    [InlineData("123456789987654321", CrmPasswordValidator.TooCommonCode)]
    public async Task Short_or_common_passwords_are_refused(string password, string code)
    {
        var result = await CreateAsync("yeu" + Guid.NewGuid().ToString("N")[..6], password);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Code == code);
    }

    [Theory]
    [InlineData("ngựa vằn ăn cỏ")]
    [InlineData("correcthorsebatterystaple")]
    [InlineData("MỘTHAIBABỐNNĂM")]
    public async Task Long_passwords_need_no_digit_capital_or_symbol(string password)
    {
        var result = await CreateAsync("dai" + Guid.NewGuid().ToString("N")[..6], password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Code)));
    }

    [Fact]
    public async Task The_new_password_must_differ_from_the_current_one()
    {
        var id = await _app.CreateUserAsync("doimk", "Mat khau cu 2026", Rights.SalesDefault);
        var me = (await CurrentUser.LoadAsync(_app.DbFactory, id))!;
        await using var scope = _app.Services.CreateAsyncScope();
        var profiles = scope.ServiceProvider.GetRequiredService<ProfileService>();
        var same = await Assert.ThrowsAsync<DomainException>(() => profiles.ChangePasswordAsync(me, "Mat khau cu 2026", "Mat khau cu 2026"));
        Assert.Equal(OrganizationRules.PasswordSameAsCurrent, same.Code);

        var admin = (await CurrentUser.LoadAsync(_app.DbFactory, await _app.AdminIdAsync()))!;
        var reset = await Assert.ThrowsAsync<DomainException>(() => scope.ServiceProvider.GetRequiredService<UserAdminService>().ResetPasswordAsync(admin, id, "Mat khau cu 2026"));
        Assert.Equal(OrganizationRules.PasswordSameAsCurrent, reset.Code);

        await profiles.ChangePasswordAsync(me, "Mat khau cu 2026", "Mat khau moi 2027");
    }

    [Fact]
    public async Task A_hash_made_with_fewer_iterations_is_upgraded_at_the_next_sign_in()
    {
        const string password = "Nâng cấp băm 2026";
        var id = await _app.CreateUserAsync("cu.hash", password, Rights.SalesDefault);
        Assert.Equal(PasswordPolicy.Pbkdf2Iterations, await IterationsAsync(id));
        Assert.True(_app.Services.GetRequiredService<IOptions<PasswordHasherOptions>>().Value.IterationCount >= 210_000);

        // As stored by the app before #20: Identity V3 with 100,000 iterations.
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var user = await db.Users.SingleAsync(u => u.Id == id);
            var legacy = new PasswordHasher<AppUser>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }));
            user.PasswordHash = legacy.HashPassword(user, password);
            await db.SaveChangesAsync();
        }

        Assert.Equal(100_000, await IterationsAsync(id));
        var wrong = await FormPost.SignInAsync(_app.CreateClient(new() { AllowAutoRedirect = false }), "cu.hash", "Sai mật khẩu rồi");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Equal(100_000, await IterationsAsync(id));

        var signIn = await FormPost.SignInAsync(_app.CreateClient(new() { AllowAutoRedirect = false }), "cu.hash", password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(PasswordPolicy.Pbkdf2Iterations, await IterationsAsync(id));

        // The upgraded hash still opens the account.
        var again = await FormPost.SignInAsync(_app.CreateClient(new() { AllowAutoRedirect = false }), "cu.hash", password);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
    }

    private async Task<int> IterationsAsync(string userId)
    {
        await using var db = await _app.DbFactory.CreateDbContextAsync();
        return PasswordPolicy.IterationsOf((await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId)).PasswordHash!);
    }

    private async Task<IdentityResult> CreateAsync(string login, string password)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().CreateAsync(new AppUser { UserName = login }, password);
    }
}
