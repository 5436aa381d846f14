using CrmBlazor.Domain.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmBlazor.Data;

/// <summary>
/// Refuses text longer than its column's configured maximum before it is saved, on every provider (issue 20). SQL Server
/// and PostgreSQL refuse such text themselves, with a provider error; SQLite stores anything (a 29 MB address was). The
/// domain checks the fields people type (<see cref="FieldLimits"/>) with friendlier messages; this is the floor under
/// every other text column.
/// </summary>
public sealed class TextLengthGuard : SaveChangesInterceptor
{
    public static readonly TextLengthGuard Instance = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbContext? db)
    {
        if (db is null)
        {
            return;
        }

        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }

            foreach (var property in entry.Properties)
            {
                if (property.CurrentValue is string text && property.Metadata.GetMaxLength() is int max && text.Length > max
                    && (entry.State == EntityState.Added || property.IsModified))
                {
                    var field = char.ToLowerInvariant(property.Metadata.Name[0]) + property.Metadata.Name[1..];
                    throw new DomainException(RuleCodes.TooLongPrefix + field,
                        $"The field '{field}' of {entry.Metadata.ClrType.Name} takes at most {max} characters.");
                }
            }
        }
    }
}
