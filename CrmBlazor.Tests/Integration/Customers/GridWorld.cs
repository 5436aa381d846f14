using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>Records what a service publishes on the live bus.</summary>
public sealed class RecordingBus : ILiveEventBus
{
    public List<LiveEvent> Events { get; } = [];

    public LiveBusStats Stats => new(Events.Count, 0, 0, 0);

    public void Publish(LiveEvent e)
    {
        lock (Events)
        {
            Events.Add(e);
        }
    }

    public void PublishLocal(LiveEvent e) => Publish(e);

    public ILiveSubscription Subscribe(IEnumerable<string> topics, Func<LiveEvent, Task> handler) => throw new NotSupportedException();

    public ILiveSubscription SubscribeOwn(IEnumerable<string> topics, Func<LiveEvent, Task> handler) => throw new NotSupportedException();
}

/// <summary>
/// A small organisation on a real migrated SQLite file: an admin (all rights), two salespeople Lan and Minh (own
/// customers only), a viewer who may only look, and customers owned by Lan and Minh.
/// </summary>
public sealed class GridWorld : IAsyncDisposable
{
    private GridWorld(TestDatabase db) => Db = db;

    public TestDatabase Db { get; }
    public RecordingBus Bus { get; } = new();
    public CustomerService Service { get; private set; } = null!;
    public UserAccess Admin { get; private set; } = null!;
    public UserAccess Lan { get; private set; } = null!;
    public UserAccess Minh { get; private set; } = null!;
    public UserAccess Viewer { get; private set; } = null!;
    public int FirstRelationship { get; private set; }
    public int SecondRelationship { get; private set; }
    public int LanCustomer { get; private set; }
    public int LanCustomer2 { get; private set; }
    public int MinhCustomer { get; private set; }


    public static async Task<GridWorld> CreateAsync(CustomerOptions? options = null, bool postgres = false)
    {
        var world = new GridWorld(postgres ? await TestDatabase.CreatePostgresAsync() : await TestDatabase.CreateAsync());
        await world.SeedAsync(options ?? new CustomerOptions());
        return world;
    }

    private async Task SeedAsync(CustomerOptions options)
    {
        var root = await Db.AddDepartmentAsync("Công ty");
        var admins = await Db.AddPermissionGroupAsync("Quản trị", Rights.All);
        var sales = await Db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        var viewers = await Db.AddPermissionGroupAsync("Chỉ xem", Rights.CustomersAccess);
        var admin = await Db.AddUserAsync("boss", "Trần Quản Trị", root.Id, admins.Id);
        var lan = await Db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        var minh = await Db.AddUserAsync("minh", "Đỗ Văn Minh", root.Id, sales.Id);
        var viewer = await Db.AddUserAsync("xem", "Lê Chỉ Xem", root.Id, viewers.Id);
        FirstRelationship = await Db.AddRelationshipAsync("Khách hàng tiềm năng", isDefault: true);
        SecondRelationship = await Db.AddRelationshipAsync("Đã mua hàng");
        LanCustomer = (await Db.AddCustomerAsync("Đặng Văn Đức", "0912345678", FirstRelationship, lan.Id)).Id;
        LanCustomer2 = (await Db.AddCustomerAsync("Trần Thị Ánh", "0987000111", FirstRelationship, lan.Id)).Id;
        MinhCustomer = (await Db.AddCustomerAsync("Khách của Minh", "0903000222", FirstRelationship, minh.Id)).Id;
        Admin = (await CurrentUser.LoadAsync(Db.Factory, admin.Id))!;
        Lan = (await CurrentUser.LoadAsync(Db.Factory, lan.Id))!;
        Minh = (await CurrentUser.LoadAsync(Db.Factory, minh.Id))!;
        Viewer = (await CurrentUser.LoadAsync(Db.Factory, viewer.Id))!;
        Service = new CustomerService(Db.Factory, TimeProvider.System, Bus, options, NullLogger<CustomerService>.Instance);
    }

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}

