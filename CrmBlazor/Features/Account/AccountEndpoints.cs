using CrmBlazor.Data;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;

namespace CrmBlazor.Features.Account;

public static class AccountEndpoints
{
    public static IServiceCollection AddAccountFeature(this IServiceCollection services)
    {
        services.AddSingleton<SignInThrottle>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // Ends this session on the server, not only the cookie in this browser: a copy of the cookie stops working too (#20).
        app.MapPost("/account/logout", async (HttpContext http, SignInManager<AppUser> signIn, UserSessions sessions, [FromForm] string? returnUrl) =>
        {
            await sessions.EndAsync(http.User, http.RequestAborted);
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login" + (string.IsNullOrEmpty(returnUrl) ? string.Empty : "?signedOut=1"));
        }).RequireAuthorization();

        app.MapGet("/culture/set", (HttpContext http, string culture, string? redirectUri) =>
        {
            var supported = culture is "vi-VN" or "en" ? culture : "vi-VN";
            http.Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(supported)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax });
            var target = !string.IsNullOrEmpty(redirectUri) && redirectUri.StartsWith('/') && !redirectUri.StartsWith("//", StringComparison.Ordinal)
                ? redirectUri
                : "/";
            return TypedResults.LocalRedirect(target);
        }).AllowAnonymous();

        return app;
    }
}
