using System.Net;
using System.Text.RegularExpressions;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>Signs in through the real login form over HTTP (antiforgery token included).</summary>
public static partial class FormPost
{
    public static async Task<string> TokenAsync(HttpClient client)
    {
        var page = await client.GetStringAsync("/account/login");
        var token = AntiforgeryToken().Match(page);
        Assert.True(token.Success, "The login page has an antiforgery token.");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    /// <summary>Blazor writes non-ASCII text as character references; tests compare decoded text.</summary>
    public static async Task<string> TextAsync(HttpResponseMessage response) => WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password)
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await TokenAsync(client),
            ["_handler"] = "login",
            ["Form.UserName"] = userName,
            ["Form.Password"] = password,
        });
        return await client.PostAsync("/account/login", form);
    }

    /// <summary>The text of the page's alert, or a note that there is none.</summary>
    public static string Alert(string html)
    {
        var m = AlertText().Match(html);
        return m.Success ? m.Groups[1].Value.Trim() : "(no alert) " + html[..Math.Min(html.Length, 300)];
    }

    [GeneratedRegex("role=\"alert\">([^<]*)<")]
    private static partial Regex AlertText();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
