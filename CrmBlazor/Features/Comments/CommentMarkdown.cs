using Ganss.Xss;
using Markdig;

namespace CrmBlazor.Features.Comments;

/// <summary>
/// Renders a comment's Markdown safely (R4.5): Markdig with raw HTML disabled, then a sanitiser that keeps only
/// formatting tags and http, https and mailto links. Nothing a user writes can run script in a colleague's browser.
/// </summary>
public static class CommentMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .UsePipeTables()
        .UseTaskLists()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static string ToSafeHtml(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return string.Empty;
        }

        if (markdown.Length > Domain.Comments.Comment.MaxLength || NestingDepth(markdown) > MaxNesting)
        {
            // Deeper than people write (a parser's recursion is the limit): shown as the text it is.
            return AsText(markdown);
        }

        try
        {
            return Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or InsufficientExecutionStackException)
        {
            // A comment that cannot be rendered never breaks the stream it stands in.
            return AsText(markdown);
        }
    }

    /// <summary>How deep quotes, lists and brackets nest.</summary>
    private const int MaxNesting = 32;

    private static string AsText(string text) =>
        "<p>" + System.Net.WebUtility.HtmlEncode(text).Replace("\n", "<br>", StringComparison.Ordinal) + "</p>";

    /// <summary>The deepest nesting a line starts with (quote markers, list indentation) or brackets reach.</summary>
    private static int NestingDepth(string markdown)
    {
        var deepest = 0;
        var brackets = 0;
        foreach (var line in markdown.Split('\n'))
        {
            var depth = 0;
            foreach (var ch in line)
            {
                if (ch is '>' or '-' or '*' or '+')
                {
                    depth++;
                }
                else if (ch is not ' ' and not '\t')
                {
                    break;
                }
            }

            deepest = Math.Max(deepest, Math.Max(depth, (line.Length - line.TrimStart().Length) / 2));
        }

        foreach (var ch in markdown)
        {
            brackets += ch == '[' ? 1 : ch == ']' && brackets > 0 ? -1 : 0;
            deepest = Math.Max(deepest, brackets);
        }

        return deepest;
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var options = new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "p", "br", "strong", "em", "del", "ins", "mark", "sub", "sup", "code", "pre", "blockquote", "ul", "ol", "li",
                "a", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "input", "span",
            },
            AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "title", "type", "checked", "disabled", "align" },
            AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" },
            UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href" },
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
        };
        var sanitizer = new HtmlSanitizer(options);
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement element)
            {
                if (element.TagName.Equals("a", StringComparison.OrdinalIgnoreCase))
                {
                    element.SetAttribute("rel", "noopener noreferrer nofollow");
                    element.SetAttribute("target", "_blank");
                }
                else if (element.TagName.Equals("input", StringComparison.OrdinalIgnoreCase)
                    && !string.Equals(element.GetAttribute("type"), "checkbox", StringComparison.OrdinalIgnoreCase))
                {
                    element.Remove();
                }
            }
        };
        return sanitizer;
    }
}
