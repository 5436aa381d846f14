using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace CrmBlazor.Features.Customers;

/// <summary>
/// The customer list's whole state in a URL, one codec for every place that names a list: the grid (reload and back
/// keep the view, a link can be shared), the export, the REST API and every link into the list (board columns,
/// relationship counts). Pages are one-based in the URL; dates are yyyy-MM-dd; defaults are left out.
/// </summary>
public static class CustomerListUrl
{
    public const string Path = "/customers";

    /// <summary>Query keys. The API also accepts its older names (<see cref="Aliases"/>).</summary>
    public static class Keys
    {
        public const string Search = "search";
        public const string Page = "page";
        public const string Size = "size";
        public const string Sort = "sort";
        public const string Desc = "desc";
        public const string Mine = "mine";
        public const string Unassigned = "unassigned";
        public const string Relationship = "relationship";
        public const string Source = "source";
        public const string Group = "group";
        public const string Owner = "owner";
        public const string Department = "department";
        public const string From = "from";
        public const string To = "to";
        public const string DontForget = "dontForget";
        public const string NewUpdates = "newUpdates";
    }

    /// <summary>Other names of the same keys (the API's parameter names since its first version).</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pageSize"] = Keys.Size, ["relationshipId"] = Keys.Relationship, ["sourceId"] = Keys.Source, ["groupId"] = Keys.Group,
        ["ownerId"] = Keys.Owner, ["createdFrom"] = Keys.From, ["createdTo"] = Keys.To, ["q"] = Keys.Search,
    };

    /// <summary>The list's address: <c>/customers?…</c>.</summary>
    public static string For(CustomerListQuery query, bool withPaging = true) => Path + QueryString(query, withPaging);

    /// <summary>"?key=value&amp;…" of what differs from the default list ("" for the default list).</summary>
    public static string QueryString(CustomerListQuery q, bool withPaging = true)
    {
        var d = new CustomerListQuery();
        var parts = new List<(string Key, string Value)>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add((key, value));
            }
        }

        Add(Keys.Search, string.IsNullOrWhiteSpace(q.Search) ? null : q.Search.Trim());
        Add(Keys.Mine, q.Mine ? "true" : null);
        Add(Keys.Unassigned, q.Unassigned ? "true" : null);
        Add(Keys.Relationship, Num(q.RelationshipId));
        Add(Keys.Source, Num(q.SourceId));
        Add(Keys.Group, Num(q.GroupId));
        Add(Keys.Owner, q.OwnerId);
        Add(Keys.Department, Num(q.DepartmentId));
        Add(Keys.From, q.CreatedFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add(Keys.To, q.CreatedTo?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add(Keys.DontForget, q.DontForget ? "true" : null);
        Add(Keys.NewUpdates, q.NewUpdates ? "true" : null);
        Add(Keys.Sort, q.Sort == d.Sort ? null : q.Sort.ToString());
        Add(Keys.Desc, q.Descending ? "true" : null);
        if (withPaging)
        {
            Add(Keys.Page, q.Page > 0 ? Num(q.Page + 1) : null);
            Add(Keys.Size, q.PageSize != d.PageSize ? Num(q.PageSize) : null);
        }

        if (parts.Count == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder("?");
        foreach (var (key, value) in parts)
        {
            if (sb.Length > 1)
            {
                sb.Append('&');
            }

            sb.Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        return sb.ToString();
    }

    /// <summary>Reads a list from a URL (absolute or relative); what cannot be read is left at its default.</summary>
    public static CustomerListQuery FromUri(string uri)
    {
        var at = uri.IndexOf('?', StringComparison.Ordinal);
        return at < 0 ? new CustomerListQuery() : Parse(QueryHelpers.ParseQuery(uri[at..]), out _);
    }

    /// <summary>
    /// Reads a list from query parameters. <paramref name="errors"/> names the parameters whose values could not be read
    /// (the API answers 422 for them; the grid ignores them).
    /// </summary>
    public static CustomerListQuery Parse(IEnumerable<KeyValuePair<string, StringValues>> query, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var values = new Dictionary<string, (string Name, string Value)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in query)
        {
            var key = Aliases.GetValueOrDefault(name, name);
            if (!StringValues.IsNullOrEmpty(value))
            {
                values[key] = (name, value.ToString());
            }
        }

        string? Text(string key) => values.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v.Value) ? v.Value.Trim() : null;

        bool Flag(string key)
        {
            var text = Text(key);
            if (text is null)
            {
                return false;
            }

            if (bool.TryParse(text, out var b))
            {
                return b;
            }

            if (text == "1")
            {
                return true;
            }

            problems.Add(values[key].Name);
            return false;
        }

        int? Int(string key, int min)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= min)
            {
                return i;
            }

            problems.Add(values[key].Name);
            return null;
        }

        DateOnly? Day(string key)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return day;
            }

            problems.Add(values[key].Name);
            return null;
        }

        var d = new CustomerListQuery();
        var sort = d.Sort;
        if (Text(Keys.Sort) is { } sortText && !Enum.TryParse(sortText, ignoreCase: true, out sort))
        {
            problems.Add(values[Keys.Sort].Name);
            sort = d.Sort;
        }

        var result = new CustomerListQuery
        {
            Search = Text(Keys.Search),
            Mine = Flag(Keys.Mine),
            Unassigned = Flag(Keys.Unassigned),
            RelationshipId = Int(Keys.Relationship, 1),
            SourceId = Int(Keys.Source, 1),
            GroupId = Int(Keys.Group, 1),
            OwnerId = Text(Keys.Owner),
            DepartmentId = Int(Keys.Department, 1),
            CreatedFrom = Day(Keys.From),
            CreatedTo = Day(Keys.To),
            DontForget = Flag(Keys.DontForget),
            NewUpdates = Flag(Keys.NewUpdates),
            Sort = sort,
            Descending = Flag(Keys.Desc),
            Page = Math.Max(0, (Int(Keys.Page, 1) ?? 1) - 1),
            PageSize = Int(Keys.Size, 1) is int size ? Math.Min(size, CustomerService.MaxPageSize) : d.PageSize,
        };
        errors = problems;
        return result;
    }

    private static string? Num(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
