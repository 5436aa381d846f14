using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Api;
using CrmBlazor.Features.Import;
using CrmBlazor.Tests.TestSupport;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>The API's upload sessions: one user's only, an hour after their last use, at most five per user.</summary>
public sealed class ApiImportSessionsTests
{
    private static readonly ImportSheet Sheet = new("a.csv", ["Tên"], [["An"]]);

    private static ApiImportSession Add(ApiImportSessions sessions, string user) =>
        sessions.Add(user, Sheet, [ImportField.Name], new ImportOptions());

    [Fact]
    public void A_session_lives_an_hour_after_its_last_use_and_only_for_its_user()
    {
        var clock = new TestClock(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));
        var sessions = new ApiImportSessions(clock);
        var s = Add(sessions, "lan");
        Assert.Null(sessions.Find(s.Id, "minh"));

        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Same(s, sessions.Find(s.Id, "lan"));
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Same(s, sessions.Find(s.Id, "lan"));
        clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Null(sessions.Find(s.Id, "lan"));
    }

    [Fact]
    public void A_sixth_upload_drops_the_users_least_recently_used_session()
    {
        var clock = new TestClock(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));
        var sessions = new ApiImportSessions(clock);
        var other = Add(sessions, "minh");
        var mine = new List<ApiImportSession>();
        for (var i = 0; i < ApiImportSessions.MaxPerUser; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            mine.Add(Add(sessions, "lan"));
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(sessions.Find(mine[0].Id, "lan"));
        clock.Advance(TimeSpan.FromMinutes(1));
        Add(sessions, "lan");

        Assert.NotNull(sessions.Find(mine[0].Id, "lan"));
        Assert.Null(sessions.Find(mine[1].Id, "lan"));
        Assert.All(mine.Skip(2), s => Assert.NotNull(sessions.Find(s.Id, "lan")));
        Assert.NotNull(sessions.Find(other.Id, "minh"));
    }

    [Fact]
    public void Changing_the_mapping_forgets_the_check_and_a_confirmed_session_cannot_change()
    {
        var s = Add(new ApiImportSessions(TimeProvider.System), "lan");
        var (mapping, options) = s.Snapshot();
        var check = new ImportCheck(1, 0, 0, 0, 0, [], []);
        s.Checked(check, mapping, options);
        Assert.Same(check, s.Check);

        s.Change([ImportField.Code], options with { UpdateExisting = true });
        Assert.Null(s.Check);
        s.Checked(check, mapping, options);
        Assert.Null(s.Check);

        var (now, later) = s.Snapshot();
        Assert.True(s.Confirm((m, o) => new ImportJob("lan", Sheet, m, o), out var job));
        Assert.Equal([ImportField.Code], job.Mapping);
        Assert.True(job.Options.UpdateExisting);
        Assert.False(s.Confirm((m, o) => throw new InvalidOperationException("enqueued twice"), out var again));
        Assert.Same(job, again);
        Assert.Throws<InvalidOperationException>(() => s.Change(now, later));
    }
}
