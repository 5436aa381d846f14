using System.Collections.Concurrent;
using System.Threading.Channels;

namespace CrmBlazor.Live;

/// <summary>
/// Routes events to the subscriptions of their topics. Routing is a dictionary lookup per topic and a non-blocking write
/// into each subscription's bounded queue: the publisher never runs a handler and never waits for one.
/// </summary>
internal sealed class LiveRouter(ILogger logger, int queueCapacity = LiveRouter.DefaultQueueCapacity)
{
    public const int DefaultQueueCapacity = 256;

    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, Subscription[]> _byTopic = new(StringComparer.Ordinal);
    private long _published;
    private long _delivered;
    private long _dropped;
    private int _subscriptions;

    public LiveBusStats Stats => new(Interlocked.Read(ref _published), Interlocked.Read(ref _delivered), Interlocked.Read(ref _dropped),
        Volatile.Read(ref _subscriptions));

    /// <summary>Hands <paramref name="e"/> to each subscription of its topics once. <paramref name="own"/>: published by
    /// this instance (subscriptions to own events receive only those).</summary>
    public void Route(LiveEvent e, bool own)
    {
        Interlocked.Increment(ref _published);
        HashSet<Subscription>? seen = null;
        Offer(LiveTopics.All, e, own, ref seen);
        foreach (var topic in e.Topics())
        {
            Offer(topic, e, own, ref seen);
        }
    }

    private void Offer(string topic, LiveEvent e, bool own, ref HashSet<Subscription>? seen)
    {
        if (!_byTopic.TryGetValue(topic, out var subscriptions))
        {
            return;
        }

        foreach (var s in subscriptions)
        {
            if ((s.OwnOnly && !own) || !(seen ??= []).Add(s))
            {
                continue;
            }

            switch (s.Offer(e))
            {
                case true:
                    Interlocked.Increment(ref _delivered);
                    break;
                case false:
                    Interlocked.Increment(ref _dropped);
                    break;
            }
        }
    }

    public ILiveSubscription Subscribe(IEnumerable<string> topics, Func<LiveEvent, Task> handler, bool ownOnly)
    {
        var s = new Subscription(this, handler, ownOnly, queueCapacity, logger);
        s.Watch(topics);
        Interlocked.Increment(ref _subscriptions);
        return s;
    }

    private void SetTopics(Subscription s, HashSet<string> before, HashSet<string> after)
    {
        lock (_gate)
        {
            foreach (var topic in before)
            {
                if (!after.Contains(topic) && _byTopic.TryGetValue(topic, out var list))
                {
                    var rest = Array.FindAll(list, x => x != s);
                    if (rest.Length == 0)
                    {
                        _byTopic.TryRemove(topic, out _);
                    }
                    else
                    {
                        _byTopic[topic] = rest;
                    }
                }
            }

            foreach (var topic in after)
            {
                if (!before.Contains(topic))
                {
                    _byTopic[topic] = _byTopic.TryGetValue(topic, out var list) ? [.. list, s] : [s];
                }
            }
        }
    }

    /// <summary>
    /// One subscriber's queue and loop. A full queue drops the newest events and remembers it; the loop then skips the
    /// rest of the backlog and hands the subscriber one <see cref="LiveResync"/>, so it reloads instead of replaying.
    /// </summary>
    private sealed class Subscription : ILiveSubscription
    {
        private readonly LiveRouter _router;
        private readonly Func<LiveEvent, Task> _handler;
        private readonly ILogger _logger;
        private readonly Channel<LiveEvent> _queue;
        private readonly Lock _topicsGate = new();
        private HashSet<string> _topics = new(StringComparer.Ordinal);
        private int _overflowed;
        private int _disposed;

        public Subscription(LiveRouter router, Func<LiveEvent, Task> handler, bool ownOnly, int capacity, ILogger logger)
        {
            _router = router;
            _handler = handler;
            _logger = logger;
            OwnOnly = ownOnly;
            _queue = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                SingleWriter = false,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _ = Task.Run(LoopAsync);
        }

        public bool OwnOnly { get; }

        /// <summary>True: queued; false: dropped (queue full); null: the subscription is gone.</summary>
        public bool? Offer(LiveEvent e)
        {
            if (Volatile.Read(ref _disposed) == 1)
            {
                return null;
            }

            if (_queue.Writer.TryWrite(e))
            {
                return true;
            }

            Volatile.Write(ref _overflowed, 1);
            return false;
        }

        public void Watch(IEnumerable<string> topics)
        {
            if (Volatile.Read(ref _disposed) == 1)
            {
                return;
            }

            var after = new HashSet<string>(topics, StringComparer.Ordinal);
            lock (_topicsGate)
            {
                _router.SetTopics(this, _topics, after);
                _topics = after;
            }
        }

        private async Task LoopAsync()
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    if (Interlocked.Exchange(ref _overflowed, 0) == 1)
                    {
                        // Events were dropped: what is queued is no longer the whole story.
                        while (reader.TryRead(out _))
                        {
                        }

                        e = LiveResync.Instance;
                    }

                    try
                    {
                        await _handler(e).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        // One broken subscriber (a dead circuit) never stops its own loop, nor anyone else's.
                        _logger.LogWarning(ex, "A live event subscriber failed on {Event}.", e.GetType().Name);
                    }
                }
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            lock (_topicsGate)
            {
                _router.SetTopics(this, _topics, []);
                _topics = [];
            }

            Interlocked.Decrement(ref _router._subscriptions);
            _queue.Writer.TryComplete();
        }
    }
}
