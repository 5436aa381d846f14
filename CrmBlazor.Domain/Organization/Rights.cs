namespace CrmBlazor.Domain.Organization;

/// <summary>The rights a permission group grants (R7.2). Stored as one integer column.</summary>
[Flags]
public enum Rights
{
    None = 0,
    /// <summary>Open the customer module at all.</summary>
    CustomersAccess = 1 << 0,
    CustomersAdd = 1 << 1,
    CustomersEdit = 1 << 2,
    CustomersDelete = 1 << 3,
    CustomersPurge = 1 << 4,
    /// <summary>Download (export) customers.</summary>
    CustomersExport = 1 << 5,
    /// <summary>See customers owned by users of the user's department and every department below it.</summary>
    CustomersSubDepartment = 1 << 6,
    CustomersViewAll = 1 << 7,
    /// <summary>Upload (import) customers.</summary>
    CustomersImport = 1 << 8,
    /// <summary>Relationships, sources, groups, custom fields.</summary>
    CrmSettings = 1 << 9,
    /// <summary>Users, departments and permission groups.</summary>
    UserAdmin = 1 << 10,
    /// <summary>Create, change, pay and delete the orders of customers the user may see (R4.4). Reading them needs only access.</summary>
    Orders = 1 << 11,
    /// <summary>See the reports (seed 002 "xem KPI"), over the customers the user may see.</summary>
    ViewKpi = 1 << 12,

    All = CustomersAccess | CustomersAdd | CustomersEdit | CustomersDelete | CustomersPurge | CustomersExport
        | CustomersSubDepartment | CustomersViewAll | CustomersImport | CrmSettings | UserAdmin | Orders | ViewKpi,

    /// <summary>What an ordinary salesperson gets: work on their own customers, including taking their orders (seed 002:
    /// the order shortcut sits in every salesperson's comment box).</summary>
    SalesDefault = CustomersAccess | CustomersAdd | CustomersEdit | CustomersDelete | CustomersExport | Orders,
}
