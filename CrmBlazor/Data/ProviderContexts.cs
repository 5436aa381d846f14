using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CrmBlazor.Data;

public sealed class SqliteCrmDbContext(DbContextOptions<SqliteCrmDbContext> options) : CrmDbContext(options)
{
    protected override void OnModelCreating(Microsoft.EntityFrameworkCore.ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        CustomerSearchIndexRow.Configure(builder);
    }
}

public sealed class PostgresCrmDbContext(DbContextOptions<PostgresCrmDbContext> options) : CrmDbContext(options)
{
    protected override bool FilterColumnLeadsStageIndexes => false;

    protected override void OnModelCreating(Microsoft.EntityFrameworkCore.ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Folded search keys compare byte-wise so prefix ranges and LIKE use the b-tree indexes.
        builder.Entity<Domain.Customers.Customer>().Property(c => c.NameKey).UseCollation("C");
        builder.Entity<Domain.Customers.Customer>().Property(c => c.SearchText).UseCollation("C");
    }
}

public sealed class SqlServerCrmDbContext(DbContextOptions<SqlServerCrmDbContext> options) : CrmDbContext(options)
{
    // EF writes "!c.IsDeleted" as "[c].[IsDeleted] = CAST(0 AS bit)" on SQL Server; filtered indexes use the same form.
    protected override string LiveCustomerFilter => "[IsDeleted] = CAST(0 AS bit)";

    protected override string TrashedCustomerFilter => "[IsDeleted] = CAST(1 AS bit)";

    protected override string ReferredCustomerFilter => "[ReferrerCustomerId] IS NOT NULL";

    protected override void OnModelCreating(Microsoft.EntityFrameworkCore.ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // The audit log's append-only trigger (its migration): EF then saves without an OUTPUT clause, which SQL Server
        // refuses on a table with triggers.
        builder.Entity<Domain.Auditing.AuditEntry>().ToTable(t => t.HasTrigger(AuditLogTriggers.SqlServerName));
    }
}

/// <summary>Design-time factories so `dotnet ef migrations add --context …` works without configuration.</summary>
public sealed class SqliteDesignFactory : IDesignTimeDbContextFactory<SqliteCrmDbContext>
{
    public SqliteCrmDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite("Data Source=design.db").Options);
}

public sealed class PostgresDesignFactory : IDesignTimeDbContextFactory<PostgresCrmDbContext>
{
    public PostgresCrmDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}

public sealed class SqlServerDesignFactory : IDesignTimeDbContextFactory<SqlServerCrmDbContext>
{
    public SqlServerCrmDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerCrmDbContext>().UseSqlServer("Server=localhost;Database=design;TrustServerCertificate=true").Options);
}
