using CrmBlazor.Features.Comments;
using CrmBlazor.Live;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Live;

/// <summary>
/// Issue 18: publishing is a hand-off. A subscriber stuck in its handler neither holds up the publisher nor the other
/// subscribers; events reach only the subscriptions of their topics; a full queue turns into one resync.
/// </summary>
public sealed class LiveBusTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Buses => ["in-process", "redis"];

    [Theory]
    [MemberData(nameof(Buses))]
    public async Task A_blocked_subscriber_holds_up_neither_the_publisher_nor_the_other_subscribers(string kind)
    {
        await using var world = await BusWorld.CreateAsync(kind);
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blockedCalls = 0;
        using var blocked = world.Receiver.Subscribe([LiveTopics.Customer(1)], async _ =>
        {
            Interlocked.Increment(ref blockedCalls);
            await stuck.Task;
        });
        var received = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var healthy = world.Receiver.Subscribe([LiveTopics.Customer(1)], e =>
        {
            lock (received)
            {
                received.Add(((CustomerChanged)e).Version!.Value);
                if (received.Count == 20)
                {
                    all.TrySetResult();
                }
            }

            return Task.CompletedTask;
        });
        await world.SettleAsync();

        for (var v = 1; v <= 20; v++)
        {
            // Returns at once: it only queues (the stuck handler would otherwise hold this loop forever).
            world.Publisher.Publish(new CustomerChanged(1, ChangeKinds.Updated, "u1", CustomerChange.Details, v));
        }

        await all.Task.WaitAsync(Wait);
        Assert.Equal(Enumerable.Range(1, 20), received);
        // The stuck subscriber took its first event and is still in it: one call, however long we wait.
        var until = DateTime.UtcNow + Wait;
        while (Volatile.Read(ref blockedCalls) == 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(10);
        }

        await Task.Delay(100);
        Assert.Equal(1, Volatile.Read(ref blockedCalls));
        Assert.False(stuck.Task.IsCompleted);
        stuck.SetResult();
    }

    [Fact]
    public async Task An_event_reaches_only_the_subscriptions_of_its_topics()
    {
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        var detailOf1 = new Recorder(bus, [LiveTopics.Customer(1)]);
        var detailOf2 = new Recorder(bus, [LiveTopics.Customer(2)]);
        var board = new Recorder(bus, [LiveTopics.Customers(CustomerChange.Stage), LiveTopics.Customers(CustomerChange.Lifecycle)]);
        var badgeOfLan = new Recorder(bus, [LiveTopics.User("lan")]);
        var everything = new Recorder(bus, [LiveTopics.All]);

        bus.Publish(new CustomerChanged(1, ChangeKinds.Updated, "u", CustomerChange.Details, 2));   // a rename
        bus.Publish(new CustomerChanged(2, ChangeKinds.Updated, "u", CustomerChange.Stage, 5));     // a drag on the board
        bus.Publish(new CustomerChanged(3, ChangeKinds.Trashed, "u", CustomerChange.None));         // trashed: every count
        bus.Publish(new UnreadChanged("lan"));
        bus.Publish(new CommentPosted(1, 10, "u", CommentChangeKinds.Posted));

        await everything.WaitForAsync(5);
        await detailOf1.WaitForAsync(2);
        await board.WaitForAsync(2);
        await Task.Delay(200); // anything misrouted would have arrived by now
        Assert.Equal(["CustomerChanged:1", "CommentPosted:1"], detailOf1.Names);
        Assert.Equal(["CustomerChanged:2"], detailOf2.Names);
        Assert.Equal(["CustomerChanged:2", "CustomerChanged:3"], board.Names);
        Assert.Equal(["UnreadChanged:lan"], badgeOfLan.Names);
        Assert.Equal(5, everything.Names.Count);
        // Each event once per subscription, however many of its topics the subscription has.
        Assert.Equal(5 + 2 + 1 + 2 + 1, bus.Stats.Delivered);
    }

    [Fact]
    public async Task A_subscription_follows_its_topics_and_stops_when_disposed()
    {
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        var grid = new Recorder(bus, [LiveTopics.Customer(1)]);
        bus.Publish(new CustomerChanged(1, ChangeKinds.Updated, "u", CustomerChange.Details, 2));
        await grid.WaitForAsync(1);

        // The page turned: other rows on screen.
        grid.Subscription.Watch([LiveTopics.Customer(7)]);
        bus.Publish(new CustomerChanged(1, ChangeKinds.Updated, "u", CustomerChange.Details, 3));
        bus.Publish(new CustomerChanged(7, ChangeKinds.Updated, "u", CustomerChange.Details, 4));
        await grid.WaitForAsync(2);
        Assert.Equal(["CustomerChanged:1", "CustomerChanged:7"], grid.Names);

        Assert.Equal(1, bus.Stats.Subscriptions);
        grid.Subscription.Dispose();
        Assert.Equal(0, bus.Stats.Subscriptions);
        bus.Publish(new CustomerChanged(7, ChangeKinds.Updated, "u", CustomerChange.Details, 5));
        await Task.Delay(100);
        Assert.Equal(2, grid.Names.Count);
    }

    [Fact]
    public async Task A_subscriber_that_falls_behind_drops_its_backlog_and_is_told_to_resync()
    {
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<LiveEvent>();
        var resynced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slow = bus.Subscribe([LiveTopics.Customer(1)], async e =>
        {
            lock (seen)
            {
                seen.Add(e);
            }

            if (e is LiveResync)
            {
                resynced.TrySetResult();
            }

            await gate.Task;
        });

        // The loop must already be stuck in the handler before the flood: if it started late, it could drain one
        // overflow while the publisher was still writing, and a second overflow would rightly earn a second resync.
        bus.Publish(new CustomerChanged(1, ChangeKinds.Updated, "u", CustomerChange.Details, 0));
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            lock (seen)
            {
                if (seen.Count == 1)
                {
                    break;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "The subscriber never received the first event.");
            await Task.Delay(5);
        }

        var published = 3 * 256;
        for (var v = 1; v <= published; v++)
        {
            bus.Publish(new CustomerChanged(1, ChangeKinds.Updated, "u", CustomerChange.Details, v));
        }

        Assert.True(bus.Stats.Dropped > 0);
        gate.SetResult();
        await resynced.Task.WaitAsync(Wait);
        lock (seen)
        {
            // Far fewer handler calls than events: the backlog was not replayed.
            Assert.True(seen.Count < published / 2, $"{seen.Count} calls for {published} events");
            Assert.Single(seen.OfType<LiveResync>());
        }
    }

    /// <summary>A publisher and a receiver: the same in-process bus, or two instances sharing a real Redis server.</summary>
    private sealed class BusWorld : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private RedisServer? _redis;

        public ILiveEventBus Publisher { get; private set; } = null!;
        public ILiveEventBus Receiver { get; private set; } = null!;

        public static async Task<BusWorld> CreateAsync(string kind)
        {
            var world = new BusWorld();
            if (kind == "redis")
            {
                world._redis = await RedisServer.StartAsync();
                var a = new RedisLiveEventBus(world._redis.Configuration, NullLoggerFactory.Instance);
                var b = new RedisLiveEventBus(world._redis.Configuration, NullLoggerFactory.Instance);
                world._owned.Add(a);
                world._owned.Add(b);
                (world.Publisher, world.Receiver) = (a, b);
            }
            else
            {
                world.Publisher = world.Receiver = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
            }

            return world;
        }

        /// <summary>Redis subscriptions reach the server asynchronously.</summary>
        public Task SettleAsync() => _redis is null ? Task.CompletedTask : Task.Delay(300);

        public async ValueTask DisposeAsync()
        {
            foreach (var d in _owned)
            {
                await d.DisposeAsync();
            }

            _redis?.Dispose();
        }
    }

    private sealed class Recorder
    {
        private readonly List<string> _names = [];

        public Recorder(ILiveEventBus bus, string[] topics) => Subscription = bus.Subscribe(topics, e =>
        {
            lock (_names)
            {
                _names.Add(e switch
                {
                    CustomerChanged c => "CustomerChanged:" + c.CustomerId,
                    CommentPosted p => "CommentPosted:" + p.CustomerId,
                    UnreadChanged u => "UnreadChanged:" + u.UserId,
                    _ => e.GetType().Name,
                });
            }

            return Task.CompletedTask;
        });

        public ILiveSubscription Subscription { get; }

        public List<string> Names
        {
            get
            {
                lock (_names)
                {
                    return [.. _names];
                }
            }
        }

        public async Task WaitForAsync(int count)
        {
            var until = DateTime.UtcNow + Wait;
            while (Names.Count < count && DateTime.UtcNow < until)
            {
                await Task.Delay(10);
            }

            Assert.True(Names.Count >= count, $"{Names.Count} of {count} events arrived");
        }
    }
}
