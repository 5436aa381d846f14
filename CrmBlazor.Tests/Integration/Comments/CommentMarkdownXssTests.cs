using AngleSharp.Html.Parser;
using CrmBlazor.Features.Comments;

namespace CrmBlazor.Tests.Integration.Comments;

/// <summary>
/// R4.5 comments are Markdown rendered safely. A corpus of XSS vectors (raw HTML, Markdown links and images,
/// autolinks, entity and case tricks, each in several wrappers) must leave no script, no event handler, no
/// javascript:/vbscript:/data: URL and no active element in the output.
/// </summary>
public class CommentMarkdownXssTests
{
    private static readonly string[] Payloads =
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
        "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
        "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
        "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
        "<IMG SRC=\"jav\tascript:alert('XSS');\">",
        "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
        "<SCRIPT/XSS SRC=\"http://xss.example/xss.js\"></SCRIPT>",
        "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
        "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
        "<iframe src=http://xss.example/scriptlet.html <",
        "<svg/onload=alert('XSS')>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
        "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
        "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
        "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
        "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
        "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
        "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
        "<DIV STYLE=\"width: expression(alert('XSS'));\">",
        "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.example/scriptlet.html\"></OBJECT>",
        "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==\" type=\"image/svg+xml\" AllowScriptAccess=\"always\"></EMBED>",
        "<form action=\"javascript:alert(1)\"><button>x</button></form>",
        "<details open ontoggle=alert(1)>",
        "<video><source onerror=\"alert(1)\">",
        "<audio src=x onerror=alert(1)>",
        "<marquee onstart=alert(1)>x</marquee>",
        "<base href=\"javascript:alert('XSS');//\">",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](javascript&#58;alert(1))",
        "[click](  javascript:alert(1)  )",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](java\tscript:alert(1))",
        "[x](\"onmouseover=\"alert(1))",
        "![img](javascript:alert(1))",
        "![img](x\"onerror=\"alert(1))",
        "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "<javascript:alert(1)>",
        "<vbscript:msgbox(1)>",
        "[a][ref]\n\n[ref]: javascript:alert(1)",
        "[a](http://example.com\"onmouseover=\"alert(1))",
        "`<script>alert(1)</script>`",
    ];

    private static readonly Func<string, string>[] Wrappers =
    [
        p => p,
        p => "Xin chào anh Đức,\n\n" + p + "\n\nCảm ơn!",
        p => "> " + p,
        p => "* " + p + "\n* mục hai",
        p => "**" + p + "** và _" + p + "_",
    ];

    public static IEnumerable<object[]> Corpus() =>
        Payloads.SelectMany((p, i) => Wrappers.Select((w, j) => new object[] { $"{i:D2}-{j}", w(p) }));

    [Fact]
    public void The_corpus_has_at_least_200_vectors() => Assert.True(Corpus().Count() >= 200, $"{Corpus().Count()} vectors");

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Rendering_leaves_nothing_executable(string id, string markdown)
    {
        var html = CommentMarkdown.ToSafeHtml(markdown);
        var document = new HtmlParser().ParseDocument("<body>" + html + "</body>");
        string[] forbiddenTags = ["script", "iframe", "object", "embed", "svg", "math", "style", "link", "meta", "base", "form", "img", "video", "audio", "source", "body", "frame", "frameset", "details"];
        foreach (var element in document.Body!.QuerySelectorAll("*"))
        {
            Assert.DoesNotContain(element.LocalName, forbiddenTags);
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{id}: event handler {attribute.Name} in {html}");
                Assert.NotEqual("style", attribute.Name, StringComparer.OrdinalIgnoreCase);
                if (attribute.Name is "href" or "src" or "action" or "background" or "data")
                {
                    var value = attribute.Value.Trim();
                    var ok = value.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                        || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                        || value.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)
                        || (!value.Contains(':', StringComparison.Ordinal) && !value.StartsWith("//", StringComparison.Ordinal));
                    Assert.True(ok, $"{id}: unsafe URL '{value}' in {html}");
                }
            }
        }

        var lowered = html.ToLowerInvariant();
        Assert.DoesNotContain("<script", lowered, StringComparison.Ordinal);
        // Raw HTML is shown as text: escaped, never parsed into elements.
        Assert.DoesNotContain("<iframe", lowered, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("**đậm** và _nghiêng_", "<strong>đậm</strong>")]
    [InlineData("[Getfly](https://getfly.vn)", "href=\"https://getfly.vn\"")]
    [InlineData("mail [tôi](mailto:lan@x.vn)", "href=\"mailto:lan@x.vn\"")]
    [InlineData("- một\n- hai", "<li>một</li>")]
    [InlineData("`mã`", "<code>mã</code>")]
    public void Ordinary_formatting_survives(string markdown, string expected)
    {
        Assert.Contains(expected, CommentMarkdown.ToSafeHtml(markdown), StringComparison.Ordinal);
    }

    [Fact]
    public void Links_open_in_a_new_tab_without_opener()
    {
        var html = CommentMarkdown.ToSafeHtml("https://example.vn");
        Assert.Contains("rel=\"noopener noreferrer nofollow\"", html, StringComparison.Ordinal);
        Assert.Contains("target=\"_blank\"", html, StringComparison.Ordinal);
    }
}
