using System.Globalization;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Features.Api;

/// <summary>
/// Problem details of the API in the request's language (issue 21): Vietnamese for "Accept-Language: vi…", English
/// otherwise. Every problem title the API writes goes through <see cref="Localize"/> (the ProblemDetails service's hook);
/// an error the server answers before the API's own code runs — a body over its size limit (413), a missing token (401),
/// the rate limit (429), an unknown route (404) — gets a problem+json body too instead of an empty one; an upload over
/// the import's size limit gets the very message the import page shows, at any size.
/// </summary>
public static class ApiProblems
{
    private static readonly CultureInfo English = new("en");
    private static readonly CultureInfo Vietnamese = new("vi-VN");

    /// <summary>The API's language for <paramref name="request"/>: the first of its Accept-Language by quality.</summary>
    public static CultureInfo CultureOf(HttpRequest request)
    {
        var languages = request.GetTypedHeaders().AcceptLanguage;
        var first = languages.OrderByDescending(l => l.Quality ?? 1).FirstOrDefault()?.Value.Value;
        return first?.StartsWith("vi", StringComparison.OrdinalIgnoreCase) == true ? Vietnamese : English;
    }

    public static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    /// <summary>
    /// For /api requests: sets the request's language, and gives an error answered without a body a problem+json one.
    /// Before routing, so that it also covers what the server answers outside the endpoints.
    /// </summary>
    public static IApplicationBuilder UseApiProblems(this IApplicationBuilder app) =>
        app.UseWhen(IsApi, api => api.Use(async (context, next) =>
        {
            // Texts and the numbers in them ("larger than 0.1 MB" / "lớn hơn 0,1 MB").
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureOf(context.Request);
            if (ApiImportEndpoints.IsUpload(context.Request))
            {
                // The upload's size limit is enforced here, so that its answer is the page's message at any size.
                await ApiImportEndpoints.LimitUploadAsync(context, next);
                return;
            }

            await next(context);
            var response = context.Response;
            if (!response.HasStarted && response.StatusCode >= 400 && response.ContentLength is null or 0 && response.ContentType is null)
            {
                // Answered without a body (a JSON body over the limit, a missing token, the rate limit, Results.NotFound()).
                await Results.Problem(statusCode: response.StatusCode).ExecuteAsync(context);
            }
        }));

    /// <summary>The ProblemDetails service's hook: the title of an /api problem in the request's language.</summary>
    public static void Localize(ProblemDetailsContext context)
    {
        if (!IsApi(context.HttpContext))
        {
            return;
        }

        var problem = context.ProblemDetails;
        var t = context.HttpContext.RequestServices.GetRequiredService<IStringLocalizer<ApiText>>();
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            // The culture set by UseApiProblems does not reach a hook run outside the request's flow; set it here too.
            CultureInfo.CurrentUICulture = CultureOf(context.HttpContext.Request);
            problem.Title = Title(t, problem.Title, problem.Status ?? context.HttpContext.Response.StatusCode);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    /// <summary><paramref name="title"/> translated; a title without a translation is the status's own title (ASP.NET Core's
    /// defaults, "Not Found", are English), or in English, for a status without one, the title as it is.</summary>
    public static string Title(IStringLocalizer<ApiText> t, string? title, int status)
    {
        if (title is not null)
        {
            var translated = t[title];
            if (!translated.ResourceNotFound)
            {
                return translated.Value;
            }

            if (CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en" && StatusTitle(status) is null)
            {
                return title;
            }
        }

        return t[StatusTitle(status) ?? "Error"].Value;
    }

    private static string? StatusTitle(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        406 => "Not acceptable",
        408 => "Request timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request body too large",
        415 => "Unsupported media type",
        422 => "Unprocessable entity",
        429 => "Too many requests",
        500 => "An error occurred while processing your request.",
        503 => "Service unavailable",
        _ => null,
    };
}
