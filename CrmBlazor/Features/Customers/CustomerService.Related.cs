using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Comments;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

public sealed partial class CustomerService
{
    /// <summary>The conflict field of a related-users save (the other person's list is shown by name).</summary>
    public const string RelatedUsersField = "relatedUsers";

    /// <summary>
    /// Sets who is related to a customer (người liên quan, R7.3): they see it as their own, may comment on it and follow
    /// its new updates. Through the one write path: the customer loaded in the caller's scope, the edit right (R7.4), the
    /// version the caller saw, one log line per user added or removed (R4.5), one commit, then the live events. The change
    /// is published as a scope change (<see cref="Live.CustomerChange.Owner"/>): the grids and boards of the users who gain
    /// or lose it recount; their "new updates" count follows the customer's comments, so they hear
    /// <see cref="UnreadChanged"/> too.
    /// </summary>
    public Task<FieldSaveResult> SetRelatedUsersAsync(UserAccess user, int customerId, IReadOnlyCollection<string> userIds, int seenVersion,
        string origin = OriginDetail, CancellationToken ct = default) =>
        ChangeRelatedUsersAsync(user, customerId, _ => userIds, seenVersion, origin, ct);

    /// <summary>Adds one related user (the detail page's picker).</summary>
    public Task<FieldSaveResult> AddRelatedUserAsync(UserAccess user, int customerId, string userId, int seenVersion, CancellationToken ct = default) =>
        ChangeRelatedUsersAsync(user, customerId, current => [.. current, userId], seenVersion, OriginDetail, ct);

    /// <summary>Removes one related user.</summary>
    public Task<FieldSaveResult> RemoveRelatedUserAsync(UserAccess user, int customerId, string userId, int seenVersion, CancellationToken ct = default) =>
        ChangeRelatedUsersAsync(user, customerId, current => current.Where(u => u != userId).ToList(), seenVersion, OriginDetail, ct);

    private async Task<FieldSaveResult> ChangeRelatedUsersAsync(UserAccess user, int customerId,
        Func<IReadOnlyList<string>, IReadOnlyCollection<string>> wantedOf, int seenVersion, string origin, CancellationToken ct)
    {
        IReadOnlyList<FieldChange> applied = [];
        var result = await WriteAsync(user, customerId, seenVersion, origin, RelatedUsersField, q => q.Include(c => c.RelatedUsers),
            async (db, customer, now) =>
            {
                var wanted = wantedOf(customer.RelatedUsers.Select(r => r.UserId).ToList()).Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u.Trim()).Distinct(StringComparer.Ordinal).ToList();
                var added = wanted.Where(u => customer.RelatedUsers.All(r => r.UserId != u)).ToList();
                if (added.Count > 0)
                {
                    // Someone already related may stay while deactivated; a new one must be active staff.
                    var active = await db.StaffProfiles.Where(p => added.Contains(p.Id) && p.IsActive).Select(p => p.Id).ToListAsync(ct);
                    if (added.FirstOrDefault(u => !active.Contains(u)) is { } unknown)
                    {
                        throw new DomainException(CustomerRuleCodes.RelatedUserUnknown, $"User '{unknown}' is not an active staff member.");
                    }
                }

                applied = customer.SetRelatedUsers(wanted, user.UserId, now);
                return applied;
            }, ct);

        if (result.Status == SaveStatus.Saved)
        {
            foreach (var touched in applied.Select(c => c.NewValue ?? c.OldValue).OfType<string>().Distinct(StringComparer.Ordinal))
            {
                Publish(new UnreadChanged(touched));
            }
        }

        return result;
    }
}
