using System.Text.Json;
using StackExchange.Redis;

namespace CrmBlazor.Live;

/// <summary>
/// Several app instances: an event is handed to this instance's subscribers and published on a Redis channel without
/// waiting for Redis; every other instance receives it from Redis and hands it to its own subscribers (scale-out).
/// </summary>
public sealed class RedisLiveEventBus : ILiveEventBus, IAsyncDisposable
{
    public const string Channel = "crmblazor:live";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly LiveRouter _router;
    private readonly ConnectionMultiplexer _redis;
    private readonly ISubscriber _subscriber;
    private readonly ILogger<RedisLiveEventBus> _logger;
    private readonly string _instanceId = Guid.NewGuid().ToString("N");

    public RedisLiveEventBus(string configuration, ILoggerFactory loggers)
    {
        _logger = loggers.CreateLogger<RedisLiveEventBus>();
        _router = new LiveRouter(_logger);
        _redis = ConnectionMultiplexer.Connect(configuration);
        _subscriber = _redis.GetSubscriber();
        // StackExchange.Redis calls this in order on its own thread; routing only queues, so it never holds Redis up.
        _subscriber.Subscribe(RedisChannel.Literal(Channel)).OnMessage(m => OnMessage(m.Message));
    }

    public LiveBusStats Stats => _router.Stats;

    public void Publish(LiveEvent e)
    {
        _router.Route(e, own: true);
        try
        {
            var envelope = new Envelope(_instanceId, e.GetType().FullName!, JsonSerializer.SerializeToElement(e, e.GetType(), Json));
            // Fire and forget: the writer does not wait for Redis either; the multiplexer keeps the order of messages.
            _subscriber.Publish(RedisChannel.Literal(Channel), JsonSerializer.Serialize(envelope, Json), CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            // Other instances miss this event; this instance's users already have it. Never fail the write.
            _logger.LogWarning(ex, "Could not publish {Event} to Redis.", e.GetType().Name);
        }
    }

    public void PublishLocal(LiveEvent e) => _router.Route(e, own: true);

    public ILiveSubscription Subscribe(IEnumerable<string> topics, Func<LiveEvent, Task> handler) => _router.Subscribe(topics, handler, ownOnly: false);

    public ILiveSubscription SubscribeOwn(IEnumerable<string> topics, Func<LiveEvent, Task> handler) => _router.Subscribe(topics, handler, ownOnly: true);

    private void OnMessage(RedisValue message)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(message.ToString(), Json);
            if (envelope is null || envelope.Instance == _instanceId)
            {
                return;
            }

            var type = typeof(LiveEvent).Assembly.GetType(envelope.Type);
            if (type is null || !typeof(LiveEvent).IsAssignableFrom(type))
            {
                _logger.LogWarning("Ignored a live event of unknown type {Type}.", envelope.Type);
                return;
            }

            if (envelope.Data.Deserialize(type, Json) is LiveEvent e)
            {
                _router.Route(e, own: false);
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            _logger.LogWarning(ex, "Ignored a malformed live event from Redis.");
        }
    }

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    private sealed record Envelope(string Instance, string Type, JsonElement Data);
}
