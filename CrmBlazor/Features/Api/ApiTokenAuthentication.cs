using System.Security.Claims;
using System.Text.Encodings.Web;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrmBlazor.Features.Api;

/// <summary>
/// "Authorization: Bearer crm_…": looks the token up by its hash; a revoked token or a deactivated user is refused at
/// once (every request reads the database). The principal carries only the user id; rights are read per operation.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string TokenIdClaim = "crm:token_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var secret = header["Bearer ".Length..].Trim();
        if (!secret.StartsWith(AccessToken.SecretPrefix, StringComparison.Ordinal) || secret.Length > 100)
        {
            return AuthenticateResult.Fail("Malformed token.");
        }

        var hash = AccessToken.HashOf(secret);
        await using var db = await dbFactory.CreateDbContextAsync(Context.RequestAborted);
        var token = await db.AccessTokens.SingleOrDefaultAsync(t => t.Hash == hash, Context.RequestAborted);
        if (token is null || !token.IsActive)
        {
            return AuthenticateResult.Fail("Unknown or revoked token.");
        }

        var active = await db.StaffProfiles.AnyAsync(p => p.Id == token.UserId && p.IsActive, Context.RequestAborted);
        if (!active)
        {
            return AuthenticateResult.Fail("The token's user is deactivated.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.MarkUsed(now);
            await db.SaveChangesAsync(Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, token.UserId), new Claim(TokenIdClaim, token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
