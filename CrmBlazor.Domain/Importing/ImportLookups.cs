using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.CustomFields;

namespace CrmBlazor.Domain.Importing;

/// <summary>
/// The names an import row may refer to, folded with <see cref="SearchKey"/> (case and diacritics do not matter, R3.3):
/// relationships, sources, groups (existing, not deleted) and owners by login name (active staff).
/// </summary>
public sealed class ImportLookups
{
    private readonly Dictionary<string, int> _relationships = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly HashSet<string> _shared = new(StringComparer.Ordinal);
    private readonly Dictionary<int, CustomFieldDefinition> _customFields = [];

    /// <summary>How many distinct values <see cref="Shared"/> keeps (a column of unique values stops adding at this).</summary>
    public const int SharedCapacity = 4096;

    public ImportLookups(int defaultRelationshipId)
    {
        DefaultRelationshipId = defaultRelationshipId;
    }

    /// <summary>The first relationship (R2.3), given to a row whose relationship is blank.</summary>
    public int DefaultRelationshipId { get; }

    public ImportLookups AddRelationship(int id, string name) => Add(_relationships, name, id);

    public ImportLookups AddSource(int id, string name) => Add(_sources, name, id);

    public ImportLookups AddGroup(int id, string name) => Add(_groups, name, id);

    public ImportLookups AddOwner(string userId, string loginName)
    {
        _owners.TryAdd(SearchKey.Fold(loginName), userId);
        return this;
    }

    /// <summary>
    /// Takes a value of the file as naming an existing entry (the user's choice in the check step). A mapping to an entry
    /// that does not exist (deleted meanwhile) is ignored: the rows naming the value stay unknown.
    /// </summary>
    public ImportLookups Map(ImportValueMapping mapping)
    {
        var map = mapping.Kind switch
        {
            ImportValueKind.Relationship => _relationships,
            ImportValueKind.Source => _sources,
            _ => _groups,
        };
        if (Find(map, mapping.Target) is { } id && !string.IsNullOrWhiteSpace(mapping.Value))
        {
            map.TryAdd(SearchKey.Fold(mapping.Value), id);
        }

        return this;
    }

    /// <summary>A custom field a column may be imported as (R1.3): not deleted.</summary>
    public ImportLookups AddCustomField(CustomFieldDefinition field)
    {
        if (!field.IsDeleted)
        {
            _customFields[field.Id] = field;
        }

        return this;
    }

    /// <summary>The custom field of this id, null when it does not exist or is deleted.</summary>
    public CustomFieldDefinition? CustomField(int id) => _customFields.GetValueOrDefault(id);

    public IReadOnlyCollection<CustomFieldDefinition> CustomFields => _customFields.Values;

    public int? Relationship(string name) => Find(_relationships, name);

    public int? Source(string name) => Find(_sources, name);

    public int? Group(string name) => Find(_groups, name);

    public string? Owner(string loginName) => _owners.TryGetValue(SearchKey.Fold(loginName), out var id) ? id : null;

    /// <summary>
    /// One instance per distinct value for columns that repeat (country, province, district, industry): a parsed sheet's
    /// rows are kept until the import ends, and in a 100,000-row sheet four such columns were ~17 MB of the ~80 MB they held.
    /// </summary>
    public string Shared(string value)
    {
        if (_shared.TryGetValue(value, out var kept))
        {
            return kept;
        }

        if (_shared.Count < SharedCapacity)
        {
            _shared.Add(value);
        }

        return value;
    }

    /// <summary>Everything a row's parse depends on: equal fingerprints parse every row alike.</summary>
    public string Fingerprint =>
        string.Join('|', new[] { DefaultRelationshipId.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            .Concat(new[] { _relationships, _sources, _groups }.SelectMany((map, i) => map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{i}:{kv.Key}={kv.Value}")))
            .Concat(_owners.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"o:{kv.Key}={kv.Value}"))
            .Concat(_customFields.Values.OrderBy(f => f.Id).Select(f => $"c:{f.Id}={f.Kind}/{f.Name}/{f.Choices}")));

    private ImportLookups Add(Dictionary<string, int> map, string name, int id)
    {
        map.TryAdd(SearchKey.Fold(name), id);
        return this;
    }

    private static int? Find(Dictionary<string, int> map, string name) => map.TryGetValue(SearchKey.Fold(name), out var id) ? id : null;
}
