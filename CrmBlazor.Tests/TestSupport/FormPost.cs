using System.Net;
using System.Text.RegularExpressions;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>Signs in through the real login form over HTTP (antiforgery token included).</summary>
public static partial class FormPost
{
    /// <summary>The antiforgery token of the login form, made for whoever the client is (signed in or not).</summary>
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

    /// <summary>Signs out as the account menu's form does (POST /account/logout with a token made for the signed-in user).</summary>
    public static async Task<HttpResponseMessage> SignOutAsync(HttpClient client)
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await TokenAsync(client),
            ["returnUrl"] = "/",
        });
        return await client.PostAsync("/account/logout", form);
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
