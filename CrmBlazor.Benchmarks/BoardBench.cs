using CrmBlazor.Data;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Suite "board": opening the pipeline board for a "view all" user — headers with exact counts (one GROUP BY through
/// the scope) plus the first 50 cards of every column (keyset pages over the (IsDeleted, RelationshipId, NameKey) index).
/// </summary>
internal static class BoardBench
{
    public static BoardService Service(IDbContextFactory<CrmDbContext> factory)
    {
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        return new BoardService(factory, new CustomerService(factory, TimeProvider.System, bus), TimeProvider.System, new RelationshipService(factory, bus, TimeProvider.System));
    }

    public static IEnumerable<(string Name, Func<Task<object>> Action)> Cases(IDbContextFactory<CrmDbContext> factory, UserAccess viewAll)
    {
        var board = Service(factory);
        yield return ($"board open: {BoardService.PageSize} cards x columns (counts after)", async () => await board.LoadCardsAsync(viewAll, new BoardFilter()));
        yield return ("board counts: every column", async () => await board.CountAsync(viewAll, new BoardFilter(), null));
        BoardSnapshot? first = null;
        yield return ("board column: next 50 cards (keyset)", async () =>
        {
            first ??= await board.LoadAsync(viewAll, new BoardFilter());
            var col = first.Columns[0];
            return await board.LoadMoreAsync(viewAll, new BoardFilter(), col.Id, first.Cards[col.Id][^1]);
        });
    }
}
