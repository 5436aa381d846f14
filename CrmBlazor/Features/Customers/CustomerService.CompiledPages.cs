using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CrmBlazor.Features.Customers;

public sealed partial class CustomerService
{
    /// <summary>
    /// The list's pages without search or filters (the list as it opens, sorted by any column, at any page), as EF Core
    /// compiled queries. A LINQ query is funcletized, hashed and looked up whole at every run, and the page's expression
    /// (scope parts, sort, the row's joins) made that cost as much as the statement's own (#25). The compiled queries are
    /// the very queries <see cref="PageQuery"/> composes, built once per shape (scope level, sort, direction, parts merged
    /// or not) for a stand-in reader whose id, department path and page numbers are then turned into the compiled
    /// query's parameters. A shape whose expression
    /// captures any other value is not compiled (null): its pages keep the LINQ path, so nothing user-specific is ever
    /// baked into a shared query.
    /// </summary>
    private sealed class CompiledPages
    {
        // Stand-ins: values no reader or page has, recognised in the built expression and replaced by parameters.
        private const string UserStandIn = "\u0001compiled-page:user";
        private const string PathStandIn = "\u0001compiled-page:path";
        private const int SizeStandIn = 197;
        private const int MergedPageStandIn = 3;     // skips 591; (3 + 1) × 197 = 788 rows a part: the parts are merged
        private const int UnmergedPageStandIn = 60;  // skips 11,820; (60 + 1) × 197 = 12,017 > MaxMergedPageRows: read directly

        private static readonly CustomerListQuery Unfiltered = new();
        private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<Shape, CompiledPages?>> ByModel = new();

        private readonly Func<CrmDbContext, string, string, int, int, int, IAsyncEnumerable<CustomerRow>> _rows;

        private CompiledPages(Func<CrmDbContext, string, string, int, int, int, IAsyncEnumerable<CustomerRow>> rows) => _rows = rows;

        private readonly record struct Shape(VisibilityLevel Level, CustomerSort Sort, bool Descending, bool Merged);

        /// <summary>The compiled page for this query, or null when it has a search or filters (or its shape could not be
        /// compiled).</summary>
        public static CompiledPages? For(CrmDbContext db, UserAccess user, CustomerListQuery query, int page, int size, CustomerService service)
        {
            if (query with { Page = 0, PageSize = Unfiltered.PageSize, Sort = Unfiltered.Sort, Descending = false } != Unfiltered
                || !user.Has(Rights.CustomersAccess))
            {
                return null;
            }

            var shape = new Shape(CustomerScope.LevelOf(user.Rights), query.Sort, query.Descending, (page + 1) * size <= MaxMergedPageRows);
            return ByModel.GetValue(db.Model, _ => new()).GetOrAdd(shape, s => Build(db, user, s, service));
        }

        public async Task<List<CustomerRow>> PageAsync(CrmDbContext db, UserAccess user, int page, int size, CancellationToken ct)
        {
            var rows = new List<CustomerRow>(size);
            await foreach (var row in _rows(db, user.UserId, user.DepartmentPath, page * size, size, (page + 1) * size).WithCancellation(ct))
            {
                rows.Add(row);
            }

            return rows;
        }

        private static CompiledPages? Build(CrmDbContext db, UserAccess user, Shape shape, CustomerService service)
        {
            var standIn = user with { UserId = UserStandIn, DepartmentPath = PathStandIn };
            var query = Unfiltered with { Sort = shape.Sort, Descending = shape.Descending };
            var page = shape.Merged ? MergedPageStandIn : UnmergedPageStandIn;
            var context = Expression.Parameter(typeof(CrmDbContext), "db");
            var uid = Expression.Parameter(typeof(string), "uid");
            var path = Expression.Parameter(typeof(string), "path");
            var skip = Expression.Parameter(typeof(int), "skip");
            var take = Expression.Parameter(typeof(int), "take");
            var limit = Expression.Parameter(typeof(int), "limit");
            var body = new StandIns(new()
            {
                [UserStandIn] = uid, [PathStandIn] = path, [SizeStandIn] = take, [page * SizeStandIn] = skip, [(page + 1) * SizeStandIn] = limit,
            }).Parameterize(service.PageQuery(db, standIn, query, page, SizeStandIn).Expression);
            return body is null ? null : new(EF.CompileAsyncQuery(
                Expression.Lambda<Func<CrmDbContext, string, string, int, int, int, IQueryable<CustomerRow>>>(body, context, uid, path, skip, take, limit)));
        }
    }

    /// <summary>Whether this query's page is read by a compiled query (the tests check that no shape of the unfiltered list
    /// falls back to the LINQ path).</summary>
    internal async Task<bool> PageIsCompiledAsync(UserAccess user, CustomerListQuery query)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return CompiledPages.For(db, user, query, Math.Max(0, query.Page), Math.Clamp(query.PageSize, 1, MaxPageSize), this) is not null;
    }

    /// <summary>
    /// Turns a built query's expression into a compiled query's body: the stand-in values it was built with (a reader's id,
    /// a page's numbers, a list of ids: each a value nothing else in the query holds) become the compiled query's
    /// parameters, captured sub-queries and sets are inlined (as EF Core does at every run), static members and literals
    /// stay. Any other captured value refuses the whole expression (null): nothing of one caller is baked into a query
    /// shared by all.
    /// </summary>
    private sealed class StandIns(Dictionary<object, ParameterExpression> parameters) : ExpressionVisitor
    {
        private bool _refused;

        public Expression? Parameterize(Expression expression)
        {
            var body = Visit(expression);
            return _refused ? null : body;
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (!Evaluable(node))
            {
                return base.VisitMember(node);
            }

            switch (Evaluate(node))
            {
                case { } value when parameters.TryGetValue(value, out var parameter):
                    return parameter;
                case IQueryable captured:
                    return Visit(captured.Expression);
            }

            _refused |= !IsStatic(node);
            return node;
        }

        protected override Expression VisitConstant(ConstantExpression node)
        {
            switch (node.Value)
            {
                case { } value when parameters.TryGetValue(value, out var parameter):
                    return parameter;
                case IQueryable captured:
                    return Visit(captured.Expression);
                case null or string or ValueType:
                    return node;
                default:
                    _refused = true;
                    return node;
            }
        }

        private static bool Evaluable(Expression? e) => e switch
        {
            null or ConstantExpression => true,
            MemberExpression member => Evaluable(member.Expression),
            _ => false,
        };

        private static bool IsStatic(Expression? e) => e switch
        {
            null => true,
            MemberExpression member => IsStatic(member.Expression),
            _ => false,
        };

        private static object? Evaluate(Expression? e) => e switch
        {
            null => null,
            ConstantExpression constant => constant.Value,
            MemberExpression { Member: FieldInfo field } member => field.GetValue(Evaluate(member.Expression)),
            MemberExpression { Member: PropertyInfo property } member => property.GetValue(Evaluate(member.Expression)),
            _ => throw new NotSupportedException(e.NodeType.ToString()),
        };
    }
}
