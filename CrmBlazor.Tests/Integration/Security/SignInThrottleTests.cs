using System.Net;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Tests.TestSupport;

namespace CrmBlazor.Tests.Integration.Security;

/// <summary>Sign-in is throttled per address, and failures per account name (#20, finding 8).</summary>
public sealed class SignInThrottleTests
{
    [Fact]
    public async Task Too_many_attempts_from_one_address_answer_429_with_Retry_After_and_a_clear_message()
    {
        await using var app = new CrmAppFactory(settings: new Dictionary<string, string?> { ["SignIn:AttemptsPerIpPerMinute"] = "3" });
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        for (var i = 0; i < 3; i++)
        {
            var wrong = await FormPost.SignInAsync(client, "admin", "Không phải mật khẩu " + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Equal("Sai tên đăng nhập hoặc mật khẩu.", FormPost.Alert(await FormPost.TextAsync(wrong)));
        }

        // Even the right password waits: the limit counts attempts, not only failures.
        var throttled = await FormPost.SignInAsync(client, "admin", CrmAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        var retryAfter = throttled.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        Assert.StartsWith("Có quá nhiều lần đăng nhập từ mạng của bạn.", FormPost.Alert(await FormPost.TextAsync(throttled)), StringComparison.Ordinal);
        Assert.Null(throttled.Headers.Location);
    }

    [Fact]
    public async Task A_name_without_an_account_is_locked_like_an_account_after_five_failures()
    {
        await using var app = new CrmAppFactory();
        await app.CreateUserAsync("co.that", "Tài khoản có thật 1", Rights.SalesDefault);
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var answers = new Dictionary<string, List<string>> { ["co.that"] = [], ["khong.co"] = [] };
        foreach (var name in answers.Keys)
        {
            for (var i = 0; i < 6; i++)
            {
                var response = await FormPost.SignInAsync(client, name, "Sai mật khẩu " + i);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                answers[name].Add(FormPost.Alert(await FormPost.TextAsync(response)));
            }
        }

        // The same answers, failure by failure: nothing tells which name has an account.
        Assert.Equal(answers["co.that"], answers["khong.co"]);
        Assert.Equal(4, answers["khong.co"].Count(a => a == "Sai tên đăng nhập hoặc mật khẩu."));
        Assert.StartsWith("Tài khoản bị khóa", answers["khong.co"][4], StringComparison.Ordinal);
        Assert.StartsWith("Tài khoản bị khóa", answers["khong.co"][5], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deactivated_account_says_so_only_to_someone_who_knows_its_password()
    {
        await using var app = new CrmAppFactory();
        var id = await app.CreateUserAsync("nghi.viec", "Đã nghỉ việc 2026", Rights.SalesDefault);
        await using (var db = await app.DbFactory.CreateDbContextAsync())
        {
            (await db.StaffProfiles.FindAsync(id))!.Deactivate();
            await db.SaveChangesAsync();
        }

        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        // On main a wrong password was told "deactivated": an oracle for which accounts exist and were deactivated.
        var wrong = await FormPost.SignInAsync(client, "nghi.viec", "Đoán bừa mật khẩu");
        Assert.Equal("Sai tên đăng nhập hoặc mật khẩu.", FormPost.Alert(await FormPost.TextAsync(wrong)));
        var right = await FormPost.SignInAsync(client, "nghi.viec", "Đã nghỉ việc 2026");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.StartsWith("Tài khoản này đã bị vô hiệu hóa.", FormPost.Alert(await FormPost.TextAsync(right)), StringComparison.Ordinal);
    }
}
