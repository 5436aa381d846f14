using System.Threading.Channels;
using CrmBlazor.Features.Orders;
using CrmBlazor.Live;

namespace CrmBlazor.Features.Automation;

/// <summary>
/// The background half of the automation rules: wakes when this instance publishes a change rules may react to (or
/// every poll interval, for changes of other instances and for what a restart left pending), processes the outbox, and
/// runs the "no contact" scan and trims old processed events periodically. Failures are logged and retried at the next round.
/// </summary>
public sealed class AutomationWorker(AutomationEngine engine, ILiveEventBus bus, TimeProvider clock, AutomationOptions options, ILogger<AutomationWorker> logger)
    : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a round now (tests, and the settings page after saving a rule).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        // The change is committed before it is published: its outbox row is there to be read.
        using var subscription = bus.SubscribeOwn([LiveTopics.All], e =>
        {
            if (e is OrderChanged || (e is CustomerChanged c && (c.Kind == ChangeKinds.Created || (c.Changes & CustomerChange.Stage) != 0)))
            {
                Wake();
            }

            return Task.CompletedTask;
        });
        var nextScan = DateTimeOffset.MinValue;
        var poll = TimeSpan.FromMilliseconds(Math.Max(10, options.PollMilliseconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (clock.GetUtcNow() >= nextScan)
                {
                    await engine.ScanNoContactAsync(stoppingToken);
                    // Trimmed at the scan's pace: old processed events only need to go eventually.
                    await engine.TrimOutboxAsync(stoppingToken);
                    nextScan = clock.GetUtcNow().AddMinutes(Math.Max(1, options.ScanIntervalMinutes));
                }

                // Drain: a full batch means more may be waiting.
                while (await engine.ProcessPendingAsync(stoppingToken) >= options.BatchSize)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Automation rules failed; trying again shortly.");
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(poll);
            try
            {
                await _wake.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The poll interval passed.
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
