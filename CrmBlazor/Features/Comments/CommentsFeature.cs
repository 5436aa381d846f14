using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Comments;

public static class CommentsFeature
{
    public static IServiceCollection AddCommentsFeature(this IServiceCollection services)
    {
        services.AddSingleton<AttachmentStore>();
        services.AddScoped<CommentService>();
        services.AddSingleton<PresenceTracker>();
        services.AddScoped<CrmBlazor.Features.CustomerDetail.CustomerDetailService>();
        services.AddScoped<CrmBlazor.Features.Updates.UpdatesService>();
        return services;
    }

    /// <summary>GET /attachments/{id}: only for users who may see the attachment's customer (404 otherwise).</summary>
    public static IEndpointRouteBuilder MapCommentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/attachments/{id:long}", async (long id, HttpContext http, ClaimsPrincipal principal, CommentService comments, IDbContextFactory<CrmDbContext> dbFactory, CancellationToken ct) =>
        {
            var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
            var user = userId is null ? null : await CurrentUser.LoadAsync(dbFactory, userId, ct);
            if (user is null)
            {
                return Results.Unauthorized();
            }

            var opened = await comments.OpenAttachmentAsync(user, id, ct);
            if (opened is null)
            {
                return Results.NotFound();
            }

            // Only images are shown inline; everything else is a download (nosniff comes with every response), and
            // the file may run nothing even if opened in the browser.
            var (attachment, content) = opened.Value;
            http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return AttachmentTypes.InlineContentTypes.Contains(attachment.ContentType)
                ? Results.Stream(content, attachment.ContentType)
                : Results.Stream(content, attachment.ContentType, attachment.FileName);
        }).RequireAuthorization();
        return app;
    }
}
