using System.Globalization;
using CrmBlazor.Domain.Relationships;

namespace CrmBlazor.Live;

/// <summary>
/// A small live event: ids, never entities. A receiver reloads what it may see. Each event names the topics it is
/// delivered on (<see cref="Topics"/>): only subscriptions to one of them receive it.
/// </summary>
public abstract record LiveEvent
{
    /// <summary>The topics this event is delivered on (besides <see cref="LiveTopics.All"/>). A method, not a property,
    /// so that it is not serialised when the event crosses instances.</summary>
    public abstract IEnumerable<string> Topics();
}

/// <summary>What a customer change touched; it decides which list topics hear about it (a name change reaches only the
/// screens that show that customer, a stage change every board too).</summary>
[Flags]
public enum CustomerChange
{
    None = 0,
    /// <summary>Name, phone, e-mail, address, contacts and the other plain fields.</summary>
    Details = 1,
    /// <summary>The relationship (pipeline stage).</summary>
    Stage = 2,
    /// <summary>The owner or the related users: who may see it (scope), "mine", "unassigned".</summary>
    Owner = 4,
    /// <summary>Created, trashed, restored or purged: every count.</summary>
    Lifecycle = 8,
    /// <summary>Comments, interactions, last contact.</summary>
    Activity = 16,
    /// <summary>Source, groups, referrer, custom fields.</summary>
    Links = 32,
    All = Details | Stage | Owner | Lifecycle | Activity | Links,
}

/// <summary>Topic names. A customer's own topic, a user's own topic, and one topic per kind of customer change.</summary>
public static class LiveTopics
{
    /// <summary>Every event (hub forwarder, webhooks, tests).</summary>
    public const string All = "*";
    public const string Relationships = "relationships";
    /// <summary>Every <see cref="CatalogChanged"/> (customer sources and groups).</summary>
    public const string Catalog = "catalog";
    public const string Presence = "presence";
    /// <summary>Every <see cref="UserAccessChanged"/> and <see cref="SessionEnded"/> (circuits' authentication re-checks).</summary>
    public const string Access = "access";

    public static string Customer(int id) => "customer:" + id.ToString(CultureInfo.InvariantCulture);

    public static string User(string id) => "user:" + id;

    /// <summary>The topic of one kind of customer change (a single flag).</summary>
    public static string Customers(CustomerChange change) => change switch
    {
        CustomerChange.Details => "customers:details",
        CustomerChange.Stage => "customers:stage",
        CustomerChange.Owner => "customers:owner",
        CustomerChange.Lifecycle => "customers:lifecycle",
        CustomerChange.Activity => "customers:activity",
        CustomerChange.Links => "customers:links",
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, "One flag at a time."),
    };

    /// <summary>The list topics of every flag in <paramref name="changes"/>.</summary>
    public static IEnumerable<string> CustomersAll(CustomerChange changes)
    {
        foreach (var flag in Flags)
        {
            if ((changes & flag) != 0)
            {
                yield return Customers(flag);
            }
        }
    }

    private static readonly CustomerChange[] Flags =
        [CustomerChange.Details, CustomerChange.Stage, CustomerChange.Owner, CustomerChange.Lifecycle, CustomerChange.Activity, CustomerChange.Links];
}

/// <summary>
/// One customer was created, updated, moved, trashed, restored or purged (<see cref="ChangeKinds"/>). <see cref="Version"/>
/// is the customer's version after the change (null when the change does not bump it): a screen that already shows that
/// version skips the event.
/// </summary>
public sealed record CustomerChanged(int CustomerId, string Kind, string? ByUserId, CustomerChange Changes = CustomerChange.All, int? Version = null)
    : LiveEvent
{
    public override IEnumerable<string> Topics() =>
        [LiveTopics.Customer(CustomerId), .. LiveTopics.CustomersAll(ChangeKinds.WithKind(Kind, Changes))];
}

/// <summary>Many customers changed at once (bulk action, import): one event, not one per row.</summary>
public sealed record CustomersChanged(IReadOnlyList<int> CustomerIds, string Kind, string? ByUserId, CustomerChange Changes = CustomerChange.All)
    : LiveEvent
{
    public override IEnumerable<string> Topics() =>
        [.. CustomerIds.Select(LiveTopics.Customer), .. LiveTopics.CustomersAll(ChangeKinds.WithKind(Kind, Changes))];
}

/// <summary>A user's rights, group, department or active state changed: their open pages re-read their scope.</summary>
public sealed record UserAccessChanged(string UserId) : LiveEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.User(UserId), LiveTopics.Access];
}

/// <summary>
/// A sign-in session ended (#20): <paramref name="SessionId"/> signed out, or every session of the user when it is null
/// ("sign out everywhere", a password change, a deactivation). The user's circuits and hub connections of those sessions
/// close, on every instance.
/// </summary>
public sealed record SessionEnded(string UserId, string? SessionId) : LiveEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.Access];
}

/// <summary>Relationships (pipeline stages) were added, edited, reordered, deleted or restored.</summary>
public sealed record RelationshipsChanged(string? ByUserId) : LiveEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.Relationships];
}

/// <summary>
/// Customer sources or groups (<paramref name="Kind"/>) were added, renamed, reordered, merged or deleted: screens that
/// show their names or offer them as choices reload them. A merge names the entry that went (<paramref name="MergedFromId"/>)
/// and the one its customers went to (<paramref name="MergedIntoId"/>); the customers it moved get their own
/// <see cref="CustomersChanged"/>. A deletion names the entry deleted (<paramref name="DeletedId"/>).
/// </summary>
public sealed record CatalogChanged(CatalogKind Kind, string? ByUserId, int? MergedFromId = null, int? MergedIntoId = null, int? DeletedId = null)
    : LiveEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.Catalog];

    /// <summary>
    /// Where a filter on entry <paramref name="id"/> goes after <paramref name="changes"/>: the same entry while it
    /// <paramref name="exists"/>, else the entry it was merged into (its customers are there now), else none when it was
    /// deleted. An entry gone without its merge or deletion among the changes stays as it is: the screen reloaded the
    /// choices for an earlier event and found the entry already gone, and the event that says where it went is on its
    /// way (a rename then a merge in quick succession dropped the filter the merge should have moved). After a
    /// <paramref name="resync"/> events may have been lost: an entry gone is dropped.
    /// </summary>
    public static int? Follow(int? id, CatalogKind kind, IEnumerable<CatalogChanged> changes, Func<int, bool> exists, bool resync = false)
    {
        var seen = new HashSet<int>();
        while (id is int current && !exists(current) && seen.Add(current))
        {
            var merged = changes.LastOrDefault(c => c.Kind == kind && c.MergedFromId == current);
            if (merged is null)
            {
                return resync || changes.Any(c => c.Kind == kind && c.DeletedId == current) ? null : current;
            }

            id = merged.MergedIntoId;
        }

        return id is int found && exists(found) ? found : null;
    }
}

/// <summary>A subscriber's queue overflowed and events were dropped: it reloads what it shows. Never published.</summary>
public sealed record LiveResync : LiveEvent
{
    public static readonly LiveResync Instance = new();

    public override IEnumerable<string> Topics() => [];
}

public static class ChangeKinds
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Trashed = "trashed";
    public const string Restored = "restored";
    public const string Purged = "purged";
    /// <summary>The customer was folded into another one (R6.4); its viewers are taken to the survivor.</summary>
    public const string Merged = "merged";
    /// <summary>A merged customer came back (its merge was undone).</summary>
    public const string Unmerged = "unmerged";

    /// <summary>Creating, trashing, restoring and purging change every count, whatever fields were named.</summary>
    public static CustomerChange WithKind(string kind, CustomerChange changes) =>
        kind == Updated ? changes : changes | CustomerChange.Lifecycle;
}

/// <summary>How many events the bus handed over, delivered to subscriptions, and dropped from full queues.</summary>
public sealed record LiveBusStats(long Published, long Delivered, long Dropped, int Subscriptions);

/// <summary>A subscription: receives the events of its topics in its own queue, handled one at a time by its own loop.</summary>
public interface ILiveSubscription : IDisposable
{
    /// <summary>Replaces the topics (the rows on screen changed).</summary>
    void Watch(IEnumerable<string> topics);
}

/// <summary>
/// The live event bus every feature publishes on (in-process; Redis when configured). Publishing is a hand-off: the
/// event is put in the queue of each subscription of its topics and <see cref="Publish"/> returns; a slow or dead
/// subscriber never delays the writer or another subscriber.
/// </summary>
public interface ILiveEventBus
{
    /// <summary>Hands the event to this instance's subscribers and to the other instances (Redis). Never waits for them.</summary>
    void Publish(LiveEvent e);

    /// <summary>Hands the event to this instance's subscribers only (state every instance derives on its own, like presence).</summary>
    void PublishLocal(LiveEvent e);

    ILiveSubscription Subscribe(IEnumerable<string> topics, Func<LiveEvent, Task> handler);

    /// <summary>Only the events published by this instance (not those relayed from other instances): for work that must
    /// happen once per event across instances, like recording webhook deliveries.</summary>
    ILiveSubscription SubscribeOwn(IEnumerable<string> topics, Func<LiveEvent, Task> handler);

    LiveBusStats Stats { get; }
}

public static class LiveEventBusExtensions
{
    /// <summary>Every event (forwarders, tests).</summary>
    public static ILiveSubscription Subscribe(this ILiveEventBus bus, Func<LiveEvent, Task> handler) => bus.Subscribe([LiveTopics.All], handler);

    public static ILiveSubscription SubscribeOwn(this ILiveEventBus bus, Func<LiveEvent, Task> handler) => bus.SubscribeOwn([LiveTopics.All], handler);
}
