using CrmBlazor.Domain.Importing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Features.Import;

public sealed class ImportBatchConfiguration : IEntityTypeConfiguration<ImportBatch>
{
    public void Configure(EntityTypeBuilder<ImportBatch> b)
    {
        b.ToTable("ImportBatches");
        b.Property(x => x.UserId).HasMaxLength(64).IsRequired();
        b.Property(x => x.FileName).HasMaxLength(260).IsRequired();
        b.Property(x => x.UndoneById).HasMaxLength(64);
        b.HasIndex(x => new { x.UserId, x.StartedAt });
    }
}

public sealed class ImportBatchItemConfiguration : IEntityTypeConfiguration<ImportBatchItem>
{
    public void Configure(EntityTypeBuilder<ImportBatchItem> b)
    {
        b.ToTable("ImportBatchItems");
        b.HasOne<ImportBatch>().WithMany().HasForeignKey(x => x.BatchId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => x.BatchId);
    }
}

public sealed class ImportMappingMemoryConfiguration : IEntityTypeConfiguration<ImportMappingMemory>
{
    public void Configure(EntityTypeBuilder<ImportMappingMemory> b)
    {
        b.ToTable("ImportMappings");
        b.HasKey(x => x.UserId);
        b.Property(x => x.UserId).HasMaxLength(64);
        b.Property(x => x.Json).HasMaxLength(20000).IsRequired();
    }
}
