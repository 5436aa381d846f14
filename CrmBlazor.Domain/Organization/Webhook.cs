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
    All = CustomerCreated | CustomerUpdated | RelationshipChanged | CommentPosted,
}

/// <summary>
/// A URL an administrator registered to receive events. Deliveries are signed with HMAC-SHA256 of the body using
/// <see cref="Secret"/>, and only about customers the webhook's owner may see.
/// </summary>
public sealed class Webhook
{
    private Webhook()
    {
        Url = Secret = OwnerId = string.Empty;
    }

    public Webhook(string url, WebhookEvents events, string ownerId, DateTime utcNow)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("A webhook needs an absolute http or https URL.", nameof(url));
        }

        Url = uri.ToString();
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

    public bool Wants(WebhookEvents e) => IsActive && (Events & e) != 0;

    public void Disable() => IsActive = false;

    public void Enable() => IsActive = true;

    /// <summary>"sha256=" + hex HMAC-SHA256 of the body with the secret.</summary>
    public static string Sign(string secret, string body) =>
        "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
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

    /// <summary>Records a failed attempt; retries after base × 4^(attempt-1), up to <see cref="MaxAttempts"/>.</summary>
    public void FailedAttempt(int? statusCode, string error, DateTime utcNow, TimeSpan baseDelay)
    {
        Attempts++;
        LastStatusCode = statusCode;
        LastError = error.Length > 500 ? error[..500] : error;
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
