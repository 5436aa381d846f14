using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace CrmBlazor.Tests.TestSupport;

public static class TestDatabaseDrop
{
    /// <summary>
    /// Drops a test's database. PostgreSQL's forced drop cannot end a backend of another role — the autovacuum worker
    /// that a busy server sometimes starts on a fresh database ("must be a member of the role whose process is being
    /// terminated", 42501) — so that refusal is retried for a few seconds until the worker is done.
    /// </summary>
    public static async Task DropAsync(this DatabaseFacade database)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await database.EnsureDeletedAsync();
                return;
            }
            catch (Npgsql.PostgresException ex) when (ex.SqlState == "42501" && attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }
}
