using CrmBlazor.Data;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Catalog;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Import;

/// <summary>
/// The check step's unknown values (R3.3): a relationship, source or group the file names that does not exist can be
/// created right there by a user with the CRM settings right (R2.1), through the same services as the settings pages
/// (the right, the unique name, the audit and the live event are theirs); other users are told who can.
/// </summary>
public sealed class ImportUnknownValues(IDbContextFactory<CrmDbContext> dbFactory, RelationshipService relationships, CatalogService catalog)
{
    /// <summary>Creates the entry named <paramref name="name"/> and answers the mapping that takes the file's value as it.</summary>
    public async Task<ImportValueMapping> CreateAsync(UserAccess user, ImportValueKind kind, string name, CancellationToken ct = default)
    {
        ImportService.Require(user, Rights.CustomersImport);
        ImportService.Require(user, Rights.CrmSettings);
        var clean = name.Trim();
        switch (kind)
        {
            case ImportValueKind.Relationship:
                await relationships.AddAsync(user, clean, null, null, ct);
                break;
            case ImportValueKind.Source:
                await catalog.AddAsync(user, CatalogKind.Sources, clean, ct);
                break;
            default:
                await catalog.AddAsync(user, CatalogKind.Groups, clean, ct);
                break;
        }

        return new ImportValueMapping(kind, name, clean);
    }

    /// <summary>The active users who may create them (the CRM settings right), by full name, for the message others see.</summary>
    public async Task<IReadOnlyList<string>> WhoCanCreateAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var groups = (await db.PermissionGroups.AsNoTracking().Select(g => new { g.Id, g.Rights }).ToListAsync(ct))
            .Where(g => g.Rights.HasFlag(Rights.CrmSettings)).Select(g => g.Id).ToList();
        return await db.StaffProfiles.AsNoTracking().Where(p => p.IsActive && groups.Contains(p.PermissionGroupId))
            .OrderBy(p => p.FullName).Select(p => p.FullName).Take(20).ToListAsync(ct);
    }
}
