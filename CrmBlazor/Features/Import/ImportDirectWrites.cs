using System.Reflection;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.CustomFields;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace CrmBlazor.Features.Import;

/// <summary>
/// How an import writes on SQLite and PostgreSQL: the customers it creates get their ids — and so their generated codes
/// (R1.1) — before they are inserted, and go with their contacts and group links, like the changes to existing
/// customers, straight to the database in a few set-based statements per chunk instead of through the change tracker.
/// On PostgreSQL new rows go in by binary COPY (PostgresCopyRows) and changes as one UPDATE … FROM column arrays per set
/// of changed columns (PostgresArrayRows): no statement per row.
/// On SQLite the chunk's customers are written set-based (SqliteJsonRows): the new ones by one INSERT … SELECT from a
/// JSON array, the changed ones by one UPDATE … FROM a JSON array per set of changed indexed columns. SQLite flushes
/// the search index's (FTS5) pending terms at every statement that writes through its trigger, so one statement per
/// customer wrote 100,000 tiny index segments and merged them again (70,000 new customers spent 6.5 of their 9 s in the
/// search index; one INSERT … SELECT per 1,000 customers: under 1 s). Since #25 the index's insert and update triggers
/// are off for the whole write and its rows go in by one statement before the commit (SearchIndexDeferral), as a
/// tuned bulk load does.
/// Ids: on SQLite the import's transaction already holds the only write lock (it wrote its batch row first), so the
/// ids after the largest are free until it commits; PostgreSQL hands them out from the identity's sequence. Updates
/// carry the version loaded: a customer someone changed meanwhile fails the import, which then writes nothing.
/// </summary>
internal sealed class DirectWrites : IAsyncDisposable
{
    private const int ImportCacheKb = 64 * 1024;
    private const int DefaultCacheKb = 2000;
    private const int DefaultAutomerge = 4;
    private const int ImportAutomerge = 16;

    private static readonly PropertyInfo CustomerId = typeof(Customer).GetProperty(nameof(Customer.Id))!;

    private readonly CrmDbContext _db;
    private readonly IProperty[] _customerColumns;
    private readonly PreparedRows _insertContact;
    private readonly PreparedRows _updateContact;
    private readonly PreparedRows _insertMember;
    private readonly List<string[]> _changeSets = [];
    private readonly HashSet<string> _watched;
    private readonly Dictionary<int, Before> _before = [];
    private readonly Queue<int> _ids = new();
    private int _lastId;
    // SQLite: each search index's merge setting before the import, put back before the commit.
    private readonly Dictionary<string, int> _automerge = [];
    // PostgreSQL: the customers' id sequence, looked up once (per row, pg_get_serial_sequence took most of the ids' time).
    private readonly string? _sequence;
    // SQLite: the search index written in bulk before the commit, not by its triggers statement by statement.
    private readonly SearchIndexDeferral? _searchIndex;
    private readonly int _searchTextColumn;
    private bool _finished;

    private DirectWrites(CrmDbContext db, int lastId, Dictionary<string, int>? automerge = null, string? sequence = null, SearchIndexDeferral? searchIndex = null)
    {
        _db = db;
        _searchIndex = searchIndex;
        _lastId = lastId;
        _automerge = automerge ?? [];
        _sequence = sequence;
        _customerColumns = db.Model.FindEntityType(typeof(Customer))!.GetProperties().Where(p => !p.IsPrimaryKey()).ToArray();
        _searchTextColumn = Array.FindIndex(_customerColumns, p => p.Name == nameof(Customer.SearchText));
        _insertContact = PreparedRows.Insert<Contact>(db);
        _updateContact = PreparedRows.Update<Contact>(db);
        _insertMember = PreparedRows.Insert<CustomerGroupMember>(db);
        // Columns whose change costs more than the row: in an index, a foreign key, or the search index's trigger.
        var entity = db.Model.FindEntityType(typeof(Customer))!;
        _watched = entity.GetIndexes().SelectMany(i => i.Properties).Concat(entity.GetForeignKeys().SelectMany(f => f.Properties))
            .Select(p => p.Name).Append(nameof(Customer.SearchText)).ToHashSet();
    }

    /// <summary>What a loaded customer was, to write only what the import changed.</summary>
    private sealed record Before(int Version, object?[] Values, HashSet<int> Groups, Dictionary<int, bool> Primary, Dictionary<int, string> Custom);

    private bool IsSqlite => _db.Database.IsSqlite();

    public static async Task<DirectWrites> StartAsync(CrmDbContext db, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Direct writes need the import's transaction.");
        }

        if (!db.Database.IsSqlite())
        {
            var sequence = await db.Database.SqlQueryRaw<string>("SELECT pg_get_serial_sequence('\"Customers\"', 'Id') AS \"Value\"").SingleAsync(ct);
            return new DirectWrites(db, 0, sequence: sequence);
        }

        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction.GetDbTransaction();
        // AUTOINCREMENT never reuses an id: start after both the sequence and the largest id.
        command.CommandText = "SELECT MAX(COALESCE((SELECT \"seq\" FROM \"sqlite_sequence\" WHERE \"name\" = 'Customers'), 0), " +
                              "COALESCE((SELECT MAX(\"Id\") FROM \"Customers\"), 0))";
        var last = Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        // Each row changes the table and about ten indexes at scattered places: a bigger page cache for the import
        // keeps most of those pages in memory instead of spilling them to the WAL again and again. The size is what
        // the import's peak working set can afford under its 400 MB target (issue 7), with the sheet's rows still held.
        command.CommandText = $"PRAGMA cache_size = -{ImportCacheKb}";
        await command.ExecuteNonQueryAsync(ct);
        // No automatic checkpoint in this connection's commit: the import checkpoints in the background after it
        // (SqliteCheckpoint; the copy of a 100,000-row import's log took 1.4–1.8 s of the commit).
        command.CommandText = "PRAGMA wal_autocheckpoint = 0";
        await command.ExecuteNonQueryAsync(ct);
        // The search indexes merge their segments less often during the import (restored before the commit, so no other
        // connection ever sees the setting): 30,000 updated customers 3.3 → 2.2 s. Its crisis merges still bound the
        // number of segments; later writes merge the rest as usual.
        var automerge = new Dictionary<string, int>();
        foreach (var index in new[] { CustomerSearchTables.Text, CustomerSearchTables.Tail })
        {
            command.CommandText = $"SELECT \"v\" FROM \"{index}_config\" WHERE \"k\" = 'automerge'";
            var setting = await command.ExecuteScalarAsync(ct);
            automerge[index] = setting is null or DBNull ? DefaultAutomerge : Convert.ToInt32(setting, System.Globalization.CultureInfo.InvariantCulture);
            command.CommandText = $"INSERT INTO \"{index}\"(\"{index}\", rank) VALUES('automerge', {ImportAutomerge})";
            await command.ExecuteNonQueryAsync(ct);
        }

        var searchIndex = await SearchIndexDeferral.StartAsync(db, last, ct);
        return new DirectWrites(db, last, automerge,
            searchIndex: searchIndex);
    }

    /// <summary>Sets aside ids for the <paramref name="count"/> customers the next rows create.</summary>
    public async Task ReserveIdsAsync(int count, CancellationToken ct)
    {
        if (count <= 0)
        {
            return;
        }

        if (IsSqlite)
        {
            for (var i = 0; i < count; i++)
            {
                _ids.Enqueue(++_lastId);
            }

            return;
        }

        // The sequence's name as a literal: its regclass is resolved once per statement, not once per id (70,000 ids:
        // 560 → 85 ms). The name comes from the catalogue; quotes are doubled all the same.
        var sql = $"SELECT CAST(nextval('{_sequence!.Replace("'", "''", StringComparison.Ordinal)}'::regclass) AS integer) AS \"Value\" " +
                  $"FROM generate_series(1, {count.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
        foreach (var id in await _db.Database.SqlQueryRaw<int>(sql).ToListAsync(ct))
        {
            _ids.Enqueue(id);
        }
    }

    /// <summary>Gives a new customer its id and, without a code from the file, its generated code.</summary>
    public void AssignId(Customer customer)
    {
        CustomerId.SetValue(customer, _ids.Dequeue());
        customer.AssignGeneratedCode(customer.Code is null ? Codes?.For(customer.Id) : null);
    }

    /// <summary>The generated codes free for the new customers (issue 21: a code of the generated form may be taken).</summary>
    public Customers.GeneratedCodes? Codes { get; set; }

    /// <summary>Notes a loaded customer's state before the import changes it.</summary>
    public void Remember(Customer c) =>
        _before[c.Id] = new Before(c.Version, Values(c), c.Groups.Select(g => g.GroupId).ToHashSet(), c.Contacts.ToDictionary(x => x.Id, x => x.IsPrimary),
            c.CustomValues.ToDictionary(v => v.FieldId, v => v.Value));

    /// <summary>Writes a chunk: the new customers, then the changes to loaded ones, each with its contacts and group links.</summary>
    public async Task FlushAsync(IReadOnlyCollection<Customer> created, IReadOnlyCollection<Customer> loaded, CancellationToken ct)
    {
        try
        {
            if (IsSqlite)
            {
                await FlushJsonAsync(created, loaded, ct);
            }
            else
            {
                await FlushPostgresAsync(created, loaded, ct);
            }

            await WriteCustomValuesAsync(created, loaded, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new Domain.Common.DomainException("import.changed-meanwhile",
                "Someone changed one of these customers meanwhile, so nothing was written. Run it again.");
        }

        _before.Clear();
    }

    /// <summary>
    /// PostgreSQL: the chunk's new customers, their contacts and group links each by one INSERT … SELECT FROM unnest of
    /// column arrays, and its changed customers by one UPDATE … FROM unnest per set of changed columns: a round trip per
    /// statement, not per row.
    /// </summary>
    private async Task FlushPostgresAsync(IReadOnlyCollection<Customer> created, IReadOnlyCollection<Customer> loaded, CancellationToken ct)
    {
        await PostgresCopyRows.InsertAsync(_db, created.OrderBy(c => c.Id).Select(c => (c, (object?)null)).ToList(), withGeneratedKey: true, null, ct);
        foreach (var (set, members) in ChangeSets(loaded))
        {
            var affected = await PostgresArrayRows.UpdateAsync(_db, members, _changeSets[set], nameof(Customer.Version), c => _before[c.Id].Version, ct);
            if (affected != members.Count)
            {
                throw new DbUpdateConcurrencyException("A customer changed (or disappeared) since it was read.");
            }
        }

        var contacts = new List<(Contact, object?)>();
        var links = new List<(CustomerGroupMember, object?)>();
        foreach (var c in created.Concat(loaded))
        {
            var before = _before.GetValueOrDefault(c.Id);
            foreach (var contact in c.Contacts)
            {
                if (contact.Id == 0)
                {
                    contacts.Add((contact, c.Id));
                }
                else if (before is not null && before.Primary.TryGetValue(contact.Id, out var wasPrimary) && wasPrimary != contact.IsPrimary)
                {
                    await _updateContact.WriteAsync(contact, ct);
                }
            }

            links.AddRange(c.Groups.Where(m => before?.Groups.Contains(m.GroupId) != true).Select(m => (m, (object?)c.Id)));
        }

        await PostgresCopyRows.InsertAsync(_db, contacts, withGeneratedKey: false, nameof(Contact.CustomerId), ct);
        await PostgresCopyRows.InsertAsync(_db, links, withGeneratedKey: false, nameof(CustomerGroupMember.CustomerId), ct);
    }

    /// <summary>
    /// The loaded customers the chunk changed, by set of columns to write (index into <see cref="_changeSets"/>). A set
    /// may hold more columns than changed: all those no index, key or trigger reads are always written, which leaves a
    /// handful of statements per chunk (one per set of changed indexed columns) instead of one per combination of
    /// changed fields.
    /// </summary>
    private Dictionary<int, List<Customer>> ChangeSets(IReadOnlyCollection<Customer> loaded)
    {
        var sets = new Dictionary<int, List<Customer>>();
        foreach (var c in loaded.OrderBy(c => c.Id))
        {
            var changed = Changed(c, _before[c.Id]);
            if (changed.Length == 0)
            {
                continue;
            }

            changed = _customerColumns.Where(p => !_watched.Contains(p.Name) || changed.Contains(p.Name)).Select(p => p.Name).ToArray();
            var set = _changeSets.FindIndex(s => s.AsSpan().SequenceEqual(changed));
            if (set < 0)
            {
                _changeSets.Add(changed);
                set = _changeSets.Count - 1;
            }

            if (!sets.TryGetValue(set, out var members))
            {
                sets[set] = members = [];
            }

            members.Add(c);
        }

        return sets;
    }

    /// <summary>SQLite: the chunk's new customers written by one INSERT … SELECT and its changed ones by one UPDATE … FROM per set of changed columns, each from one JSON array.</summary>
    private async Task FlushJsonAsync(IReadOnlyCollection<Customer> created, IReadOnlyCollection<Customer> loaded, CancellationToken ct)
    {
        if (created.Count > 0)
        {
            await SqliteJsonRows.InsertAsync(_db, created.OrderBy(c => c.Id), withGeneratedKey: true, ct);
            foreach (var c in created)
            {
                await WriteLinksAsync(c, null, ct);
            }
        }

        foreach (var c in loaded)
        {
            var before = (string)_before[c.Id].Values[_searchTextColumn]!;
            if (before != c.SearchText)
            {
                _searchIndex?.TextChanging(c.Id, before);
            }
        }

        // Changed customers: each set of columns in one UPDATE … FROM a JSON array of its rows.
        foreach (var (set, members) in ChangeSets(loaded))
        {
            var affected = await SqliteJsonRows.UpdateAsync(_db, members, _changeSets[set], nameof(Customer.Version), c => _before[c.Id].Version, ct);
            if (affected != members.Count)
            {
                throw new DbUpdateConcurrencyException("A customer changed (or disappeared) since it was read.");
            }
        }

        foreach (var c in loaded)
        {
            await WriteLinksAsync(c, _before[c.Id], ct);
        }
    }

    /// <summary>
    /// The custom field values (R1.3) of the chunk's customers, after the customers themselves (their version check
    /// guards these rows too): those a changed value replaces or a restore removes are deleted (a statement per field),
    /// then every new or changed value is inserted in one statement.
    /// </summary>
    private async Task WriteCustomValuesAsync(IReadOnlyCollection<Customer> created, IReadOnlyCollection<Customer> loaded, CancellationToken ct)
    {
        var inserts = created.SelectMany(c => c.CustomValues.Select(v => new object?[] { c.Id, v.FieldId, v.Value })).ToList();
        var deletes = new List<(int CustomerId, int FieldId)>();
        foreach (var c in loaded)
        {
            var before = _before[c.Id].Custom;
            foreach (var v in c.CustomValues)
            {
                if (before.TryGetValue(v.FieldId, out var old))
                {
                    if (old == v.Value)
                    {
                        continue;
                    }

                    deletes.Add((c.Id, v.FieldId));
                }

                inserts.Add([c.Id, v.FieldId, v.Value]);
            }

            deletes.AddRange(before.Keys.Where(f => c.CustomValues.All(v => v.FieldId != f)).Select(f => (c.Id, f)));
        }

        foreach (var field in deletes.GroupBy(d => d.FieldId))
        {
            var ids = field.Select(d => d.CustomerId).ToList();
            await _db.CustomFieldValues.Where(v => v.FieldId == field.Key && ids.Contains(v.CustomerId)).ExecuteDeleteAsync(ct);
        }

        string[] columns = [nameof(CustomFieldValue.CustomerId), nameof(CustomFieldValue.FieldId), nameof(CustomFieldValue.Value)];
        if (IsSqlite)
        {
            await SqliteJsonRows.InsertAsync(_db, "CustomFieldValues", columns, inserts, [], ct);
        }
        else
        {
            await PostgresCopyRows.InsertAsync(_db, "CustomFieldValues", columns, inserts, [], ct);
        }
    }

    private async Task<int> ExecuteAsync(string text, CancellationToken ct)
    {
        await using var command = _db.Database.GetDbConnection().CreateCommand();
        command.Transaction = _db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = text;
        return await command.ExecuteNonQueryAsync(ct);
    }

    private string[] Changed(Customer c, Before before)
    {
        var now = Values(c);
        return _customerColumns.Where((_, i) => !Equals(before.Values[i], now[i])).Select(p => p.Name).ToArray();
    }

    private object?[] Values(Customer c) => _customerColumns.Select(p => p.GetGetter().GetClrValue(c)).ToArray();

    private async Task WriteLinksAsync(Customer c, Before? before, CancellationToken ct)
    {
        foreach (var contact in c.Contacts)
        {
            if (contact.Id == 0)
            {
                await _insertContact.WriteAsync(contact, ct, nameof(Contact.CustomerId), c.Id);
            }
            else if (before is not null && before.Primary.TryGetValue(contact.Id, out var wasPrimary) && wasPrimary != contact.IsPrimary)
            {
                await _updateContact.WriteAsync(contact, ct);
            }
        }

        foreach (var member in c.Groups)
        {
            if (before?.Groups.Contains(member.GroupId) != true)
            {
                await _insertMember.WriteAsync(member, ct, nameof(CustomerGroupMember.CustomerId), c.Id);
            }
        }
    }

    /// <summary>Writes the search indexes' deferred rows and puts their merge settings back; call before the commit.</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        if (IsSqlite && !_finished)
        {
            await _searchIndex!.FinishAsync(_db, ct);
            foreach (var (index, automerge) in _automerge)
            {
                await ExecuteAsync($"INSERT INTO \"{index}\"(\"{index}\", rank) VALUES('automerge', {automerge})", ct);
            }
        }

        _finished = true;
    }

    public async ValueTask DisposeAsync()
    {
        // The connection goes back to the pool with SQLite's default cache and automatic checkpoint.
        if (IsSqlite && _db.Database.GetDbConnection().State == System.Data.ConnectionState.Open)
        {
            await using var command = _db.Database.GetDbConnection().CreateCommand();
            command.Transaction = _db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = $"PRAGMA cache_size = -{DefaultCacheKb}; PRAGMA wal_autocheckpoint = {SqliteCheckpoint.DefaultAutocheckpointPages}";
            await command.ExecuteNonQueryAsync();
        }

        await _insertContact.DisposeAsync();
        await _updateContact.DisposeAsync();
        await _insertMember.DisposeAsync();
    }
}
