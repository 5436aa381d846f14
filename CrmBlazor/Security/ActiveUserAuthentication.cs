using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Live;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrmBlazor.Security;

/// <summary>
/// Keeps a circuit's identity honest for its whole life: every <see cref="RevalidationInterval"/> and at once when a
/// <see cref="UserAccessChanged"/> event names this user, it re-reads the account; a deactivated account or a changed
/// security stamp (password reset) turns the circuit anonymous, and the router sends it to the login page.
/// </summary>
public sealed class ActiveUserAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private readonly IDbContextFactory<CrmDbContext> _dbFactory;
    private readonly IOptions<IdentityOptions> _identity;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private int _signedOut;

    public ActiveUserAuthenticationStateProvider(ILoggerFactory loggerFactory, IDbContextFactory<CrmDbContext> dbFactory,
        IOptions<IdentityOptions> identity, ILiveEventBus live)
        : base(loggerFactory)
    {
        _dbFactory = dbFactory;
        _identity = identity;
        _logger = loggerFactory.CreateLogger<ActiveUserAuthenticationStateProvider>();
        _subscription = live.Subscribe([LiveTopics.Access], OnLiveEventAsync);
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(15);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        IsStillValidAsync(_dbFactory, authenticationState.User, _identity.Value, cancellationToken);

    /// <summary>True when the principal's account exists, is active and its security stamp is unchanged.</summary>
    public static async Task<bool> IsStillValidAsync(IDbContextFactory<CrmDbContext> dbFactory, ClaimsPrincipal principal, IdentityOptions options,
        CancellationToken ct)
    {
        var id = principal.FindFirstValue(options.ClaimsIdentity.UserIdClaimType);
        if (id is null)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Users.AsNoTracking().Where(u => u.Id == id)
            .Select(u => new { u.SecurityStamp, Active = u.Profile != null && u.Profile.IsActive })
            .SingleOrDefaultAsync(ct);
        if (account is null || !account.Active)
        {
            return false;
        }

        var stamp = principal.FindFirstValue(options.ClaimsIdentity.SecurityStampClaimType);
        return stamp is null || stamp == account.SecurityStamp;
    }

    private async Task OnLiveEventAsync(LiveEvent e)
    {
        if (e is not UserAccessChanged changed || Volatile.Read(ref _signedOut) == 1)
        {
            return;
        }

        var state = await GetAuthenticationStateAsync();
        if (state.User.FindFirstValue(_identity.Value.ClaimsIdentity.UserIdClaimType) != changed.UserId)
        {
            return;
        }

        if (!await IsStillValidAsync(_dbFactory, state.User, _identity.Value, CancellationToken.None))
        {
            // Deactivated or password reset: sign this circuit out now, not at the next revalidation.
            Interlocked.Exchange(ref _signedOut, 1);
            _logger.LogInformation("Signing out a circuit of user {UserId}: the account is no longer valid.", changed.UserId);
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
    /// Circuits re-check the account (<see cref="ActiveUserAuthenticationStateProvider"/>); every HTTP request with the
    /// sign-in cookie is refused when the account was deactivated or its security stamp changed, so a deactivated user
    /// cannot come back with an old cookie.
    /// </summary>
    public static IServiceCollection AddActiveUserAuthentication(this IServiceCollection services)
    {
        services.AddScoped<AuthenticationStateProvider, ActiveUserAuthenticationStateProvider>();
        services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o =>
        {
            var previous = o.Events.OnValidatePrincipal;
            o.Events.OnValidatePrincipal = async context =>
            {
                await previous(context);
                if (context.Principal?.Identity?.IsAuthenticated != true)
                {
                    return;
                }

                var sp = context.HttpContext.RequestServices;
                var valid = await ActiveUserAuthenticationStateProvider.IsStillValidAsync(sp.GetRequiredService<IDbContextFactory<CrmDbContext>>(),
                    context.Principal, sp.GetRequiredService<IOptions<IdentityOptions>>().Value, context.HttpContext.RequestAborted);
                if (!valid)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                }
            };
        });
        return services;
    }
}
