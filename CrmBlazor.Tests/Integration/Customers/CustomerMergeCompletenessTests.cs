using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// R6.4 (#22): every table of the model that references customers is reviewed by the merge — moved, copied, following a
/// moved row, or kept on purpose (<see cref="CustomerMerge.Tables"/>). A table added later with a customer id (orders…)
/// fails here until the merge says what happens to its rows.
/// </summary>
public sealed class CustomerMergeCompletenessTests
{
    private static string Name(IEntityType e) => e.ClrType.IsGenericType ? e.ClrType.Name[..e.ClrType.Name.IndexOf('`', StringComparison.Ordinal)] : e.ClrType.Name;

    /// <summary>A foreign key to Customers, or a property that names a customer by id (keys without a foreign key too).</summary>
    private static bool ReferencesCustomers(IEntityType e) =>
        e.ClrType == typeof(Customer)
        || e.GetForeignKeys().Any(fk => fk.PrincipalEntityType.ClrType == typeof(Customer))
        || e.GetProperties().Any(p => p.Name.EndsWith("CustomerId", StringComparison.Ordinal) || p.Name is "SurvivorId" or "MergedId");

    [Fact]
    public async Task Every_table_that_references_customers_is_moved_copied_or_kept_by_the_merge()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var db = await database.Factory.CreateDbContextAsync();
        var types = db.Model.GetEntityTypes().Where(e => !e.IsOwned()).ToList();
        var referencing = types.Where(ReferencesCustomers).Select(Name).Distinct().ToList();
        // The search index row names its customer by its rowid: it is reviewed by name.
        referencing.Add("CustomerSearchIndexRow");
        var unreviewed = referencing.Where(n => !CustomerMerge.Tables.ContainsKey(n)).ToList();
        Assert.True(unreviewed.Count == 0,
            $"Tables referencing customers that the merge (R6.4) does not handle: {string.Join(", ", unreviewed)}. Move, copy or keep their rows in " +
            "CustomerService.Merge and name them in CustomerMerge.Tables.");
        var names = types.Select(Name).ToHashSet();
        var stale = CustomerMerge.Tables.Keys.Where(n => !names.Contains(n)).ToList();
        Assert.True(stale.Count == 0, $"CustomerMerge.Tables names tables no longer in the model: {string.Join(", ", stale)}.");
        // The check finds the tables it must: a customer-id column is recognised.
        Assert.Contains("Comment", referencing);
        Assert.Contains("CustomFieldValue", referencing);
        Assert.Contains("ImportBatchItem", referencing);
    }
}
