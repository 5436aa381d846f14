using System.Security.Claims;
using System.Threading.RateLimiting;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.CustomerDetail;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Api;

public sealed record NewCommentRequest(string Body);

/// <summary>Why a customer is erased on request (#26); recorded in the audit log.</summary>
public sealed record EraseCustomerRequest(string? Reason);

/// <summary>
/// The public REST API under /api/v1: a second door into the same feature services as the pages, with the same
/// rights and visibility scope (R7.4). Authentication by personal access token; limited per user (all of a user's tokens share one budget).
/// </summary>
public static class ApiEndpoints
{
    public const string Policy = "api";
    public const string DocumentPolicy = "api-document";
    private const string DocumentScheme = "CookieOrApiToken";

    public static IServiceCollection AddApiFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<AccessTokenService>();
        services.AddSingleton<ApiImportSessions>();
        services.AddScoped<CrmBlazor.Features.Webhooks.WebhookService>();
        services.AddSingleton(sp => CrmBlazor.Features.Webhooks.WebhookAddressFilter.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        // The dispatcher times each request out itself (Webhooks:TimeoutSeconds); the handler filters every connection.
        services.AddHttpClient(nameof(CrmBlazor.Features.Webhooks.WebhookDispatcher), c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => CrmBlazor.Features.Webhooks.WebhookDispatcher.CreateHandler(
                sp.GetRequiredService<CrmBlazor.Features.Webhooks.WebhookAddressFilter>()));
        services.AddSingleton<CrmBlazor.Features.Webhooks.WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<CrmBlazor.Features.Webhooks.WebhookDispatcher>());
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        // The OpenAPI document: for a signed-in user (the help page links to it) or a token holder; an anonymous browser is
        // sent to the sign-in page, a request with a bad token gets 401.
        services.AddAuthentication().AddPolicyScheme(DocumentScheme, null, o => o.ForwardDefaultSelector = http =>
            http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? ApiTokenAuthenticationHandler.SchemeName
                : IdentityConstants.ApplicationScheme);
        services.AddAuthorizationBuilder().AddPolicy(DocumentPolicy, p => p.AddAuthenticationSchemes(DocumentScheme).RequireAuthenticatedUser());
        var perMinute = configuration.GetValue("Api:RequestsPerMinute", 600);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RateLimits.OnRejectedAsync;
            // Per user, not per token: a second (or fifteenth) token of the same user shares the same budget.
            o.AddPolicy(Policy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId ? "user:" + userId : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiProblems.Localize);
        services.AddOpenApi();
        return services;
    }

    public const int JsonBodyLimitBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(DocumentPolicy);
        var api = app.MapGroup("/api/v1").RequireAuthorization(Policy).RequireRateLimiting(Policy).DisableAntiforgery().AddEndpointFilter(MapErrorsAsync);
        // JSON bodies are small (the longest field is a 10,000-character comment); the file upload sets its own limit.
        api.WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(JsonBodyLimitBytes));

        api.MapGet("/customers", async (HttpContext http, CustomerService customers, [AsParameters] CustomerListParameters query, CancellationToken ct) =>
            Results.Ok(await customers.ListAsync(await MeAsync(http, ct), CustomerListParameters.ToQuery(http.Request.Query), ct)))
            .WithName("ListCustomers").WithSummary("Customers the token's user may see, paged, searched, filtered and sorted like the grid.");

        api.MapGet("/customers/{id:int}", async (HttpContext http, CustomerDetailService details, int id, CancellationToken ct) =>
            await details.GetAsync(await MeAsync(http, ct), id, ct) is { } c ? Results.Ok(c) : Results.NotFound())
            .WithName("GetCustomer");

        api.MapCustomerWrites();
        api.MapMerges();
        api.MapOrders();
        api.MapImports();

        api.MapGet("/customers/{id:int}/contacts", async (HttpContext http, CustomerDetailService details, int id, CancellationToken ct) =>
            await details.GetAsync(await MeAsync(http, ct), id, ct) is { } c ? Results.Ok(c.Contacts) : Results.NotFound())
            .WithName("ListContacts");

        api.MapGet("/customers/{id:int}/comments", async (HttpContext http, CommentService comments, int id, CancellationToken ct) =>
            Results.Ok((await comments.GetStreamAsync(await MeAsync(http, ct), id, StreamFilter.Comments, ct)).Select(i => i.Comment)))
            .WithName("ListComments");

        api.MapPost("/customers/{id:int}/comments", async (HttpContext http, CommentService comments, int id, NewCommentRequest request, CancellationToken ct) =>
        {
            var commentId = await comments.PostAsync(await MeAsync(http, ct), id, request.Body, null, ct);
            return Results.Created($"/api/v1/customers/{id}/comments/{commentId}", new { id = commentId });
        }).WithName("PostComment");

        api.MapGet("/relationships", async (IDbContextFactory<CrmDbContext> f, CancellationToken ct) =>
        {
            await using var db = await f.CreateDbContextAsync(ct);
            return Results.Ok(await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position)
                .Select(r => new { r.Id, r.Name, r.Color, r.Description, r.Position, r.IsDefault }).ToListAsync(ct));
        }).WithName("ListRelationships");

        api.MapGet("/sources", async (IDbContextFactory<CrmDbContext> f, CancellationToken ct) =>
        {
            await using var db = await f.CreateDbContextAsync(ct);
            return Results.Ok(await db.Sources.Where(s => !s.IsDeleted).OrderBy(s => s.Position).Select(s => new { s.Id, s.Name }).ToListAsync(ct));
        }).WithName("ListSources");

        api.MapGet("/groups", async (IDbContextFactory<CrmDbContext> f, CancellationToken ct) =>
        {
            await using var db = await f.CreateDbContextAsync(ct);
            return Results.Ok(await db.CustomerGroups.Where(g => !g.IsDeleted).OrderBy(g => g.Position).ThenBy(g => g.Id).Select(g => new { g.Id, g.Name }).ToListAsync(ct));
        }).WithName("ListGroups");

        api.MapGet("/users", async (IDbContextFactory<CrmDbContext> f, CancellationToken ct) =>
        {
            await using var db = await f.CreateDbContextAsync(ct);
            return Results.Ok(await db.StaffProfiles.Where(p => p.IsActive).OrderBy(p => p.FullName)
                .Select(p => new { p.Id, p.UserName, p.FullName, Department = p.Department!.Name }).ToListAsync(ct));
        }).WithName("ListUsers");

        return app;
    }

    /// <summary>The token's user with their current rights (re-read on every request).</summary>
    internal static async Task<UserAccess> MeAsync(HttpContext http, CancellationToken ct)
    {
        var id = http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new NotSignedInException();
        var access = await CurrentUser.LoadAsync(http.RequestServices.GetRequiredService<IDbContextFactory<CrmDbContext>>(), id, ct) ?? throw new NotSignedInException();
        return access with { Address = http.Connection.RemoteIpAddress?.ToString() };
    }

    /// <summary>Problem details: 401 signed out, 403 missing right or scope, 404 unknown, 409 stale version, 422 invalid data.</summary>
    private static async ValueTask<object?> MapErrorsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (NotSignedInException)
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in with a valid token.");
        }
        catch (AccessDeniedException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }
        catch (KeyNotFoundException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found");
        }
        catch (DomainException ex)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { [FieldOf(ex.Code)] = [ex.Message] }, statusCode: StatusCodes.Status422UnprocessableEntity);
        }
        catch (ArgumentException ex)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { [ex.ParamName ?? "request"] = [ex.Message] }, statusCode: StatusCodes.Status422UnprocessableEntity);
        }
    }

    private static string FieldOf(string code) => code switch
    {
        _ when FieldLimits.FieldOf(code) is { } tooLong => tooLong,
        RuleCodes.NameRequired => "name",
        RuleCodes.PhoneInvalid => "phone",
        RuleCodes.EmailInvalid => "email",
        RuleCodes.PhoneOrEmailRequired => "phone",
        RuleCodes.CommentEmpty => "body",
        _ => "request",
    };
}
