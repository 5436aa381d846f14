using System.Text.Json;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Webhooks;

namespace CrmBlazor.Tests.Domain;

/// <summary>Webhook signatures with a timestamp, the breaker, the short failure codes and short payloads (issue #20).</summary>
public class WebhookRulesTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_signature_covers_the_timestamp_and_the_body_and_expires_after_five_minutes()
    {
        const string secret = "s3cret";
        const string body = """{"event":"customer.created"}""";
        var now = new DateTimeOffset(Now);
        var ts = now.ToUnixTimeSeconds();
        var signature = Webhook.Sign(secret, ts, body);

        Assert.StartsWith("sha256=", signature, StringComparison.Ordinal);
        Assert.Equal(signature, Webhook.Sign(secret, ts, body));
        Assert.True(Webhook.Verify(secret, ts.ToString(System.Globalization.CultureInfo.InvariantCulture), body, signature, now));
        Assert.True(Webhook.Verify(secret, ts.ToString(System.Globalization.CultureInfo.InvariantCulture), body, signature, now.AddMinutes(5)));

        // A replay later, a new timestamp on an old signature, a changed body or another secret: all refused.
        Assert.False(Webhook.Verify(secret, ts.ToString(System.Globalization.CultureInfo.InvariantCulture), body, signature, now.AddMinutes(5).AddSeconds(1)));
        Assert.False(Webhook.Verify(secret, ts.ToString(System.Globalization.CultureInfo.InvariantCulture), body, signature, now.AddMinutes(-6)));
        Assert.False(Webhook.Verify(secret, (ts + 60).ToString(System.Globalization.CultureInfo.InvariantCulture), body, signature, now));
        Assert.False(Webhook.Verify(secret, ts.ToString(System.Globalization.CultureInfo.InvariantCulture), body + " ", signature, now));
        Assert.False(Webhook.Verify("other", ts.ToString(System.Globalization.CultureInfo.InvariantCulture), body, signature, now));
        Assert.False(Webhook.Verify(secret, null, body, signature, now));
        Assert.False(Webhook.Verify(secret, "-1", body, signature, now));
        Assert.False(Webhook.Verify(secret, "99999999999999999999", body, signature, now));
        Assert.False(Webhook.Verify(secret, ts.ToString(System.Globalization.CultureInfo.InvariantCulture), body, null, now));
        Assert.NotEqual(signature, Webhook.Sign(secret, ts + 1, body));
    }

    [Fact]
    public void The_breaker_opens_after_repeated_failures_backs_off_and_closes_on_success_or_resume()
    {
        var hook = new Webhook("https://hooks.example.vn/crm", WebhookEvents.All, "owner", Now);
        var pause = TimeSpan.FromMinutes(5);
        for (var i = 0; i < 4; i++)
        {
            hook.DeliveryFailed(Now, threshold: 5, pause);
            Assert.False(hook.IsPausedAt(Now));
        }

        hook.DeliveryFailed(Now, threshold: 5, pause);
        Assert.Equal(5, hook.ConsecutiveFailures);
        Assert.Equal(Now + pause, hook.PausedUntil);
        Assert.True(hook.IsPausedAt(Now.AddMinutes(4)));
        Assert.False(hook.IsPausedAt(Now.AddMinutes(5)));

        // The trial after the pause fails: a longer pause.
        var later = Now.AddMinutes(5);
        hook.DeliveryFailed(later, threshold: 5, pause);
        Assert.Equal(later + (2 * pause), hook.PausedUntil);
        for (var i = 0; i < 20; i++)
        {
            hook.DeliveryFailed(later, threshold: 5, pause);
        }

        Assert.Equal(later + (64 * pause), hook.PausedUntil); // capped

        hook.DeliverySucceeded();
        Assert.Equal(0, hook.ConsecutiveFailures);
        Assert.Null(hook.PausedUntil);

        for (var i = 0; i < 5; i++)
        {
            hook.DeliveryFailed(Now, threshold: 5, pause);
        }

        hook.Disable();
        hook.Enable();
        Assert.False(hook.IsPausedAt(Now));
        Assert.Equal(0, hook.ConsecutiveFailures);
    }

    [Fact]
    public void A_failed_attempt_logs_a_short_code_only()
    {
        var d = new WebhookDelivery(1, "customer.created", "{}", Now);
        d.FailedAttempt(null, "Connection refused (127.0.0.1:22) " + new string('x', 600), Now, TimeSpan.FromSeconds(30));
        Assert.True(d.LastError!.Length <= 40);
        d.FailedAttempt(302, DeliveryErrors.Redirect, Now, TimeSpan.FromSeconds(30));
        Assert.Equal("redirect", d.LastError);
    }

    [Fact]
    public void A_one_megabyte_comment_makes_a_payload_of_a_few_kilobytes()
    {
        var body = string.Concat(Enumerable.Repeat("Khách hỏi giá sỉ 😀 ", 1_048_576 / 20));
        Assert.True(body.Length >= 1_000_000);
        var comment = WebhookPayload.Comment(42, body, body.Length, "author-1", Now);
        var customer = WebhookPayload.Customer(7, "KH000007", new string('N', 5000), "+84912000111", "an@example.vn", 1, "Tiềm năng", "owner", 3, Now);
        var json = WebhookPayload.Serialize("comment.posted", Now, customer, comment);

        Assert.True(json.Length < 4096, $"payload is {json.Length} characters");
        var parsed = JsonDocument.Parse(json).RootElement;
        var excerpt = parsed.GetProperty("comment").GetProperty("excerpt").GetString()!;
        Assert.Equal(WebhookPayload.CommentExcerptLength, excerpt.Length);
        Assert.EndsWith("…", excerpt, StringComparison.Ordinal);
        Assert.StartsWith("Khách hỏi giá sỉ", excerpt, StringComparison.Ordinal);
        Assert.True(parsed.GetProperty("comment").GetProperty("truncated").GetBoolean());
        Assert.Equal(body.Length, parsed.GetProperty("comment").GetProperty("length").GetInt32());
        Assert.Equal(42, parsed.GetProperty("comment").GetProperty("id").GetInt64());
        Assert.Equal(WebhookPayload.FieldLength, parsed.GetProperty("customer").GetProperty("name").GetString()!.Length);
    }

    [Fact]
    public void Excerpts_never_split_a_character()
    {
        Assert.Equal("abc", WebhookPayload.Excerpt("abc", 280));
        Assert.Null(WebhookPayload.Excerpt(null, 280));
        var emoji = new string('a', 3) + "😀😀"; // the cut falls inside the first emoji's surrogate pair
        var cut = WebhookPayload.Excerpt(emoji, 5);
        Assert.Equal("aaa…", cut);
        Assert.False(char.IsHighSurrogate(cut[^2]));
    }
}
