using System.Security.Cryptography;
using System.Text;

namespace CrmBlazor.Domain.Organization;

/// <summary>Events a webhook can subscribe to.</summary>
[Flags]
public enum WebhookEvents
{
    None = 0,
    CustomerCreated = 1,
    CustomerUpdated = 2,
    RelationshipChanged = 4,
    CommentPosted = 8,
    /// <summary>A customer was merged into another (R6.4); the payload names both.</summary>
    CustomerMerged = 16,
    OrderCreated = 32,
    OrderPaid = 64,
    All = CustomerCreated | CustomerUpdated | RelationshipChanged | CommentPosted | CustomerMerged | OrderCreated | OrderPaid,
}

/// <summary>
/// A URL an administrator registered to receive events. Deliveries are signed with HMAC-SHA256 of
/// <c>timestamp + "." + body</c> using <see cref="Secret"/>, and only about customers the webhook's owner may see.
/// After repeated failures the endpoint is paused for a while (a circuit breaker) so it costs nothing while it is down.
/// </summary>
public sealed class Webhook
{
    private Webhook()
    {
        Url = Secret = OwnerId = string.Empty;
    }

    public Webhook(string url, WebhookEvents events, string ownerId, DateTime utcNow)
    {
        Url = ParseUrl(url).ToString();
        Events = events == WebhookEvents.None ? throw new ArgumentException("Choose at least one event.", nameof(events)) : events;
        OwnerId = ownerId;
        Secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        CreatedAt = utcNow;
        IsActive = true;
    }

    public int Id { get; private set; }
    public string Url { get; private set; }
    public WebhookEvents Events { get; private set; }
    /// <summary>Deliveries carry only customers this staff user may see.</summary>
    public string OwnerId { get; private set; }
    public string Secret { get; private set; }
    public bool IsActive { get; private set; }
    public DateTime CreatedAt { get; private set; }

    /// <summary>Failed deliveries in a row (reset by a success or by resuming the webhook).</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Set when the breaker opened: nothing is sent to the endpoint before this time (UTC).</summary>
    public DateTime? PausedUntil { get; private set; }

    /// <summary>How far a signature's timestamp may be from the receiver's clock (replay protection).</summary>
    public static readonly TimeSpan SignatureTolerance = TimeSpan.FromMinutes(5);

    public bool Wants(WebhookEvents e) => IsActive && (Events & e) != 0;

    /// <summary>True while the breaker holds the endpoint back.</summary>
    public bool IsPausedAt(DateTime utcNow) => PausedUntil > utcNow;

    public void Disable() => IsActive = false;

    /// <summary>Resumes the webhook and closes its breaker (the next due delivery is sent at once).</summary>
    public void Enable()
    {
        IsActive = true;
        ConsecutiveFailures = 0;
        PausedUntil = null;
    }

    public void DeliverySucceeded()
    {
        ConsecutiveFailures = 0;
        PausedUntil = null;
    }

    /// <summary>
    /// Counts a failed delivery; from the <paramref name="threshold"/>-th failure in a row the endpoint is paused for
    /// <paramref name="pause"/>, doubled for each further failure (the trial after a pause), at most 64 times.
    /// </summary>
    public void DeliveryFailed(DateTime utcNow, int threshold, TimeSpan pause)
    {
        ConsecutiveFailures++;
        if (ConsecutiveFailures >= Math.Max(1, threshold))
        {
            PausedUntil = utcNow + (pause * Math.Pow(2, Math.Min(ConsecutiveFailures - threshold, 6)));
        }
    }

    /// <summary>An absolute http or https URL, or <see cref="ArgumentException"/>.</summary>
    public static Uri ParseUrl(string? url)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("A webhook needs an absolute http or https URL.", nameof(url));
        }

        return uri;
    }

    /// <summary>"sha256=" + hex HMAC-SHA256 of <c>timestamp + "." + body</c> with the secret (timestamp: Unix seconds).</summary>
    public static string Sign(string secret, long timestamp, string body) =>
        "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + body))).ToLowerInvariant();

    /// <summary>
    /// What a receiver does: recompute the signature over the timestamp header and the raw body, compare in constant
    /// time, and refuse a timestamp further than <see cref="SignatureTolerance"/> from now. (A receiver that also
    /// remembers the delivery ids it saw within the tolerance refuses every replay.)
    /// </summary>
    public static bool Verify(string secret, string? timestamp, string body, string? signature, DateTimeOffset now)
    {
        if (signature is null || !long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > SignatureTolerance)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, seconds, body)), Encoding.ASCII.GetBytes(signature));
    }
}

public enum DeliveryStatus
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
}

/// <summary>One delivery of one event to one webhook: retried with back-off, logged, re-sendable.</summary>
public sealed class WebhookDelivery
{
    public const int MaxAttempts = 6;

    private WebhookDelivery()
    {
        Event = Payload = string.Empty;
    }

    public WebhookDelivery(int webhookId, string evt, string payload, DateTime utcNow)
    {
        WebhookId = webhookId;
        Event = evt;
        Payload = payload;
        CreatedAt = utcNow;
        NextAttemptAt = utcNow;
    }

    public long Id { get; private set; }
    public int WebhookId { get; private set; }
    public string Event { get; private set; }
    public string Payload { get; private set; }
    public DeliveryStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public int? LastStatusCode { get; private set; }
    public string? LastError { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? NextAttemptAt { get; private set; }
    public DateTime? DeliveredAt { get; private set; }

    public void Succeeded(int statusCode, DateTime utcNow)
    {
        Attempts++;
        Status = DeliveryStatus.Delivered;
        LastStatusCode = statusCode;
        LastError = null;
        DeliveredAt = utcNow;
        NextAttemptAt = null;
    }

    /// <summary>
    /// Records a failed attempt; retries after base × 4^(attempt-1), up to <see cref="MaxAttempts"/>. The error is a
    /// short code (<see cref="DeliveryErrors"/>), never network details.
    /// </summary>
    public void FailedAttempt(int? statusCode, string error, DateTime utcNow, TimeSpan baseDelay)
    {
        Attempts++;
        LastStatusCode = statusCode;
        LastError = error.Length > 40 ? error[..40] : error;
        if (Attempts >= MaxAttempts)
        {
            Status = DeliveryStatus.Failed;
            NextAttemptAt = null;
        }
        else
        {
            NextAttemptAt = utcNow + baseDelay * Math.Pow(4, Attempts - 1);
        }
    }

    /// <summary>Sends again from the log (an admin's "re-send").</summary>
    public void Resend(DateTime utcNow)
    {
        Status = DeliveryStatus.Pending;
        NextAttemptAt = utcNow;
        Attempts = 0;
    }
}

/// <summary>
/// What a delivery log says about a failure: a short code the page words in the reader's language. No address, port
/// or socket error text, so the log cannot be used to probe a network (issue #20).
/// </summary>
public static class DeliveryErrors
{
    /// <summary>The address filter refused the host (internal, private, link-local, metadata…).</summary>
    public const string Refused = "refused";

    /// <summary>The receiver answered 3xx; redirects are never followed.</summary>
    public const string Redirect = "redirect";

    /// <summary>No answer within the per-request timeout.</summary>
    public const string Timeout = "timeout";

    /// <summary>Any other network failure (name not found, connection failed, TLS…).</summary>
    public const string Unreachable = "unreachable";

    /// <summary>A non-success HTTP status; the code is in the log's status column.</summary>
    public const string HttpStatus = "http";
}
