using System.Collections.Concurrent;
using CrmBlazor.Live;

namespace CrmBlazor.Features.Comments;

/// <summary>
/// Who is viewing a customer right now and who is typing, across every instance: each detail page announces itself on
/// the live bus (again every <see cref="Heartbeat"/>, and "left" when it closes or its connection drops); entries not
/// renewed expire. The tracker tells this instance's pages (<see cref="PresenceViewChanged"/>) only when what they show
/// changes — a heartbeat changes nothing — and a sweep clears typing <see cref="TypingFor"/> after the last keystroke.
/// </summary>
public sealed class PresenceTracker : IDisposable
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);
    /// <summary>A page whose instance died without saying goodbye drops out after this long.</summary>
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(25);
    /// <summary>How long one typing announcement lasts; pages announce at most every <see cref="TypingAnnounceEvery"/>.</summary>
    public static readonly TimeSpan TypingFor = TimeSpan.FromSeconds(2.5);
    public static readonly TimeSpan TypingAnnounceEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<int, ConcurrentDictionary<string, Entry>> _viewers = new();
    private readonly ConcurrentDictionary<int, string> _shown = new();
    // The sweep and the subscription's loop both compare pictures: one at a time, so no change goes untold.
    private readonly Lock _tellGate = new();
    private readonly ILiveEventBus _bus;
    private readonly TimeProvider _clock;
    private readonly ILiveSubscription _subscription;
    private readonly ITimer _sweep;

    public PresenceTracker(ILiveEventBus bus, TimeProvider clock)
    {
        _bus = bus;
        _clock = clock;
        _subscription = bus.Subscribe([LiveTopics.Presence], OnEventAsync);
        _sweep = clock.CreateTimer(_ => Sweep(), null, SweepEvery, SweepEvery);
    }

    public string Instance { get; } = Guid.NewGuid().ToString("N");

    public sealed record Viewer(string UserId, string FullName, bool Typing);

    public void Announce(int customerId, string userId, string fullName, string connection, bool viewing, bool typing = false) =>
        _bus.Publish(new PresenceChanged(customerId, userId, fullName, Instance, connection, viewing, typing));

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
            .OrderBy(v => v.FullName, StringComparer.Ordinal)
            .ThenBy(v => v.UserId, StringComparer.Ordinal)
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

            TellIfChanged(p.CustomerId);
        }

        return Task.CompletedTask;
    }

    /// <summary>Drops expired pages and ended typing, and tells the pages of each customer whose picture changed.</summary>
    private void Sweep()
    {
        var now = _clock.GetUtcNow();
        foreach (var (customerId, map) in _viewers)
        {
            foreach (var (key, entry) in map)
            {
                if (now - entry.SeenAt >= Expiry)
                {
                    map.TryRemove(key, out _);
                }
            }

            TellIfChanged(customerId);
            if (map.IsEmpty)
            {
                _viewers.TryRemove(customerId, out _);
                _shown.TryRemove(customerId, out _);
            }
        }
    }

    private void TellIfChanged(int customerId)
    {
        lock (_tellGate)
        {
            var picture = string.Join('|', Viewers(customerId).Select(v => v.UserId + (v.Typing ? "*" : string.Empty)));
            var before = _shown.GetValueOrDefault(customerId) ?? string.Empty;
            if (picture != before)
            {
                _shown[customerId] = picture;
                _bus.PublishLocal(new PresenceViewChanged(customerId));
            }
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        _subscription.Dispose();
    }

    private sealed record Entry(string UserId, string FullName, DateTimeOffset SeenAt, DateTimeOffset TypingUntil);
}
