using CrmBlazor.Features.Comments;
using CrmBlazor.Live;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Live;

/// <summary>
/// Issue 18, presence: "is typing" ends <see cref="PresenceTracker.TypingFor"/> after the last keystroke (under the 3 s the
/// issue allows), a page that says goodbye leaves at once, and pages hear only when what they show changes.
/// </summary>
public sealed class PresenceTrackerTests
{
    [Fact]
    public async Task Typing_ends_soon_after_the_last_keystroke_and_a_closed_page_leaves_at_once()
    {
        Assert.True(PresenceTracker.TypingFor < TimeSpan.FromSeconds(3));
        var clock = new TestClock(DateTimeOffset.UtcNow);
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        using var tracker = new PresenceTracker(bus, clock);
        var told = 0;
        using var page = bus.Subscribe([LiveTopics.Customer(7)], e =>
        {
            if (e is PresenceViewChanged)
            {
                Interlocked.Increment(ref told);
            }

            return Task.CompletedTask;
        });

        tracker.Announce(7, "an", "Trần Văn An", "tab-1", viewing: true, typing: true);
        await Until(() => tracker.Viewers(7) is [{ Typing: true }] && Volatile.Read(ref told) == 1);

        // A heartbeat changes nothing the page shows: no news.
        tracker.Announce(7, "an", "Trần Văn An", "tab-1", viewing: true, typing: true);
        await Task.Delay(600);
        Assert.Equal(1, Volatile.Read(ref told));

        clock.Advance(PresenceTracker.TypingFor + TimeSpan.FromMilliseconds(100));
        // The sweep notices the typing ended and tells the page.
        await Until(() => tracker.Viewers(7) is [{ Typing: false }] && Volatile.Read(ref told) == 2);

        tracker.Announce(7, "an", "Trần Văn An", "tab-1", viewing: false);
        await Until(() => tracker.Viewers(7).Count == 0 && Volatile.Read(ref told) == 3);
    }

    private static async Task Until(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "The condition did not hold within 10 s.");
            await Task.Delay(20);
        }
    }
}
