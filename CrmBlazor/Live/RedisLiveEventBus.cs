using System.Text.Json;
using StackExchange.Redis;

namespace CrmBlazor.Live;

/// <summary>
/// Several app instances: an event is handed to this instance's subscribers at once and published on a Redis
/// channel; every other instance receives it from Redis and hands it to its own subscribers (scale-out).
/// </summary>
public sealed class RedisLiveEventBus : ILiveEventBus, IAsyncDisposable
{
    public const string Channel = "crmblazor:live";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly InProcessLiveEventBus _local;
    private readonly InProcessLiveEventBus _own;
    private readonly ConnectionMultiplexer _redis;
    private readonly ISubscriber _subscriber;
    private readonly ILogger<RedisLiveEventBus> _logger;
    private readonly string _instanceId = Guid.NewGuid().ToString("N");

    public RedisLiveEventBus(string configuration, ILoggerFactory loggers)
    {
        _logger = loggers.CreateLogger<RedisLiveEventBus>();
        _local = new InProcessLiveEventBus(loggers.CreateLogger<InProcessLiveEventBus>());
        _own = new InProcessLiveEventBus(loggers.CreateLogger<InProcessLiveEventBus>());
        _redis = ConnectionMultiplexer.Connect(configuration);
        _subscriber = _redis.GetSubscriber();
        _subscriber.Subscribe(RedisChannel.Literal(Channel), (_, message) => { var unused = OnMessageAsync(message); });
    }

    public async Task PublishAsync(LiveEvent e, CancellationToken ct = default)
    {
        await _local.PublishAsync(e, ct);
        await _own.PublishAsync(e, ct);
        var envelope = new Envelope(_instanceId, e.GetType().FullName!, JsonSerializer.SerializeToElement(e, e.GetType(), Json));
        try
        {
            await _subscriber.PublishAsync(RedisChannel.Literal(Channel), JsonSerializer.Serialize(envelope, Json));
        }
        catch (RedisException ex)
        {
            // Other instances miss this event; this instance's users already have it. Never fail the write.
            _logger.LogWarning(ex, "Could not publish {Event} to Redis.", e.GetType().Name);
        }
    }

    public IDisposable Subscribe(Func<LiveEvent, Task> handler) => _local.Subscribe(handler);

    public IDisposable SubscribeOwn(Func<LiveEvent, Task> handler) => _own.Subscribe(handler);

    private async Task OnMessageAsync(RedisValue message)
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
                await _local.PublishAsync(e);
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
