using CrmBlazor.Data;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Import;

/// <summary>
/// Spreadsheet import (R3), one entry point for the page, the jobs and the API over its parts, each with one job:
/// <see cref="ImportMappings"/> (proposals and remembered mappings), <see cref="ImportChecker"/> (reference data and the
/// check step), <see cref="ImportWriter"/> (the import in one transaction), <see cref="ImportFiles"/> (templates and the
/// failed rows) and <see cref="ImportHistory"/> (past imports and undo). Every entry point checks the import right;
/// updates touch only customers the user may see (R7.3) and edit (R7.4).
/// </summary>
public sealed class ImportService
{
    public const string Origin = "import";

    public ImportService(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, TimeProvider clock, ImportLimits limits,
        ILogger<ImportService>? logger = null, AttachmentStore? attachments = null, AvatarStore? avatars = null)
    {
        Limits = limits;
        Mappings = new ImportMappings(dbFactory, clock);
        Checker = new ImportChecker(dbFactory);
        Writer = new ImportWriter(dbFactory, live, clock, logger);
        History = new ImportHistory(dbFactory, live, clock, logger, attachments, avatars);
    }

    public ImportLimits Limits { get; }
    public ImportMappings Mappings { get; }
    public ImportChecker Checker { get; }
    public ImportWriter Writer { get; }
    public ImportHistory History { get; }

    /// <summary>The WAL checkpoints the last SQLite import and undo left to run after their commits (tests and the benchmark wait).</summary>
    public Task PendingCheckpoint => Task.WhenAll(Writer.PendingCheckpoint, History.PendingCheckpoint);

    public static void Require(UserAccess user, Rights right)
    {
        if (!user.Has(right))
        {
            throw new AccessDeniedException($"The right {right} is needed.");
        }
    }

    public ImportSheet ReadFile(UserAccess user, string fileName, byte[] bytes, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersImport);
        return ImportFileReader.Read(fileName, bytes, Limits, ct);
    }

    public Task<ImportReference> ReferenceAsync(CancellationToken ct = default) => Checker.ReferenceAsync(ct);

    public Task<IReadOnlyDictionary<int, string>> CustomFieldNamesAsync(CancellationToken ct = default) => Mappings.CustomFieldNamesAsync(ct);

    public Task<ImportField[]> ProposeMappingAsync(UserAccess user, IReadOnlyList<string> headers, CancellationToken ct = default) =>
        Mappings.ProposeMappingAsync(user, headers, ct);

    public Task RememberMappingAsync(UserAccess user, IReadOnlyList<string> headers, IReadOnlyList<ImportField> mapping, CancellationToken ct = default) =>
        Mappings.RememberMappingAsync(user, headers, mapping, ct);

    /// <summary>
    /// The check step; the mapping it checks is remembered for the user's next file with these headers first, so the page
    /// and the API propose and remember alike (one path).
    /// </summary>
    public async Task<ImportCheck> CheckAsync(UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping, ImportOptions options,
        CancellationToken ct = default)
    {
        await Mappings.RememberMappingAsync(user, sheet.Headers, mapping, ct);
        return await Checker.CheckAsync(user, sheet, mapping, options, ct);
    }

    public Task<ImportResult> ImportAsync(UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping, ImportOptions options,
        IProgress<ImportProgress>? progress = null, CancellationToken ct = default, ImportCheck? checkedBefore = null) =>
        Writer.ImportAsync(user, sheet, mapping, options, progress, ct, checkedBefore);

    public Task<IReadOnlyList<ImportBatchView>> HistoryAsync(UserAccess user, CancellationToken ct = default) => History.HistoryAsync(user, ct);

    public Task<UndoResult> UndoAsync(UserAccess user, int batchId, IProgress<ImportProgress>? progress = null, CancellationToken ct = default) =>
        History.UndoAsync(user, batchId, progress, ct);
}
