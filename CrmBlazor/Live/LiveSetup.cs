namespace CrmBlazor.Live;

public static class LiveSetup
{
    /// <summary>One instance: an in-process bus. With "Redis:Connection" set: a Redis-backed bus shared by every instance.</summary>
    public static IServiceCollection AddCrmLive(this IServiceCollection services, IConfiguration configuration)
    {
        var redis = configuration["Redis:Connection"];
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<ILiveEventBus, InProcessLiveEventBus>();
        }
        else
        {
            services.AddSingleton<ILiveEventBus>(sp => new RedisLiveEventBus(redis, sp.GetRequiredService<ILoggerFactory>()));
        }

        services.AddSignalR();
        services.AddHostedService<HubEventForwarder>();
        return services;
    }
}
