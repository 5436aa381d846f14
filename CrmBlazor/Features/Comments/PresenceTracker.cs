using System.Collections.Concurrent;
using CrmBlazor.Live;

namespace CrmBlazor.Features.Comments;

/// <summary>
/// Who is viewing a customer right now and who is typing, across every instance: each detail page announces itself on
/// the live bus (and again every <see cref="Heartbeat"/>); entries not renewed expire.
/// </summary>
public sealed class PresenceTracker : IDisposable
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(50);
    private static readonly TimeSpan TypingFor = TimeSpan.FromSeconds(4);

    private readonly ConcurrentDictionary<int, ConcurrentDictionary<string, Entry>> _viewers = new();
    private readonly ILiveEventBus _bus;
    private readonly TimeProvider _clock;
    private readonly IDisposable _subscription;

    public PresenceTracker(ILiveEventBus bus, TimeProvider clock)
    {
        _bus = bus;
        _clock = clock;
        _subscription = bus.Subscribe(OnEventAsync);
    }

    public string Instance { get; } = Guid.NewGuid().ToString("N");

    public sealed record Viewer(string UserId, string FullName, bool Typing);

    public Task AnnounceAsync(int customerId, string userId, string fullName, string connection, bool viewing, bool typing = false) =>
        _bus.PublishAsync(new PresenceChanged(customerId, userId, fullName, Instance, connection, viewing, typing));

    /// <summary>Distinct users viewing the customer (one entry per user, typing if any of their pages types).</summary>
    public IReadOnlyList<Viewer> Viewers(int customerId)
    {
        if (!_viewers.TryGetValue(customerId, out var map))
        {
            return [];
        }

        var now = _clock.GetUtcNow();
        return map.Values.Where(e => now - e.SeenAt < Expiry)
            .GroupBy(e => e.UserId)
            .Select(g => new Viewer(g.Key, g.First().FullName, g.Any(e => e.TypingUntil > now)))
            .OrderBy(v => v.FullName)
            .ToList();
    }

    private Task OnEventAsync(LiveEvent e)
    {
        if (e is PresenceChanged p)
        {
            var map = _viewers.GetOrAdd(p.CustomerId, _ => new ConcurrentDictionary<string, Entry>());
            var key = p.Instance + "/" + p.Connection;
            if (p.Viewing)
            {
                var now = _clock.GetUtcNow();
                map[key] = new Entry(p.UserId, p.FullName, now, p.Typing ? now + TypingFor : DateTimeOffset.MinValue);
            }
            else
            {
                map.TryRemove(key, out _);
            }
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _subscription.Dispose();

    private sealed record Entry(string UserId, string FullName, DateTimeOffset SeenAt, DateTimeOffset TypingUntil);
}
