using CrmBlazor.Tests.TestSupport;
using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrmBlazor.Tests.Integration.Audit;

/// <summary>Issue #20 on a real PostgreSQL (test.sh starts it): an entry is added, and the migration's trigger refuses
/// UPDATE, DELETE and TRUNCATE of the audit log, whoever sends them.</summary>
public class AuditLogPostgresTests
{
    [Fact]
    public async Task The_audit_log_takes_entries_and_refuses_update_delete_and_truncate()
    {
        var database = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, Pooling = false }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        try
        {
            await using var db = new PostgresCrmDbContext(options);
            await db.Database.MigrateAsync();
            db.AuditLog.Add(new AuditEntry(DateTime.UtcNow, "u1", "Trần Quản Trị", "203.0.113.7", AuditActions.GroupCreated, AuditTargets.PermissionGroup, "7",
                "Kế toán", null, new Dictionary<string, object?> { ["name"] = "Kế toán" }));
            await db.SaveChangesAsync();

            foreach (var sql in new[] { "UPDATE \"AuditLog\" SET \"ActorName\" = 'x'", "DELETE FROM \"AuditLog\"", "TRUNCATE \"AuditLog\"" })
            {
                var e = await Assert.ThrowsAsync<PostgresException>(() => db.Database.ExecuteSqlRawAsync(sql));
                Assert.Contains(AuditLogTriggers.Message, e.MessageText, StringComparison.Ordinal);
            }

            var entry = await db.AuditLog.AsNoTracking().SingleAsync();
            Assert.Equal(("Trần Quản Trị", "{\"name\":\"Kế toán\"}"), (entry.ActorName, entry.NewValues));
        }
        finally
        {
            await using var db = new PostgresCrmDbContext(options);
            await db.Database.DropAsync();
        }
    }
}
