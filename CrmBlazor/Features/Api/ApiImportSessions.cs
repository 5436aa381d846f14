using System.Collections.Concurrent;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Import;

namespace CrmBlazor.Features.Api;

/// <summary>
/// A file uploaded through the API and what was done with it so far: the mapping and options, the last check, the job
/// once confirmed. Lives in memory only, for one user; the import itself goes through <see cref="ImportJobs"/>.
/// </summary>
public sealed class ApiImportSession
{
    private readonly Lock _gate = new();

    internal ApiImportSession(string userId, ImportSheet sheet, ImportField[] mapping, ImportOptions options, DateTime now)
    {
        UserId = userId;
        Sheet = sheet;
        Mapping = mapping;
        Options = options;
        CreatedAt = now;
        TouchedAt = now;
    }

    public Guid Id { get; } = Guid.NewGuid();
    public string UserId { get; }
    public ImportSheet Sheet { get; }
    public DateTime CreatedAt { get; }
    public DateTime TouchedAt { get; internal set; }
    public ImportField[] Mapping { get; private set; }
    public ImportOptions Options { get; private set; }
    /// <summary>The last check, as long as neither the mapping nor the options changed since.</summary>
    public ImportCheck? Check { get; private set; }
    public ImportJob? Job { get; private set; }

    /// <summary>Changes the mapping and options; refused once the import is confirmed.</summary>
    public void Change(ImportField[] mapping, ImportOptions options)
    {
        lock (_gate)
        {
            if (Job is not null)
            {
                throw new InvalidOperationException("The import is already confirmed.");
            }

            Mapping = mapping;
            Options = options;
            Check = null;
        }
    }

    /// <summary>Keeps a check made with <paramref name="mapping"/> and <paramref name="options"/> unless they changed meanwhile.</summary>
    public void Checked(ImportCheck check, ImportField[] mapping, ImportOptions options)
    {
        lock (_gate)
        {
            if (ReferenceEquals(mapping, Mapping) && ReferenceEquals(options, Options))
            {
                Check = check;
            }
        }
    }

    /// <summary>The mapping and the options read together.</summary>
    public (ImportField[] Mapping, ImportOptions Options) Snapshot()
    {
        lock (_gate)
        {
            return (Mapping, Options);
        }
    }

    /// <summary>Starts the job once, with the current mapping and options: a second call gets the first job back and <c>false</c>.</summary>
    public bool Confirm(Func<ImportField[], ImportOptions, ImportJob> enqueue, out ImportJob job)
    {
        lock (_gate)
        {
            if (Job is not null)
            {
                job = Job;
                return false;
            }

            job = Job = enqueue(Mapping, Options);
            return true;
        }
    }
}

/// <summary>
/// The API's upload sessions (singleton): keyed by a random id, visible to their user only, dropped an hour after their
/// last use; a user keeps at most <see cref="MaxPerUser"/> (uploading more drops the oldest).
/// </summary>
public sealed class ApiImportSessions(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    public const int MaxPerUser = 5;

    private readonly ConcurrentDictionary<Guid, ApiImportSession> _sessions = new();

    public ApiImportSession Add(string userId, ImportSheet sheet, ImportField[] mapping, ImportOptions options)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (id, s) in _sessions)
        {
            if (s.TouchedAt + Lifetime < now)
            {
                _sessions.TryRemove(id, out _);
            }
        }

        // Sessions whose job is still running go last: dropping them would lose the way to its progress.
        foreach (var old in _sessions.Values.Where(s => s.UserId == userId)
                     .OrderBy(s => s.Job is { IsFinished: false }).ThenBy(s => s.TouchedAt).SkipLast(MaxPerUser - 1).ToList())
        {
            _sessions.TryRemove(old.Id, out _);
        }

        var session = new ApiImportSession(userId, sheet, mapping, options, now);
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>The user's session, or null when it does not exist, has expired or is another user's.</summary>
    public ApiImportSession? Find(Guid id, string userId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!_sessions.TryGetValue(id, out var session) || session.UserId != userId)
        {
            return null;
        }

        if (session.TouchedAt + Lifetime < now)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        session.TouchedAt = now;
        return session;
    }

    public bool Remove(Guid id, string userId) =>
        Find(id, userId) is not null && _sessions.TryRemove(id, out _);
}
