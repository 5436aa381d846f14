using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Issue 18, item 5: a customer's change and its change log are written together. A failure injected where the log is
/// written leaves neither the change nor the log (the form save used to commit the customer first and the log after),
/// for an edit and for a new customer; and nobody is told of a change that did not happen.
/// </summary>
public sealed class CustomerWriteTransactionTests : IAsyncLifetime
{
    private GridWorld _w = null!;
    private CustomerService _failing = null!;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync();
        var options = new DbContextOptionsBuilder<SqliteCrmDbContext>()
            .UseSqlite($"Data Source={_w.Db.File};Pooling=False").AddInterceptors(new FailWhenLogging()).Options;
        _failing = new CustomerService(new Factory(options), TimeProvider.System, _w.Bus);
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task A_form_edit_whose_log_cannot_be_written_changes_nothing()
    {
        var form = (await _w.Service.GetFormAsync(_w.Admin, _w.LanCustomer))!;
        form.Name = "Đặng Văn Đức (mới)";
        form.Address = "12 Lý Thường Kiệt, Hà Nội";

        await Assert.ThrowsAsync<InjectedFailure>(() => _failing.SaveFormAsync(_w.Admin, form));

        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var stored = await db.Customers.SingleAsync(c => c.Id == _w.LanCustomer);
        Assert.Equal(("Đặng Văn Đức", null, form.Version), (stored.Name, stored.Address, stored.Version));
        Assert.False(await db.ChangeLog.AnyAsync(l => l.CustomerId == _w.LanCustomer));
        Assert.DoesNotContain(_w.Bus.Events, e => e is CustomerChanged);

        // The same save without the failure: the change and its log, then the event.
        var saved = await _w.Service.SaveFormAsync(_w.Admin, form);
        Assert.Equal(SaveStatus.Saved, saved.Status);
        Assert.Equal(2, await db.ChangeLog.CountAsync(l => l.CustomerId == _w.LanCustomer && l.Origin == CustomerService.OriginForm));
        Assert.Contains(_w.Bus.Events, e => e is CustomerChanged c && c.CustomerId == _w.LanCustomer && c.Version == saved.CurrentVersion);
    }

    [Fact]
    public async Task Issue20_a_new_customer_skips_a_generated_code_an_older_database_already_holds()
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var nextId = await db.Customers.MaxAsync(c => c.Id) + 1;
        var taken = CustomerCode.FromId(nextId);
        // Set by hand before the form was reserved on update (or by a data load): the store holds the next customer's code.
        await db.Database.ExecuteSqlAsync($"UPDATE \"Customers\" SET \"Code\" = {taken} WHERE \"Id\" = {_w.LanCustomer}");

        var saved = await _w.Service.SaveFormAsync(_w.Admin, new CustomerForm { Name = "Công ty Rạng Đông", Phone = "0905111333" });

        Assert.Equal(SaveStatus.Saved, saved.Status);
        var stored = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == saved.CustomerId);
        Assert.Equal((nextId, taken + "-2"), (stored.Id, stored.Code));
    }

    [Fact]
    public async Task A_new_customer_whose_log_cannot_be_written_is_not_created()
    {
        var form = new CustomerForm { Name = "Công ty Bình Minh", Phone = "0905111222" };
        await Assert.ThrowsAsync<InjectedFailure>(() => _failing.SaveFormAsync(_w.Admin, form));

        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        Assert.False(await db.Customers.AnyAsync(c => c.Name == "Công ty Bình Minh"));
        Assert.Empty(_w.Bus.Events);
    }

    [Fact]
    public async Task A_cell_edit_whose_log_cannot_be_written_changes_nothing()
    {
        int version;
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            version = await db.Customers.Where(c => c.Id == _w.LanCustomer).Select(c => c.Version).SingleAsync();
        }

        await Assert.ThrowsAsync<InjectedFailure>(() => _failing.SaveFieldAsync(_w.Admin, _w.LanCustomer, GridFields.Email, "duc@example.vn", version));
        await using var check = await _w.Db.Factory.CreateDbContextAsync();
        Assert.Null((await check.Customers.SingleAsync(c => c.Id == _w.LanCustomer)).Email);
    }

    private sealed class InjectedFailure() : Exception("Injected between the change and its log.");

    /// <summary>Fails the save that writes change-log entries, as a crash at that moment would.</summary>
    private sealed class FailWhenLogging : SaveChangesInterceptor
    {
        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default) =>
            eventData.Context!.ChangeTracker.Entries<ChangeLogEntry>().Any(e => e.State == EntityState.Added)
                ? throw new InjectedFailure()
                : base.SavingChangesAsync(eventData, result, cancellationToken);
    }

    private sealed class Factory(DbContextOptions<SqliteCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new SqliteCrmDbContext(options);
    }
}
