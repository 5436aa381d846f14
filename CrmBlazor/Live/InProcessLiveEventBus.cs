namespace CrmBlazor.Live;

/// <summary>One server: events go to the subscribers of their topics in this process.</summary>
public sealed class InProcessLiveEventBus(ILogger<InProcessLiveEventBus> logger) : ILiveEventBus
{
    private readonly LiveRouter _router = new(logger);

    public LiveBusStats Stats => _router.Stats;

    public void Publish(LiveEvent e) => _router.Route(e, own: true);

    public void PublishLocal(LiveEvent e) => _router.Route(e, own: true);

    public ILiveSubscription Subscribe(IEnumerable<string> topics, Func<LiveEvent, Task> handler) => _router.Subscribe(topics, handler, ownOnly: false);

    public ILiveSubscription SubscribeOwn(IEnumerable<string> topics, Func<LiveEvent, Task> handler) => _router.Subscribe(topics, handler, ownOnly: true);
}
