using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

/// <summary>
/// Generated codes for a writer that creates many customers in one transaction (the import): each new customer gets the
/// first of <see cref="CustomerCode.Candidates"/> that no customer holds, without a query per customer (issue 21). Codes
/// of the generated form may now be given by hand or brought from another system ("KH000123" from Getfly), so the next
/// ids' own codes may be taken: those in the store, and those the import's own rows bring.
/// </summary>
public sealed class GeneratedCodes
{
    private readonly HashSet<string> _taken;

    private GeneratedCodes(HashSet<string> taken) => _taken = taken;

    /// <summary>
    /// Loads the codes a new customer's generated code could meet: codes in the store from the next id's own code on
    /// (string order; every generated code of an older customer sorts before it) and longer ones (suffixed "-2" codes,
    /// seven-digit ids), plus <paramref name="incoming"/>, the codes the writer's rows give their customers. One query,
    /// small: an ordinary store holds only older customers' own generated codes, which sort before the bound.
    /// </summary>
    public static async Task<GeneratedCodes> LoadAsync(CrmDbContext db, IEnumerable<string?> incoming, CancellationToken ct = default)
    {
        var maxId = await db.Customers.IgnoreQueryFilters().MaxAsync(c => (int?)c.Id, ct) ?? 0;
        var bound = CustomerCode.FromId(maxId + 1);
        var length = bound.Length;
        var taken = await db.Customers.IgnoreQueryFilters()
            .Where(c => c.Code != null && c.Code.StartsWith(CustomerCode.Prefix) && (string.Compare(c.Code, bound) >= 0 || c.Code.Length > length))
            .Select(c => c.Code!)
            .ToListAsync(ct);
        var set = new HashSet<string>(taken, StringComparer.Ordinal);
        foreach (var code in incoming)
        {
            if (code is not null)
            {
                set.Add(code);
            }
        }

        return new GeneratedCodes(set);
    }

    /// <summary>The code for the new customer <paramref name="id"/>, taken from then on.</summary>
    public string For(int id)
    {
        var code = CustomerCode.FirstFree(id, _taken.Contains);
        _taken.Add(code);
        return code;
    }
}
