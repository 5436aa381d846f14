using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

public sealed partial class CustomerService
{
    private static readonly JsonSerializerOptions DataExportJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Readable by the person it is about: Vietnamese letters as they are, not \u escapes.
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        ReferenceHandler = ReferenceHandler.IgnoreCycles,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// "Export this customer's data" (#26), with the purge right: one zip with <c>customer.json</c> — the record with its
    /// contacts and custom values, comments with their earlier versions, its orders, the change log, who read its stream, the audit
    /// entries about it — and its comments' attachments under <c>attachments/</c>. False when not found or not visible.
    /// </summary>
    public async Task<bool> ExportDataAsync(UserAccess user, int id, Stream output, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersPurge, "export a customer's data");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customer = await CustomerScope.Apply(db.Customers.Where(c => c.Id == id), db, user).AsNoTracking()
            .Include(c => c.Contacts).Include(c => c.CustomValues).Include(c => c.Groups).SingleOrDefaultAsync(ct);
        if (customer is null)
        {
            return false;
        }

        var comments = await db.Comments.AsNoTracking().Where(m => m.CustomerId == id).OrderBy(m => m.Id).ToListAsync(ct);
        var commentIds = comments.Select(m => m.Id).ToList();
        var revisions = await db.CommentRevisions.AsNoTracking().Where(r => commentIds.Contains(r.CommentId)).OrderBy(r => r.Id).ToListAsync(ct);
        var files = await db.CommentAttachments.AsNoTracking().Where(a => commentIds.Contains(a.CommentId)).OrderBy(a => a.Id).ToListAsync(ct);
        var changes = await db.ChangeLog.AsNoTracking().Where(x => x.CustomerId == id).OrderBy(x => x.Id).ToListAsync(ct);
        var orders = await db.Orders.AsNoTracking().Where(o => o.CustomerId == id).OrderBy(o => o.Id).ToListAsync(ct);
        var readers = await db.StreamReadMarkers.AsNoTracking().Where(x => x.CustomerId == id).ToListAsync(ct);
        var idText = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var audit = await db.AuditLog.AsNoTracking().Where(a => a.TargetType == AuditTargets.Customer && a.TargetId == idText).OrderBy(a => a.Id).ToListAsync(ct);
        var userIds = changes.Select(x => x.UserId).Concat(readers.Select(r => r.UserId)).Concat(comments.Select(m => m.AuthorId))
            .OfType<string>().Distinct().ToList();
        var names = await db.StaffProfiles.AsNoTracking().Where(p => userIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.FullName, ct);

        var document = new
        {
            exportedAt = UtcNow,
            exportedBy = user.UserName,
            customer,
            comments = comments.Select(m => new
            {
                comment = m,
                author = names.GetValueOrDefault(m.AuthorId),
                earlierVersions = revisions.Where(r => r.CommentId == m.Id),
                attachments = files.Where(a => a.CommentId == m.Id).Select(a => new { a.Id, a.FileName, a.ContentType, a.Size, path = AttachmentEntry(a.Id, a.FileName) }),
            }),
            orders = orders.Select(o => new { o.Id, o.Number, o.OrderDate, o.Status, o.Lines, o.Total, o.AmountPaid, o.Note, o.CreatedAt, o.PaidAt }),
            changeLog = changes.Select(x => new { entry = x, by = x.UserId is null ? null : names.GetValueOrDefault(x.UserId) }),
            viewedBy = readers.Select(r => new { r.UserId, name = names.GetValueOrDefault(r.UserId), r.ReadAt }),
            auditLog = audit,
        };

        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using (var json = await zip.CreateEntry("customer.json", CompressionLevel.Optimal).OpenAsync(ct))
            {
                await JsonSerializer.SerializeAsync(json, document, DataExportJson, ct);
            }

            foreach (var a in files)
            {
                await using var file = attachments?.Open(a.StorageName);
                if (file is null)
                {
                    continue;
                }

                await using var entry = await zip.CreateEntry(AttachmentEntry(a.Id, a.FileName), CompressionLevel.Optimal).OpenAsync(ct);
                await file.CopyToAsync(entry, ct);
            }
        }

        return true;
    }

    private static string AttachmentEntry(long id, string fileName) =>
        $"attachments/{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}-{Path.GetFileName(fileName)}";
}
