using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CrmBlazor.Data;

/// <summary>
/// The one database of the app. Each provider has a derived context (<see cref="SqliteCrmDbContext"/>,
/// <see cref="PostgresCrmDbContext"/>, <see cref="SqlServerCrmDbContext"/>) that owns that provider's migrations.
/// Feature services open a short-lived instance per operation through <c>IDbContextFactory&lt;CrmDbContext&gt;</c>.
/// </summary>
public abstract class CrmDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    /// <summary>
    /// The length guard for contexts built from options that lack it (tests, tools). The app's factory adds it to the options
    /// it builds once: adding it here on every instance would make EF rebuild and compare the options for each context, and
    /// a pooled context may not change its options at all.
    /// </summary>
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        if (optionsBuilder.Options.FindExtension<CoreOptionsExtension>()?.Interceptors?.Contains(TextLengthGuard.Instance) != true)
        {
            optionsBuilder.AddInterceptors(TextLengthGuard.Instance);
        }
    }

    /// <summary>Data protection keys (sign-in cookies, antiforgery) shared by every app instance of one database.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<CustomerGroupMember> CustomerGroupMembers => Set<CustomerGroupMember>();
    public DbSet<CustomerRelatedUser> CustomerRelatedUsers => Set<CustomerRelatedUser>();
    public DbSet<Relationship> Relationships => Set<Relationship>();
    public DbSet<Source> Sources => Set<Source>();
    public DbSet<CustomerGroup> CustomerGroups => Set<CustomerGroup>();
    public DbSet<Department> Departments => Set<Department>();
    public DbSet<PermissionGroup> PermissionGroups => Set<PermissionGroup>();
    public DbSet<StaffProfile> StaffProfiles => Set<StaffProfile>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<ChangeLogEntry> ChangeLog => Set<ChangeLogEntry>();
    public DbSet<CommentLike> CommentLikes => Set<CommentLike>();
    public DbSet<CommentRevision> CommentRevisions => Set<CommentRevision>();
    public DbSet<CommentAttachment> CommentAttachments => Set<CommentAttachment>();
    public DbSet<StreamReadMarker> StreamReadMarkers => Set<StreamReadMarker>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<AccessToken> AccessTokens => Set<AccessToken>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<Webhook> Webhooks => Set<Webhook>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<CustomFieldDefinition> CustomFields => Set<CustomFieldDefinition>();
    public DbSet<CustomFieldValue> CustomFieldValues => Set<CustomFieldValue>();
    public DbSet<SavedView> SavedViews => Set<SavedView>();
    /// <summary>Merges of duplicate customers, kept while they can be undone (R6.4).</summary>
    public DbSet<CustomerMergeRecord> CustomerMerges => Set<CustomerMergeRecord>();
    public DbSet<DuplicateDismissal> DuplicateDismissals => Set<DuplicateDismissal>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<AutomationRule> AutomationRules => Set<AutomationRule>();
    public DbSet<AutomationRun> AutomationRuns => Set<AutomationRun>();
    /// <summary>Events for the automation rules, written with the change they report (the outbox).</summary>
    public DbSet<AutomationEvent> AutomationOutbox => Set<AutomationEvent>();

    /// <summary>Administration changes (issue #20): entries are only ever added.</summary>
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    /// <summary>Counts the reports read instead of the rows, kept by database triggers (<see cref="Data.ReportTallies"/>).</summary>
    public DbSet<ReportTally> ReportTallies => Set<ReportTally>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        var detect = DetectOnce();
        try
        {
            RefuseAuditRewrites();
            StageStays.Stamp(this);
            return PayingOrders.Save(this, () => base.SaveChanges(acceptAllChangesOnSuccess));
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var detect = DetectOnce();
        try
        {
            RefuseAuditRewrites();
            await StageStays.StampAsync(this, cancellationToken);
            return await PayingOrders.SaveAsync(this, () => base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken), cancellationToken);
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    /// <summary>
    /// Detects the changes once (unless the caller detects them itself) for the checks and derived values read from the
    /// tracker before the save and for the save, instead of a full scan of a large context for each; returns the setting to
    /// restore.
    /// </summary>
    private bool DetectOnce()
    {
        var detect = ChangeTracker.AutoDetectChangesEnabled;
        if (detect)
        {
            ChangeTracker.DetectChanges();
            ChangeTracker.AutoDetectChangesEnabled = false;
        }

        return detect;
    }

    /// <summary>The audit log is append-only: a changed or removed entry fails the whole save (the migrations add a trigger
    /// that refuses UPDATE and DELETE on the table too, for SQL that bypasses the change tracker).</summary>
    private void RefuseAuditRewrites()
    {
        if (ChangeTracker.Entries<AuditEntry>().Any(e => e.State is EntityState.Modified or EntityState.Deleted))
        {
            throw new AuditLogAppendOnlyException();
        }
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(CrmDbContext).Assembly);
        ApplyLiveCustomerIndexes(builder);
        ApplyStageChangeIndexes(builder);
    }

    /// <summary>
    /// The reports' pipeline movement (R8) reads a period's stage changes from these two partial indexes alone, never from
    /// the rows: each change with its customer, stages and stay start (StageStays); and a customer's first stage change,
    /// whose old stage is the one it was created in (also the stay rebuild of an import, its undo and a merge). Only stage
    /// changes: their values are short ids, where other fields' values (up to 2,000 characters) would not fit an index
    /// entry everywhere.
    /// </summary>
    private void ApplyStageChangeIndexes(ModelBuilder builder)
    {
        var log = builder.Entity<ChangeLogEntry>();
        var filter = $"\"Field\" = '{StageStays.Field}'";
        if (FilterColumnLeadsStageIndexes)
        {
            log.HasIndex(c => new { c.Field, c.At, c.CustomerId, c.OldValue, c.NewValue, c.StageSince }, "IX_ChangeLog_Stage").HasFilter(filter);
            log.HasIndex(c => new { c.Field, c.CustomerId, c.At, c.Id, c.OldValue }, "IX_ChangeLog_StageByCustomer").HasFilter(filter);
        }
        else
        {
            log.HasIndex(c => new { c.At, c.CustomerId, c.OldValue, c.NewValue, c.StageSince }, "IX_ChangeLog_Stage").HasFilter(filter);
            log.HasIndex(c => new { c.CustomerId, c.At, c.Id, c.OldValue }, "IX_ChangeLog_StageByCustomer").HasFilter(filter);
        }
    }

    /// <summary>
    /// Whether the stage-change indexes lead with their filter column ("Field"). PostgreSQL says no: its planner leaves a
    /// condition the index's filter implies out of the index conditions, so a leading "Field" left the next column without
    /// one and every lookup by customer or period read the whole index (an import's stay rebuild read every stage change
    /// of the log once per chunk, slower with every chunk written).
    /// </summary>
    protected virtual bool FilterColumnLeadsStageIndexes => true;

    /// <summary>SQL that is true for a live (not trashed) customer, as the provider writes the query's own filter.</summary>
    protected virtual string LiveCustomerFilter => "NOT \"IsDeleted\"";

    /// <summary>
    /// Partial indexes over live customers: every list query filters out the trash, and a plain (IsDeleted, …) index
    /// is not used for "NOT IsDeleted" by SQLite, which then sorts a million rows.
    /// Every index on Customers is paid by each import, save and undo, so each one is here for a query that needs it
    /// (the bench suites measure them; <c>EXPLAIN QUERY PLAN</c> on the bench file names the index):
    /// <list type="table">
    /// <item><term>IX_Customers_Code (unique, CustomerConfiguration)</term><description>R1.1 unique codes; lookups by code (form, import
    /// overwrite by code); the grid sorted by code walks it in order (floors: first page and page 1,000 by code).</description></item>
    /// <item><term>IX_Customers_Phone, IX_Customers_Email</term><description>duplicate warnings of the form, the import's match by phone or
    /// e-mail (R3.5), the duplicate finder; quick search by phone.</description></item>
    /// <item><term>IX_Customers_ReferrerCustomerId</term><description>the referrals tab; the foreign key check of every purged customer
    /// (purge, trash job, import undo). Partial, over customers with a referrer: most have none, and with every NULL in
    /// it SQLite's statistics made one key look like a million rows, so the purge's "ReferrerCustomerId IN (…)" update
    /// scanned the whole table per chunk (5.2 s of a 100,000-row import's undo at a million customers); and a save or
    /// import of a customer without a referrer no longer writes to it.</description></item>
    /// <item><term>IX_Customers_OwnerId_CreatedById</term><description>own and sub-department scopes: unassigned customers their creator
    /// sees (floors: first page and total, sub-department and own).</description></item>
    /// <item><term>IX_Customers_Live_NameKey</term><description>the grid's default order (floors: first page and page 1,000 by name), name
    /// prefixes of quick search (floors: quick search).</description></item>
    /// <item><term>IX_Customers_Live_Owner</term><description>scoped pages and totals (floors: sub-department and own); with the
    /// stage last, a scoped reader's customers per stage from the index alone (reports: the distribution over relationships
    /// of a sub-department; without it SQLite walked the stage index and read every customer).</description></item>
    /// <item><term>IX_Customers_Live_Relationship</term><description>the board: counts per stage and each column's cards (floors: board
    /// open); the relationship filter.</description></item>
    /// <item><term>IX_Customers_Live_CreatedAt</term><description>the grid sorted or filtered by creation date; new customers per period
    /// with their source, entry stage, first payment and owner (reports: one range, nothing looked up per customer).</description></item>
    /// <item><term>IX_Customers_Live_LastContact, IX_Customers_Live_OwnerContact</term><description>"Don't forget" (R5.1): the list and its
    /// counter for everyone and per owner or team (grid: three counters).</description></item>
    /// <item><term>IX_Customers_Live_Source</term><description>the source filter; customers per source (reports); the total of live
    /// customers, its narrowest covering index (floors: total, all).</description></item>
    /// <item><term>IX_Customers_Trash</term><description>the trash page and the purge job; it holds trashed rows only, so live writes do
    /// not pay for it.</description></item>
    /// </list>
    /// Dropped (#25): IX_Customers_Live (IsDeleted alone: the live total reads IX_Customers_Live_Source instead) and
    /// IX_Customers_Live_Code (the code order comes from the unique index, checking each row's IsDeleted).
    /// </summary>
    private void ApplyLiveCustomerIndexes(ModelBuilder builder)
    {
        var customer = builder.Entity<Customer>();
        var live = LiveCustomerFilter;
        // IsDeleted closes each key: SQLite does not treat a partial index's filter column as covered, and without it every
        // matching row would be read from the table to re-check "NOT IsDeleted" (280,000 lookups for a team count).
        customer.HasIndex(c => new { c.NameKey, c.Id, c.IsDeleted }, "IX_Customers_Live_NameKey").HasFilter(live);
        customer.HasIndex(c => new { c.OwnerId, c.NameKey, c.Id, c.IsDeleted, c.RelationshipId }, "IX_Customers_Live_Owner").HasFilter(live);
        customer.HasIndex(c => new { c.RelationshipId, c.NameKey, c.Id, c.IsDeleted }, "IX_Customers_Live_Relationship").HasFilter(live);
        // The period's new customers with what the reports group them by (R8.1: source, conversion, entry stage; owner for
        // scoped readers) from the index alone.
        customer.HasIndex(c => new { c.CreatedAt, c.Id, c.IsDeleted, c.SourceId, c.EntryRelationshipId, c.FirstPaidOn, c.OwnerId }, "IX_Customers_Live_CreatedAt").HasFilter(live);
        customer.HasIndex(c => new { c.LastContactAt, c.CreatedAt, c.Id, c.IsDeleted }, "IX_Customers_Live_LastContact").HasFilter(live);
        customer.HasIndex(c => new { c.SourceId, c.Id, c.IsDeleted }, "IX_Customers_Live_Source").HasFilter(live);
        // "Don't forget" counts of one owner (or a team's owners, R5.1) as index-only ranges.
        customer.HasIndex(c => new { c.OwnerId, c.LastContactAt, c.CreatedAt, c.IsDeleted }, "IX_Customers_Live_OwnerContact").HasFilter(live);
        customer.HasIndex(c => new { c.DeletedAt, c.Id }, "IX_Customers_Trash").HasFilter(TrashedCustomerFilter);
        customer.HasIndex(c => c.ReferrerCustomerId).HasFilter(ReferredCustomerFilter);
    }

    protected virtual string ReferredCustomerFilter => "\"ReferrerCustomerId\" IS NOT NULL";

    protected virtual string TrashedCustomerFilter => "\"IsDeleted\"";

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Times are stored in UTC and read back as UTC on every provider.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

/// <summary>Something tried to change or delete an audit entry.</summary>
public sealed class AuditLogAppendOnlyException() : InvalidOperationException("The audit log is append-only: entries cannot be changed or deleted.");
