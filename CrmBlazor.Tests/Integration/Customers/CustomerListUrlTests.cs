using CrmBlazor.Features.Customers;
using Microsoft.AspNetCore.WebUtilities;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Issue 19: the customer list's state lives in its URL through one codec (grid, export, API, links into the list). Every
/// filter, the sort and the page survive the trip; the default list is a bare address; the API's older names are read;
/// what cannot be read is named (the API answers 422) and left at its default (the grid ignores it).
/// </summary>
public sealed class CustomerListUrlTests
{
    public static TheoryData<CustomerListQuery> Lists =>
    [
        new CustomerListQuery(),
        new CustomerListQuery { Search = "nguyễn thị & co?=1", Page = 4, PageSize = 50 },
        new CustomerListQuery { Mine = true, RelationshipId = 3, SourceId = 7, GroupId = 9 },
        new CustomerListQuery { Unassigned = true, OwnerId = "a1b2-c3", DontForget = true, NewUpdates = true },
        new CustomerListQuery { CreatedFrom = new DateOnly(2026, 1, 31), CreatedTo = new DateOnly(2026, 12, 1), Sort = CustomerSort.LastContact, Descending = true },
        new CustomerListQuery { Sort = CustomerSort.Name, Descending = true, PageSize = 100 },
        .. Enum.GetValues<CustomerSort>().Select(s => new CustomerListQuery { Sort = s, Page = 1 }),
    ];

    [Theory]
    [MemberData(nameof(Lists))]
    public void Every_filter_sort_and_page_round_trips(CustomerListQuery list)
    {
        var url = CustomerListUrl.For(list);
        Assert.StartsWith("/customers", url, StringComparison.Ordinal);
        Assert.Equal(list, CustomerListUrl.FromUri("https://crm.example.vn" + url));
        Assert.Equal(list, CustomerListUrl.Parse(QueryHelpers.ParseQuery(CustomerListUrl.QueryString(list)), out var errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void The_default_list_is_a_bare_address_and_paging_can_be_left_out()
    {
        Assert.Equal("/customers", CustomerListUrl.For(new CustomerListQuery()));
        Assert.Equal("/customers?relationship=5", CustomerListUrl.For(new CustomerListQuery { RelationshipId = 5, Page = 3 }, withPaging: false));
        Assert.Equal("?relationship=5&page=4", CustomerListUrl.QueryString(new CustomerListQuery { RelationshipId = 5, Page = 3 }));
    }

    [Fact]
    public void The_APIs_parameter_names_are_read_and_bad_values_are_named()
    {
        var api = CustomerListUrl.Parse(QueryHelpers.ParseQuery("?relationshipId=2&sourceId=3&groupId=4&ownerId=u1&createdFrom=2026-02-01&createdTo=2026-03-01&pageSize=50&page=2&sort=createdAt&desc=true"), out var none);
        Assert.Empty(none);
        Assert.Equal(new CustomerListQuery
        {
            RelationshipId = 2, SourceId = 3, GroupId = 4, OwnerId = "u1", CreatedFrom = new DateOnly(2026, 2, 1), CreatedTo = new DateOnly(2026, 3, 1),
            PageSize = 50, Page = 1, Sort = CustomerSort.CreatedAt, Descending = true,
        }, api);

        var bad = CustomerListUrl.Parse(QueryHelpers.ParseQuery("?createdFrom=31/12/2024&relationship=abc&page=-1&sort=price&mine=maybe&size=100000"), out var errors);
        Assert.Equal(["createdFrom", "mine", "page", "relationship", "sort"], errors.Order(StringComparer.Ordinal));
        Assert.Equal(new CustomerListQuery { PageSize = CustomerService.MaxPageSize }, bad);
    }
}
