namespace CrmBlazor.Live;

/// <summary>A small live event: ids, never entities. A receiver reloads what it may see.</summary>
public abstract record LiveEvent;

/// <summary>One customer was created, updated, moved, trashed, restored or purged (<see cref="ChangeKinds"/>).</summary>
public sealed record CustomerChanged(int CustomerId, string Kind, string? ByUserId) : LiveEvent;

/// <summary>Many customers changed at once (bulk action, import): one event, not one per row.</summary>
public sealed record CustomersChanged(IReadOnlyList<int> CustomerIds, string Kind, string? ByUserId) : LiveEvent;

/// <summary>A user's rights, group, department or active state changed: their open pages re-read their scope.</summary>
public sealed record UserAccessChanged(string UserId) : LiveEvent;

/// <summary>Relationships (pipeline stages) were added, edited, reordered, deleted or restored.</summary>
public sealed record RelationshipsChanged(string? ByUserId) : LiveEvent;

public static class ChangeKinds
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Trashed = "trashed";
    public const string Restored = "restored";
    public const string Purged = "purged";
}

/// <summary>The live event bus every feature publishes on (in-process; Redis when configured).</summary>
public interface ILiveEventBus
{
    Task PublishAsync(LiveEvent e, CancellationToken ct = default);

    IDisposable Subscribe(Func<LiveEvent, Task> handler);

    /// <summary>Only the events published by this instance (not those relayed from other instances): for work that must
    /// happen once per event across instances, like recording webhook deliveries.</summary>
    IDisposable SubscribeOwn(Func<LiveEvent, Task> handler) => Subscribe(handler);
}

/// <summary>One server: events go to every subscriber of this process.</summary>
public sealed class InProcessLiveEventBus(ILogger<InProcessLiveEventBus> logger) : ILiveEventBus
{
    private readonly Lock _gate = new();
    private ImmutableHandlers _handlers = ImmutableHandlers.Empty;

    public async Task PublishAsync(LiveEvent e, CancellationToken ct = default)
    {
        foreach (var handler in _handlers.Items)
        {
            try
            {
                await handler(e);
            }
            catch (Exception ex)
            {
                // One broken subscriber (a dead circuit) never stops the others.
                logger.LogWarning(ex, "A live event subscriber failed on {Event}.", e);
            }
        }
    }

    public IDisposable Subscribe(Func<LiveEvent, Task> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Add(handler);
        }

        return new Subscription(() =>
        {
            lock (_gate)
            {
                _handlers = _handlers.Remove(handler);
            }
        });
    }

    private sealed record ImmutableHandlers(Func<LiveEvent, Task>[] Items)
    {
        public static readonly ImmutableHandlers Empty = new([]);

        public ImmutableHandlers Add(Func<LiveEvent, Task> h) => new([.. Items, h]);

        public ImmutableHandlers Remove(Func<LiveEvent, Task> h) => new(Items.Where(x => x != h).ToArray());
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
