using CrmBlazor.Live;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Live;

/// <summary>Scale-out: two app instances share live events through a real Redis server.</summary>
public class RedisBusTests
{
    [Fact]
    public async Task An_event_published_on_one_instance_reaches_the_other_once()
    {
        using var redis = await RedisServer.StartAsync();
        await using var a = new RedisLiveEventBus(redis.Configuration, NullLoggerFactory.Instance);
        await using var b = new RedisLiveEventBus(redis.Configuration, NullLoggerFactory.Instance);
        var onA = new List<LiveEvent>();
        var onB = new TaskCompletionSource<LiveEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subA = a.Subscribe(e => { lock (onA) { onA.Add(e); } return Task.CompletedTask; });
        using var subB = b.Subscribe(e => { onB.TrySetResult(e); return Task.CompletedTask; });
        await Task.Delay(200); // subscriptions reach the server

        a.Publish(new CustomerChanged(42, ChangeKinds.Updated, "u1"));

        var received = await onB.Task.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(new CustomerChanged(42, ChangeKinds.Updated, "u1"), received);
        await Task.Delay(300);
        lock (onA)
        {
            // The publisher's own subscribers get it exactly once (not again from Redis).
            Assert.Single(onA);
        }
    }

    [Fact]
    public async Task Events_with_lists_and_user_ids_survive_the_trip()
    {
        using var redis = await RedisServer.StartAsync();
        await using var a = new RedisLiveEventBus(redis.Configuration, NullLoggerFactory.Instance);
        await using var b = new RedisLiveEventBus(redis.Configuration, NullLoggerFactory.Instance);
        var got = new TaskCompletionSource<LiveEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = b.Subscribe(e => { if (e is CustomersChanged) { got.TrySetResult(e); } return Task.CompletedTask; });
        await Task.Delay(200);

        a.Publish(new UserAccessChanged("u9"));
        a.Publish(new CustomersChanged([1, 2, 3], ChangeKinds.Trashed, "u1"));

        var e = Assert.IsType<CustomersChanged>(await got.Task.WaitAsync(TimeSpan.FromSeconds(2)));
        Assert.Equal([1, 2, 3], e.CustomerIds);
        Assert.Equal(ChangeKinds.Trashed, e.Kind);
    }
}
