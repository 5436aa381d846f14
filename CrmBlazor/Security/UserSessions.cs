using System.Collections.Concurrent;
using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrmBlazor.Security;

/// <summary>
/// Server-side sign-in sessions (#20): each sign-in cookie names a <see cref="UserSession"/> row
/// (<see cref="SessionIdClaim"/>); a principal is valid while its row is open, its account active and its security stamp
/// unchanged. Every HTTP request, circuit and hub connection asks <see cref="IsValidAsync"/>. A valid answer is kept for at
/// most <see cref="CacheFor"/>, and forgotten at once when this instance ends a session or hears (on the live bus, from any
/// instance) that a session ended or the account's access changed; a refusal is never kept.
/// </summary>
public sealed class UserSessions : IDisposable
{
    public const string SessionIdClaim = "crm:sid";

    /// <summary>How long a checked session is trusted without reading the database again: a backstop for changes made
    /// outside the app; every change the app makes forgets it at once.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(15);

    /// <summary>How often a session's "last seen" time is written.</summary>
    private static readonly TimeSpan SeenEvery = TimeSpan.FromMinutes(5);

    private readonly IDbContextFactory<CrmDbContext> _dbFactory;
    private readonly ILiveEventBus _live;
    private readonly TimeProvider _clock;
    private readonly IOptions<IdentityOptions> _identity;
    private readonly ConcurrentDictionary<string, Checked> _valid = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;
    // Bumped by every forget: an answer read from the database before a session ended is not kept after it.
    private long _forgets;

    public UserSessions(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, TimeProvider clock, IOptions<IdentityOptions> identity)
    {
        _dbFactory = dbFactory;
        _live = live;
        _clock = clock;
        _identity = identity;
        _subscription = live.Subscribe([LiveTopics.Access], OnLiveEventAsync);
    }

    public static string? SessionIdOf(ClaimsPrincipal principal) => principal.FindFirstValue(SessionIdClaim);

    public string? UserIdOf(ClaimsPrincipal principal) => principal.FindFirstValue(_identity.Value.ClaimsIdentity.UserIdClaimType);

    /// <summary>True when <paramref name="e"/> ends the session of <paramref name="principal"/>.</summary>
    public bool Ends(SessionEnded e, ClaimsPrincipal principal) =>
        UserIdOf(principal) == e.UserId && (e.SessionId is null || e.SessionId == SessionIdOf(principal));

    /// <summary>Opens a session for a sign-in and returns its id (the cookie's <see cref="SessionIdClaim"/>).</summary>
    public async Task<string> StartAsync(string userId, string? userAgent, string? address, CancellationToken ct = default)
    {
        var session = UserSession.Start(userId, UtcNow, userAgent, address);
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        db.UserSessions.Add(session);
        await db.SaveChangesAsync(ct);
        return session.Id;
    }

    /// <summary>Signing out: ends the principal's own session, so that no copy of its cookie works any more.</summary>
    public async Task EndAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        var userId = UserIdOf(principal);
        var sessionId = SessionIdOf(principal);
        if (userId is null || sessionId is null)
        {
            return;
        }

        await EndWhereAsync(s => s.Id == sessionId && s.UserId == userId, ct);
        Forget(sessionId: sessionId);
        _live.Publish(new SessionEnded(userId, sessionId));
    }

    /// <summary>Ends every session of a user ("sign out everywhere", a password change or reset, a deactivation).</summary>
    public async Task EndAllAsync(string userId, CancellationToken ct = default)
    {
        await EndWhereAsync(s => s.UserId == userId, ct);
        Forget(userId: userId);
        _live.Publish(new SessionEnded(userId, null));
    }

    /// <summary>
    /// True when the principal names an open session of an active account whose security stamp it carries.
    /// <paramref name="fresh"/>: read the database even when a recent answer is kept.
    /// </summary>
    public async Task<bool> IsValidAsync(ClaimsPrincipal principal, bool fresh = false, CancellationToken ct = default)
    {
        var userId = UserIdOf(principal);
        var sessionId = SessionIdOf(principal);
        if (userId is null || sessionId is null)
        {
            return false;
        }

        var stamp = principal.FindFirstValue(_identity.Value.ClaimsIdentity.SecurityStampClaimType);
        var now = _clock.GetUtcNow();
        if (!fresh && _valid.TryGetValue(sessionId, out var known) && now - known.At < CacheFor)
        {
            return known.UserId == userId && (stamp is null || stamp == known.Stamp);
        }

        var forgets = Interlocked.Read(ref _forgets);
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var row = await db.UserSessions.AsNoTracking()
            .Where(s => s.Id == sessionId && s.UserId == userId && s.EndedAt == null)
            .Select(s => new
            {
                s.LastSeenAt,
                Stamp = db.Users.Where(u => u.Id == s.UserId).Select(u => u.SecurityStamp).FirstOrDefault(),
                Active = db.StaffProfiles.Any(p => p.Id == s.UserId && p.IsActive),
            })
            .SingleOrDefaultAsync(ct);
        if (row is null || !row.Active || (stamp is not null && stamp != row.Stamp))
        {
            Forget(sessionId: sessionId);
            return false;
        }

        if (Interlocked.Read(ref _forgets) == forgets)
        {
            _valid[sessionId] = new Checked(userId, row.Stamp, now);
        }

        var utcNow = now.UtcDateTime;
        if (utcNow - row.LastSeenAt > SeenEvery)
        {
            await db.UserSessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, utcNow), ct);
        }

        return true;
    }

    private async Task EndWhereAsync(System.Linq.Expressions.Expression<Func<UserSession, bool>> which, CancellationToken ct)
    {
        DateTime? now = UtcNow;
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        await db.UserSessions.Where(which).Where(s => s.EndedAt == null).ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, now), ct);
    }

    private DateTime UtcNow => _clock.GetUtcNow().UtcDateTime;

    /// <summary>Forgets the kept answer for one session, or for every session of one user.</summary>
    private void Forget(string? userId = null, string? sessionId = null)
    {
        Interlocked.Increment(ref _forgets);
        if (sessionId is not null)
        {
            _valid.TryRemove(sessionId, out _);
            return;
        }

        foreach (var (id, known) in _valid)
        {
            if (known.UserId == userId)
            {
                _valid.TryRemove(id, out _);
            }
        }
    }

    private Task OnLiveEventAsync(LiveEvent e)
    {
        switch (e)
        {
            case SessionEnded ended:
                Forget(ended.UserId, ended.SessionId);
                break;
            case UserAccessChanged changed:
                Forget(changed.UserId);
                break;
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _subscription.Dispose();

    private sealed record Checked(string UserId, string? Stamp, DateTimeOffset At);
}
