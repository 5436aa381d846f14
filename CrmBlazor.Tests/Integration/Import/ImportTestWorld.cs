using System.IO.Compression;
using System.Text;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Import;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using MiniExcelLibs;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>A migrated database with an org, reference data and an <see cref="ImportService"/> over it.</summary>
public sealed class ImportTestWorld : IAsyncDisposable
{
    private ImportTestWorld(TestDatabase db) => Db = db;

    public TestDatabase Db { get; }
    public ImportService Service { get; private set; } = null!;
    public List<LiveEvent> Events { get; private set; } = [];
    public UserAccess Admin { get; private set; } = null!;
    public UserAccess Sales { get; private set; } = null!;
    public UserAccess Viewer { get; private set; } = null!;
    public string Lan { get; private set; } = string.Empty;
    public string Minh { get; private set; } = string.Empty;
    public int DefaultRelationship { get; private set; }
    public int Purchased { get; private set; }

    public static async Task<ImportTestWorld> CreateAsync(ImportLimits? limits = null)
    {
        var w = new ImportTestWorld(await TestDatabase.CreateAsync());
        var root = await w.Db.AddDepartmentAsync("Công ty");
        var team = await w.Db.AddDepartmentAsync("Kinh doanh", root);
        var all = await w.Db.AddPermissionGroupAsync("Quản trị", Rights.All);
        var sales = await w.Db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault | Rights.CustomersImport);
        var viewer = await w.Db.AddPermissionGroupAsync("Xem", Rights.CustomersAccess);
        var admin = await w.Db.AddUserAsync("admin", "Quản trị viên", root.Id, all.Id);
        var lan = await w.Db.AddUserAsync("lan.nguyen", "Nguyễn Thị Lan", team.Id, sales.Id);
        var minh = await w.Db.AddUserAsync("minh.tran", "Trần Văn Minh", team.Id, sales.Id);
        var view = await w.Db.AddUserAsync("xem", "Người xem", team.Id, viewer.Id);
        w.DefaultRelationship = await w.Db.AddRelationshipAsync("Khách hàng mới", isDefault: true);
        w.Purchased = await w.Db.AddRelationshipAsync("Đã mua hàng");
        await using (var ctx = await w.Db.Factory.CreateDbContextAsync())
        {
            ctx.Sources.AddRange(new Source("Website", 0), new Source("Giới thiệu", 1));
            ctx.CustomerGroups.AddRange(new CustomerGroup("VIP"), new CustomerGroup("Đại lý"));
            await ctx.SaveChangesAsync();
        }

        w.Admin = (await CurrentUser.LoadAsync(w.Db.Factory, admin.Id))!;
        w.Sales = (await CurrentUser.LoadAsync(w.Db.Factory, lan.Id))!;
        w.Viewer = (await CurrentUser.LoadAsync(w.Db.Factory, view.Id))!;
        w.Lan = lan.Id;
        w.Minh = minh.Id;
        // Records what the service publishes, as it publishes it (the real bus delivers on each subscriber's own loop).
        var bus = new CrmBlazor.Tests.Integration.Customers.RecordingBus();
        w.Events = bus.Events;
        w.Service = new ImportService(w.Db.Factory, bus, TimeProvider.System, limits ?? new ImportLimits());
        return w;
    }

    public async Task<T> WithDb<T>(Func<CrmDbContext, Task<T>> f)
    {
        await using var ctx = await Db.Factory.CreateDbContextAsync();
        return await f(ctx);
    }

    /// <summary>Counts of every table an import writes: equal before and after means nothing changed.</summary>
    public Task<string> FingerprintAsync() => WithDb(async ctx =>
        $"{await ctx.Customers.CountAsync()}/{await ctx.Contacts.CountAsync()}/{await ctx.ChangeLog.CountAsync()}/{await ctx.CustomerGroupMembers.CountAsync()}/" +
        $"{await ctx.Set<CrmBlazor.Domain.Importing.ImportBatch>().CountAsync()}/{await ctx.Set<CrmBlazor.Domain.Importing.ImportBatchItem>().CountAsync()}/" +
        $"{string.Join(",", await ctx.Customers.OrderBy(c => c.Id).Select(c => c.Version).ToListAsync())}");

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}

/// <summary>Builds spreadsheets for tests.</summary>
public static class Sheets
{
    /// <summary>An .xlsx whose first row is the keys of the first dictionary.</summary>
    public static byte[] Xlsx(IEnumerable<IDictionary<string, object?>> rows)
    {
        using var ms = new MemoryStream();
        ms.SaveAs(rows.Select(r => r.ToDictionary(kv => kv.Key, kv => kv.Value)).ToList(), excelType: ExcelType.XLSX);
        return ms.ToArray();
    }

    public static Dictionary<string, object?> Row(params (string Header, object? Value)[] cells) => cells.ToDictionary(c => c.Header, c => c.Value);

    /// <summary>A copy of a valid workbook with one part replaced (written by <paramref name="write"/>) or added.</summary>
    public static byte[] WithPart(byte[] xlsx, string part, Action<Stream> write, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var ms = new MemoryStream();
        ms.Write(xlsx);
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(part)?.Delete();
            using var s = zip.CreateEntry(part, level).Open();
            write(s);
        }

        return ms.ToArray();
    }

    public static byte[] WithPart(byte[] xlsx, string part, string text) => WithPart(xlsx, part, s => s.Write(Encoding.UTF8.GetBytes(text)));

    public static string SheetXml(string rowsXml) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        + rowsXml + "</sheetData></worksheet>";
}
