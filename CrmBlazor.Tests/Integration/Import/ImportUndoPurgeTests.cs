using System.Text;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Import;
using Microsoft.EntityFrameworkCore;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>An import's undo removes the customers it created through the one purge routine (#26): their comments'
/// attachment files go too, after the commit.</summary>
public sealed class ImportUndoPurgeTests
{
    [Fact]
    public async Task Undo_of_an_import_purges_a_created_customer_with_its_attachment_files()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"crm-undo-purge-{Guid.NewGuid():N}");
        try
        {
            var store = new AttachmentStore(folder, 1024 * 1024);
            var service = new ImportService(w.Db.Factory, new CrmBlazor.Tests.Integration.Customers.RecordingBus(), TimeProvider.System, new ImportLimits(),
                attachments: store);
            var sheet = service.ReadFile(w.Sales, "khach.xlsx", Xlsx([Row(("Tên khách hàng", "Khách nhập nhầm"), ("Số điện thoại", "0906000009"))]));
            var result = await service.ImportAsync(w.Sales, sheet, await service.ProposeMappingAsync(w.Sales, sheet.Headers), new ImportOptions());
            Assert.Equal(1, result.Created);

            var bytes = Encoding.UTF8.GetBytes("Ghi chú của khách nhập nhầm");
            var (stored, _) = await store.SaveAsync(new NewAttachment("ghi-chu.txt", "text/plain", bytes.Length, new MemoryStream(bytes)), CancellationToken.None);
            await using (var db = await w.Db.Factory.CreateDbContextAsync())
            {
                var id = await db.Customers.Where(c => c.Name == "Khách nhập nhầm").Select(c => c.Id).SingleAsync();
                var comment = new Comment(id, w.Lan, "Đã gọi", DateTime.UtcNow);
                db.Comments.Add(comment);
                await db.SaveChangesAsync();
                db.CommentAttachments.Add(new CommentAttachment(comment.Id, "ghi-chu.txt", "text/plain", bytes.Length, stored));
                await db.SaveChangesAsync();
            }

            Assert.True(File.Exists(Path.Combine(folder, stored)));
            var undo = await service.UndoAsync(w.Sales, result.BatchId);
            Assert.Equal(1, undo.Removed);
            await using var check = await w.Db.Factory.CreateDbContextAsync();
            Assert.False(await check.Customers.AnyAsync(c => c.Name == "Khách nhập nhầm"));
            Assert.False(await check.CommentAttachments.AnyAsync());
            Assert.False(File.Exists(Path.Combine(folder, stored)), "The attachment file of the removed customer is left on disk.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
