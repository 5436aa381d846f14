using Microsoft.AspNetCore.Components;

namespace CrmBlazor.Live;

/// <summary>
/// The base of every live page and menu. It subscribes to the component's topics after the first render (not during
/// prerendering), collects what arrives and hands it over in batches — at most one every <see cref="Interval"/> — on the
/// renderer (<see cref="ComponentBase.InvokeAsync(Func{Task})"/>), skips what the component already shows, re-renders once
/// per batch, routes failures to the circuit's error boundary (<see cref="ComponentBase.DispatchExceptionAsync"/>),
/// releases the subscription when the circuit's connection goes down (and takes it up again, with a full refresh, when it
/// returns) and on dispose. Handlers never wait on timers: the coalescing timer only schedules the next batch.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IHandleAfterRender, IAsyncDisposable
{
    /// <summary>The least time between two batches.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long the first event of a quiet spell waits for the rest of its burst: one write publishes several events (a
    /// comment: the comment, the customer's counters, the unread counts), which then make one refresh, not three; and the
    /// writer's own request finishes before the screens watching start their work on the same cores.
    /// </summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    /// <summary>Past this many waiting events the batch becomes a full refresh.</summary>
    private const int MaxPending = 500;

    /// <summary>
    /// How many live refreshes run at once in this process: one core fewer than the machine has (at least one). Two hundred
    /// screens refreshing together gain nothing from running side by side and lose much (connection pools, locks and caches
    /// thrash); in turns they finish sooner, the first ones at once. The core left over serves requests — a user's save
    /// does not queue behind the screens that will show it.
    /// </summary>
    private static readonly SemaphoreSlim Turns = new(Math.Max(1, Environment.ProcessorCount - 1));
    private static readonly TimeSpan TurnWait = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private List<LiveEvent> _pending = [];
    private bool _resync;
    private bool _scheduled;
    private long _lastFlush;
    private bool _disposed;
    private bool _rendered;
    private ILiveEventBus? _bus;
    private ILiveSubscription? _subscription;
    private IDisposable? _connection;
    private ITimer? _timer;
    private TimeProvider _clock = TimeProvider.System;

    // Resolved lazily, so that components and their tests work where no bus or circuit is registered.
    [Inject] private IServiceProvider LiveServices { get; set; } = null!;

    /// <summary>The topics the component listens to now; <see cref="WatchLiveTopics"/> after they change.</summary>
    protected abstract IEnumerable<string> LiveTopics();

    /// <summary>A batch of events (or a full refresh, <see cref="LiveBatch.Resync"/>), on the renderer; the component
    /// re-renders after it.</summary>
    protected abstract Task OnLiveAsync(LiveBatch batch);

    /// <summary>True for an event whose result the component already shows (its own save, echoed back).</summary>
    protected virtual bool Skips(LiveEvent e) => false;

    /// <summary>The circuit's connection went down (false) or came back (true); on the renderer.</summary>
    protected virtual Task OnLiveConnectionChangedAsync(bool connected) => Task.CompletedTask;

    /// <summary>
    /// Set by <see cref="OnLiveAsync"/> when it has redrawn what changed itself (a card's own view, the grid alone): the
    /// page is then not rendered again for the batch.
    /// </summary>
    protected bool LiveRedrawn { get; set; }

    /// <summary>Whether the component is subscribed now (after its first render, while connected).</summary>
    protected bool IsLive => Volatile.Read(ref _subscription) is not null;

    /// <summary>Subscribes to <see cref="LiveTopics"/> again (the rows or cards on screen changed).</summary>
    protected void WatchLiveTopics()
    {
        ILiveSubscription? subscription;
        lock (_gate)
        {
            subscription = _subscription;
        }

        subscription?.Watch(LiveTopics());
    }

    Task IHandleAfterRender.OnAfterRenderAsync()
    {
        var firstRender = !_rendered;
        _rendered = true;
        if (firstRender)
        {
            StartLive();
        }

        OnAfterRender(firstRender);
        return OnAfterRenderAsync(firstRender);
    }

    private void StartLive()
    {
        _bus = LiveServices.GetService(typeof(ILiveEventBus)) as ILiveEventBus;
        if (_bus is null)
        {
            return;
        }

        _clock = LiveServices.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;
        _timer = _clock.CreateTimer(_ => _ = FlushAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Subscribe();
        if (LiveServices.GetService(typeof(LiveCircuit)) is LiveCircuit circuit)
        {
            _connection = circuit.OnConnectionChanged(OnConnectionChanged);
        }
    }

    private void Subscribe()
    {
        var subscription = _bus!.Subscribe(LiveTopics(), Receive);
        lock (_gate)
        {
            if (_disposed || _subscription is not null)
            {
                subscription.Dispose();
                return;
            }

            _subscription = subscription;
        }
    }

    private void Unsubscribe()
    {
        ILiveSubscription? subscription;
        lock (_gate)
        {
            subscription = _subscription;
            _subscription = null;
        }

        subscription?.Dispose();
    }

    private void OnConnectionChanged(bool connected)
    {
        if (!connected)
        {
            // A closed tab keeps its circuit for minutes: stop receiving (and reloading) at once.
            Unsubscribe();
        }

        _ = InvokeAsync(async () =>
        {
            try
            {
                if (connected && !_disposed)
                {
                    Subscribe();
                    // What happened while the connection was down was not received.
                    _ = Receive(LiveResync.Instance);
                }

                await OnLiveConnectionChangedAsync(connected);
            }
            catch (Exception ex)
            {
                await DispatchSafelyAsync(ex);
            }
        });
    }

    private Task Receive(LiveEvent e)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return Task.CompletedTask;
            }

            if (e is LiveResync || _pending.Count >= MaxPending)
            {
                _resync = true;
                _pending.Clear();
            }
            else if (!_resync)
            {
                _pending.Add(e);
            }

            if (_scheduled)
            {
                return Task.CompletedTask;
            }

            _scheduled = true;
        }

        Schedule();
        return Task.CompletedTask;
    }

    private void Schedule()
    {
        var last = Interlocked.Read(ref _lastFlush);
        var sinceLast = last == 0 ? TimeSpan.MaxValue : _clock.GetElapsedTime(last);
        var wait = sinceLast >= Interval ? Gather : Interval - sinceLast;
        _timer?.Change(wait < Gather ? Gather : wait, Timeout.InfiniteTimeSpan);
    }

    private async Task FlushAsync()
    {
        var turn = false;
        try
        {
            // A refresh that hangs (its circuit stuck) must not hold the others up: past a while, go without a turn.
            turn = await Turns.WaitAsync(TurnWait);
            await InvokeAsync(async () =>
            {
                List<LiveEvent> events;
                bool resync;
                lock (_gate)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    events = _pending;
                    resync = _resync;
                    _pending = [];
                    _resync = false;
                }

                if (!resync)
                {
                    events.RemoveAll(Skips);
                    if (events.Count == 0)
                    {
                        return;
                    }
                }

                LiveRedrawn = false;
                await OnLiveAsync(new LiveBatch(resync ? [] : events, resync));
                if (!LiveRedrawn)
                {
                    StateHasChanged();
                }
            });
        }
        catch (Exception ex)
        {
            await DispatchSafelyAsync(ex);
        }
        finally
        {
            if (turn)
            {
                Turns.Release();
            }

            bool again;
            lock (_gate)
            {
                Interlocked.Exchange(ref _lastFlush, _clock.GetTimestamp());
                again = !_disposed && (_pending.Count > 0 || _resync);
                _scheduled = again;
            }

            if (again)
            {
                Schedule();
            }
        }
    }

    private async Task DispatchSafelyAsync(Exception ex)
    {
        if (_disposed || ex is OperationCanceledException or ObjectDisposedException)
        {
            return;
        }

        try
        {
            await DispatchExceptionAsync(ex);
        }
        catch (Exception)
        {
            // The circuit is gone already.
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
            _pending.Clear();
        }

        Unsubscribe();
        _connection?.Dispose();
        _timer?.Dispose();
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>The component's own clean-up.</summary>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;
}

/// <summary>The events a live component receives at once, or a full refresh.</summary>
public sealed class LiveBatch(IReadOnlyList<LiveEvent> events, bool resync)
{
    public IReadOnlyList<LiveEvent> Events { get; } = events;

    /// <summary>Events may have been missed (queue overflow, reconnect): reload what is shown.</summary>
    public bool Resync { get; } = resync;

    public IEnumerable<T> Of<T>() where T : LiveEvent => Events.OfType<T>();

    public bool Has<T>(Func<T, bool>? predicate = null) where T : LiveEvent => Events.OfType<T>().Any(e => predicate is null || predicate(e));

    /// <summary>The customers named by the batch's customer events.</summary>
    public HashSet<int> CustomerIds()
    {
        var ids = new HashSet<int>();
        foreach (var e in Events)
        {
            switch (e)
            {
                case CustomerChanged c:
                    ids.Add(c.CustomerId);
                    break;
                case CustomersChanged cs:
                    ids.UnionWith(cs.CustomerIds);
                    break;
            }
        }

        return ids;
    }

    /// <summary>Every kind of change the batch's customer events made (created, trashed… count as lifecycle).</summary>
    public CustomerChange Changes()
    {
        var changes = CustomerChange.None;
        foreach (var e in Events)
        {
            changes |= e switch
            {
                CustomerChanged c => ChangeKinds.WithKind(c.Kind, c.Changes),
                CustomersChanged cs => ChangeKinds.WithKind(cs.Kind, cs.Changes),
                _ => CustomerChange.None,
            };
        }

        return changes;
    }
}
