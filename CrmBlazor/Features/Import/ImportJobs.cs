using System.Collections.Concurrent;
using System.Threading.Channels;
using CrmBlazor.Data;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Import;

public enum ImportJobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>An import running in the background: it keeps going when the user leaves the page; pages poll its progress.</summary>
public sealed class ImportJob
{
    internal ImportJob(string userId, ImportSheet sheet, IReadOnlyList<ImportField> mapping, ImportOptions options)
    {
        UserId = userId;
        Sheet = sheet;
        Mapping = mapping;
        Options = options;
        Total = sheet.Rows.Count;
    }

    /// <summary>An undo of import <paramref name="batchId"/> as a job (the API's, which must not block a request for tens of seconds).</summary>
    internal ImportJob(string userId, int batchId)
        : this(userId, new ImportSheet(string.Empty, [], []), [], new ImportOptions())
    {
        UndoBatchId = batchId;
    }

    /// <summary>Set for an undo job: the import it undoes.</summary>
    public int? UndoBatchId { get; }

    /// <summary>What an undo job did, once it succeeded.</summary>
    public UndoResult? UndoResult { get; internal set; }

    public Guid Id { get; } = Guid.NewGuid();
    public string UserId { get; }
    public ImportSheet Sheet { get; }
    public IReadOnlyList<ImportField> Mapping { get; }
    public ImportOptions Options { get; }
    public DateTime QueuedAt { get; } = DateTime.UtcNow;
    public ImportJobState State { get; internal set; }
    public int Done { get; internal set; }
    public int Total { get; internal set; }
    public ImportResult? Result { get; internal set; }
    public string? Error { get; internal set; }

    /// <summary>The domain error's code ("import.failed" for any other failure), for the page's own words.</summary>
    public string? ErrorCode { get; internal set; }
    internal CancellationTokenSource Cancellation { get; } = new();
    internal ImportCheck? Check { get; set; }

    public bool IsFinished => State is ImportJobState.Succeeded or ImportJobState.Failed or ImportJobState.Cancelled;

    public int Percent => Total == 0 ? (IsFinished ? 100 : 0) : (int)(100L * Done / Total);

    /// <summary>Asks the job to stop; the transaction rolls back and the database stays as it was.</summary>
    public void Cancel() => Cancellation.Cancel();

    /// <summary>Raised (on a pool thread) whenever progress or state changes.</summary>
    public event Action? Changed;

    internal void Notify() => Changed?.Invoke();
}

/// <summary>The singleton queue and worker of import jobs (one at a time: imports are write-heavy on one database).</summary>
public sealed class ImportJobs(IServiceProvider services, ILogger<ImportJobs> logger) : BackgroundService
{
    private readonly Channel<ImportJob> _queue = Channel.CreateUnbounded<ImportJob>();
    private readonly ConcurrentDictionary<Guid, ImportJob> _jobs = new();

    /// <param name="check">The check the user saw (its parsed rows are reused when they still apply).</param>
    public ImportJob Enqueue(UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping, ImportOptions options, ImportCheck? check = null)
    {
        ImportService.Require(user, Domain.Organization.Rights.CustomersImport);
        var job = new ImportJob(user.UserId, sheet, mapping.ToArray(), options) { Check = check };
        _jobs[job.Id] = job;
        foreach (var old in _jobs.Values.Where(j => j.IsFinished && j.QueuedAt < DateTime.UtcNow.AddHours(-6)).ToList())
        {
            _jobs.TryRemove(old.Id, out _);
        }

        _queue.Writer.TryWrite(job);
        return job;
    }

    /// <summary>Queues an undo of import <paramref name="batchId"/> (checked when it runs: rights, owner, 30 days).</summary>
    public ImportJob EnqueueUndo(UserAccess user, int batchId)
    {
        ImportService.Require(user, Domain.Organization.Rights.CustomersImport);
        var job = new ImportJob(user.UserId, batchId);
        _jobs[job.Id] = job;
        _queue.Writer.TryWrite(job);
        return job;
    }

    public ImportJob? Find(Guid id, string userId) => _jobs.TryGetValue(id, out var job) && job.UserId == userId ? job : null;

    /// <summary>The user's import jobs (undo jobs are not listed: the import page shows imports).</summary>
    public IReadOnlyList<ImportJob> ForUser(string userId) =>
        _jobs.Values.Where(j => j.UserId == userId && j.UndoBatchId is null).OrderByDescending(j => j.QueuedAt).ToList();

    /// <summary>Waits for a job to finish (tests and the benchmark).</summary>
    public static async Task WaitAsync(ImportJob job, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!job.IsFinished)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("The import job did not finish in time.");
            }

            await Task.Delay(50);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var job in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            await RunAsync(job, stoppingToken);
        }
    }

    private async Task RunAsync(ImportJob job, CancellationToken stoppingToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, job.Cancellation.Token);
        job.State = ImportJobState.Running;
        job.Notify();
        try
        {
            var dbFactory = services.GetRequiredService<IDbContextFactory<CrmDbContext>>();
            // Rights are read again when the job starts, not taken from the page that queued it.
            var user = await CurrentUser.LoadAsync(dbFactory, job.UserId, linked.Token) ?? throw new NotSignedInException();
            var service = services.GetRequiredService<ImportService>();
            var progress = new Progress(job);
            if (job.UndoBatchId is { } batchId)
            {
                job.UndoResult = await service.UndoAsync(user, batchId, progress, linked.Token);
            }
            else
            {
                var check = job.Check;
                job.Check = null;
                job.Result = await service.ImportAsync(user, job.Sheet, job.Mapping, job.Options, progress, linked.Token, check);
            }

            job.Done = job.Total;
            job.State = ImportJobState.Succeeded;
        }
        catch (OperationCanceledException)
        {
            job.State = ImportJobState.Cancelled;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Import job {Job} failed.", job.Id);
            job.Error = ex is Domain.Common.DomainException or UnauthorizedAccessException ? ex.Message
                : job.UndoBatchId is null ? "The import failed; nothing was written." : "The undo failed; nothing was changed.";
            job.ErrorCode = ex is Domain.Common.DomainException domain ? domain.Code : ex is UnauthorizedAccessException ? null : "import.failed";
            job.State = ImportJobState.Failed;
        }

        job.Notify();
    }

    private sealed class Progress(ImportJob job) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            job.Done = value.Done;
            job.Total = value.Total;
            job.Notify();
        }
    }
}
