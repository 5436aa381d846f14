using System.Security.Claims;
using CrmBlazor.Live;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;

namespace CrmBlazor.Security;

/// <summary>
/// Keeps a circuit's identity honest for its whole life: every <see cref="RevalidationInterval"/>, and at once when a
/// <see cref="UserAccessChanged"/> or <see cref="SessionEnded"/> event names this user, it re-checks the circuit's session
/// (<see cref="UserSessions"/>); a session that ended (signed out here or everywhere), a deactivated account or a changed
/// security stamp (password change or reset) turns the circuit anonymous, and the router sends it to the login page.
/// </summary>
public sealed class ActiveUserAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private readonly UserSessions _sessions;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private int _signedOut;

    public ActiveUserAuthenticationStateProvider(ILoggerFactory loggerFactory, UserSessions sessions, ILiveEventBus live)
        : base(loggerFactory)
    {
        _sessions = sessions;
        _logger = loggerFactory.CreateLogger<ActiveUserAuthenticationStateProvider>();
        _subscription = live.Subscribe([LiveTopics.Access], OnLiveEventAsync);
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(15);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        _sessions.IsValidAsync(authenticationState.User, fresh: true, cancellationToken);

    private async Task OnLiveEventAsync(LiveEvent e)
    {
        if (e is not (UserAccessChanged or SessionEnded) || Volatile.Read(ref _signedOut) == 1)
        {
            return;
        }

        var user = (await GetAuthenticationStateAsync()).User;
        var ended = e switch
        {
            SessionEnded s => _sessions.Ends(s, user),
            UserAccessChanged changed => _sessions.UserIdOf(user) == changed.UserId && !await _sessions.IsValidAsync(user, fresh: true),
            _ => false,
        };
        if (ended)
        {
            // Signed out (here or everywhere), deactivated or password changed: sign this circuit out now, not at the next
            // revalidation.
            Interlocked.Exchange(ref _signedOut, 1);
            _logger.LogInformation("Signing out a circuit of user {UserId}: its session is no longer valid.", _sessions.UserIdOf(user));
            SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription.Dispose();
        }

        base.Dispose(disposing);
    }
}

public static class ActiveUserAuthentication
{
    /// <summary>
    /// Sign-in opens a server-side session (<see cref="UserSessions"/>) named in the cookie; every HTTP request with the
    /// cookie is refused when that session ended, the account was deactivated or its security stamp changed — checked on
    /// every request, so a signed-out or copied cookie stops working at once. Circuits re-check the same
    /// (<see cref="ActiveUserAuthenticationStateProvider"/>), and so do hub connections (<see cref="HubEventForwarder"/>).
    /// </summary>
    public static IServiceCollection AddActiveUserAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<UserSessions>();
        services.AddScoped<AuthenticationStateProvider, ActiveUserAuthenticationStateProvider>();
        services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o =>
        {
            var signingIn = o.Events.OnSigningIn;
            o.Events.OnSigningIn = async context =>
            {
                await signingIn(context);
                if (context.Principal?.Identity is not ClaimsIdentity { IsAuthenticated: true } identity
                    || UserSessions.SessionIdOf(context.Principal) is not null)
                {
                    return;
                }

                var sessions = context.HttpContext.RequestServices.GetRequiredService<UserSessions>();
                var userId = sessions.UserIdOf(context.Principal) ?? throw new InvalidOperationException("A sign-in without a user id.");
                var request = context.HttpContext;
                var sessionId = await sessions.StartAsync(userId, request.Request.Headers.UserAgent.ToString(),
                    request.Connection.RemoteIpAddress?.ToString(), request.RequestAborted);
                identity.AddClaim(new Claim(UserSessions.SessionIdClaim, sessionId));
            };

            // Replaces Identity's SecurityStampValidator (which reads the account only every 30 minutes, and would rebuild
            // the principal without its session id): this check covers the stamp too, on every request.
            o.Events.OnValidatePrincipal = async context =>
            {
                if (context.Principal?.Identity?.IsAuthenticated != true)
                {
                    return;
                }

                var sessions = context.HttpContext.RequestServices.GetRequiredService<UserSessions>();
                if (!await sessions.IsValidAsync(context.Principal, ct: context.HttpContext.RequestAborted))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                }
            };
        });
        return services;
    }
}
