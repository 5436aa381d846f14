using System.Net;
using System.Net.Http.Json;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Features.Comments;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Comments;

/// <summary>
/// Issue 20, item 1 (high): a short comment of deeply nested quotes, lists or brackets made the comments API answer 422
/// and the detail page fail for everyone who could see the customer. Such a comment is now shown as the text it is, and
/// a comment has a length limit.
/// </summary>
public sealed class CommentRenderingLimitsTests
{
    public static TheoryData<string> Hostile =>
    [
        new string('>', 203),
        string.Join('\n', Enumerable.Range(0, 200).Select(i => new string(' ', i * 2) + "- x")),
        new string('[', 2_000),
        string.Concat(Enumerable.Repeat("> ", 300)) + "xin chào",
    ];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_deeply_nested_comment_renders_as_plain_text(string body)
    {
        var html = CommentMarkdown.ToSafeHtml(body);
        Assert.StartsWith("<p>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<blockquote", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<li", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Ordinary_markdown_still_renders()
    {
        Assert.Contains("<blockquote>", CommentMarkdown.ToSafeHtml("> > khách nói: đồng ý"), StringComparison.Ordinal);
        Assert.Contains("<li>", CommentMarkdown.ToSafeHtml("- gọi lại\n  - thứ Sáu"), StringComparison.Ordinal);
        Assert.Contains("<strong>", CommentMarkdown.ToSafeHtml("**gấp**"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_comment_has_a_length_limit()
    {
        Assert.Equal(RuleCodes.CommentTooLong, Assert.Throws<DomainException>(() => new Comment(1, "u", new string('a', Comment.MaxLength + 1), DateTime.UtcNow)).Code);
        Assert.Equal(Comment.MaxLength, new Comment(1, "u", new string('a', Comment.MaxLength), DateTime.UtcNow).Body.Length);
    }

    [Fact]
    public async Task The_comments_API_lists_a_stream_with_such_a_comment()
    {
        await using var app = new CrmBlazor.Tests.TestSupport.CrmAppFactory();
        var admin = await CrmBlazor.Tests.TestSupport.AppData.AdminIdAsync(app);
        var customer = await CrmBlazor.Tests.TestSupport.AppData.CreateCustomerAsync(app, "Công ty An Phát", "0912000111", admin);
        string token;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var user = await CrmBlazor.Security.CurrentUser.LoadAsync(app.DbFactory, admin) ?? throw new InvalidOperationException();
            token = await scope.ServiceProvider.GetRequiredService<CrmBlazor.Features.Api.AccessTokenService>().CreateAsync(user, "test");
        }

        using var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var posted = await http.PostAsJsonAsync($"/api/v1/customers/{customer}/comments", new { body = new string('>', 203) });
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var listed = await http.GetAsync($"/api/v1/customers/{customer}/comments");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);

        var tooLong = await http.PostAsJsonAsync($"/api/v1/customers/{customer}/comments", new { body = new string('a', Comment.MaxLength + 1) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
    }
}
