using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Api;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Issue 21 (R3.3): an eleven-digit mobile number from before the 2018 renumbering ("01689123456") is stored at its
/// current prefix (+84389123456) when a customer or a contact is created or edited through the form and the REST API,
/// and a search by the old number in any written form finds the customer.
/// </summary>
public sealed class LegacyPhoneTests
{
    private const string Old = "01689123456";
    private const string OldSpaced = "01689 123 456";
    private const string Current = "+84389123456";

    [Fact]
    public async Task The_form_stores_an_old_mobile_number_of_a_customer_and_its_contacts_at_the_current_prefix_and_search_finds_it()
    {
        await using var w = await GridWorld.CreateAsync();
        var form = new CustomerForm
        {
            Name = "Phạm Văn Cũ",
            Phone = Old,
            Contacts = [new ContactForm { Name = "Chị Hoa", Phone = "0128 555 6677", IsPrimary = true }, new ContactForm { Name = "Anh Tư", Phone = "(0199) 1234567" }],
        };
        var saved = await w.Service.SaveFormAsync(w.Admin, form);
        Assert.Equal(SaveStatus.Saved, saved.Status);
        var id = saved.CustomerId!.Value;

        await using (var db = await w.Db.Factory.CreateDbContextAsync())
        {
            var stored = await db.Customers.AsNoTracking().Include(c => c.Contacts).SingleAsync(c => c.Id == id);
            Assert.Equal(Current, stored.Phone);
            Assert.Equal(["+84591234567", "+84785556677"], stored.Contacts.Select(c => c.Phone).Order());
        }

        // Quick search and the grid's search: the old number as written, spaced, or with the country code.
        foreach (var term in new[] { Old, OldSpaced, "+84 1689 123 456", "0389 123 456" })
        {
            var found = await w.Service.ListAsync(w.Admin, new CustomerListQuery { Search = term });
            Assert.Equal([id], found.Items.Select(r => r.Id));
            Assert.Equal(1, await w.Service.CountAsync(w.Admin, new CustomerListQuery { Search = term }));
        }

        // The duplicate warning of the form knows the old number too.
        var duplicates = await w.Service.FindDuplicatesAsync(w.Admin, "0168.912.3456", null);
        Assert.Contains(duplicates.Visible, d => d.Id == id);

        // Editing: another old number for the customer and a contact.
        var edit = (await w.Service.GetFormAsync(w.Admin, id))!;
        edit.Phone = "0162 777 8899";
        edit.Contacts[0].Phone = "01233334444";
        Assert.Equal(SaveStatus.Saved, (await w.Service.SaveFormAsync(w.Admin, edit)).Status);
        await using (var db = await w.Db.Factory.CreateDbContextAsync())
        {
            var stored = await db.Customers.AsNoTracking().Include(c => c.Contacts).SingleAsync(c => c.Id == id);
            Assert.Equal("+84327778899", stored.Phone);
            Assert.Contains(stored.Contacts, c => c.Phone == "+84833334444");
        }

        Assert.Equal([id], (await w.Service.ListAsync(w.Admin, new CustomerListQuery { Search = "01627778899" })).Items.Select(r => r.Id));
    }

    [Fact]
    public async Task The_api_stores_an_old_mobile_number_at_the_current_prefix_on_create_and_update_and_finds_it_by_the_old_number()
    {
        await using var app = new CrmAppFactory();
        var lan = await app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault, "Nguyễn Thị Lan");
        string token;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            token = await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync((await CurrentUser.LoadAsync(app.DbFactory, lan))!, "phones");
        }

        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var created = await client.PostAsJsonAsync("/api/v1/customers", new { name = "Khách số cũ", phone = OldSpaced });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetInt32();
        Assert.Equal(Current, await PhoneAsync(app, id));

        foreach (var term in new[] { Old, OldSpaced })
        {
            var list = await (await client.GetAsync("/api/v1/customers?q=" + Uri.EscapeDataString(term))).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, list.GetProperty("total").GetInt32());
            Assert.Equal(id, list.GetProperty("items")[0].GetProperty("id").GetInt32());
        }

        var put = await client.PutAsJsonAsync($"/api/v1/customers/{id}", new { phone = "+84 1688 000 111", version = body.GetProperty("version").GetInt32() });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("+84388000111", await PhoneAsync(app, id));
        var again = await (await client.GetAsync("/api/v1/customers?q=" + Uri.EscapeDataString("01688 000 111"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, again.GetProperty("total").GetInt32());
    }

    private static async Task<string?> PhoneAsync(CrmAppFactory app, int id)
    {
        await using var db = await app.DbFactory.CreateDbContextAsync();
        return await db.Customers.AsNoTracking().Where(c => c.Id == id).Select(c => c.Phone).SingleAsync();
    }
}
