using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Api;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>
/// The REST API is a second door into the same services: the same rights and the same visibility scope (R7.4), with
/// personal access tokens, problem details and a rate limit per token.
/// </summary>
public sealed class ApiTests : IAsyncLifetime
{
    private CrmAppFactory _app = null!;
    private string _lan = null!, _minh = null!, _viewer = null!;
    private int _lanCustomer, _minhCustomer;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(settings: new Dictionary<string, string?> { ["Api:RequestsPerMinute"] = "1000" });
        _lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault, "Nguyễn Thị Lan");
        _minh = await _app.CreateUserAsync("minh", "Minh@12345678", Rights.SalesDefault, "Đỗ Văn Minh");
        _viewer = await _app.CreateUserAsync("xem", "Xem@12345678", Rights.CustomersAccess | Rights.CustomersViewAll, "Chỉ Xem");
        _lanCustomer = await _app.CreateCustomerAsync("Khách của Lan", "0912000001", _lan);
        _minhCustomer = await _app.CreateCustomerAsync("Khách của Minh", "0912000002", _minh);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<string> TokenAsync(string userId, string name = "test")
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var user = await CurrentUser.LoadAsync(_app.DbFactory, userId) ?? throw new InvalidOperationException();
        return await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync(user, name);
    }

    private HttpClient Client(string? token)
    {
        var client = _app.CreateClient(new() { AllowAutoRedirect = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    [Fact]
    public async Task Orders_through_the_API_need_the_orders_right_and_the_customer_scope_and_keep_the_value()
    {
        var lan = Client(await TokenAsync(_lan));
        var created = await lan.PostAsJsonAsync($"/api/v1/customers/{_lanCustomer}/orders",
            new { lines = new[] { new { productName = "Nồi cơm điện", quantity = 2, unitPrice = 1_200_000, discount = 100_000 } } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var order = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = order.GetProperty("id").GetInt64();
        Assert.Equal(2_300_000m, order.GetProperty("total").GetDecimal());
        Assert.StartsWith("DH", order.GetProperty("number").GetString(), StringComparison.Ordinal);

        var paid = await lan.PostAsJsonAsync($"/api/v1/orders/{id}/payments", new { amount = 2_300_000 });
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        Assert.Equal(2, (await paid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32()); // paid
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await lan.PostAsJsonAsync($"/api/v1/orders/{id}/payments", new { amount = 1 })).StatusCode);
        var list = await lan.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{_lanCustomer}/orders");
        Assert.Equal(1, list.GetArrayLength());
        var detail = await lan.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{_lanCustomer}");
        Assert.Equal(2_300_000m, detail.GetProperty("totalPaid").GetDecimal());
        var version = list[0].GetProperty("version").GetInt32();
        Assert.Equal(HttpStatusCode.Conflict, (await lan.PostAsJsonAsync($"/api/v1/orders/{id}/status", new { status = 3, version = version - 1 })).StatusCode);

        // Minh does not see Lan's customer: her orders do not exist for him. The viewer sees them but may not write (R7.4).
        var minh = Client(await TokenAsync(_minh));
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/customers/{_lanCustomer}/orders")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/orders/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.PostAsJsonAsync($"/api/v1/customers/{_lanCustomer}/orders", new { total = 5 })).StatusCode);
        var viewer = Client(await TokenAsync(_viewer));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/v1/orders/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/api/v1/customers/{_lanCustomer}/orders", new { total = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"/api/v1/orders/{id}?version={version}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await lan.PostAsJsonAsync($"/api/v1/orders/{id}/status", new { status = 3, version })).StatusCode);
        detail = await lan.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{_lanCustomer}");
        Assert.Equal(0m, detail.GetProperty("totalPaid").GetDecimal()); // a cancelled order counts for nothing
    }

    [Fact]
    public async Task Without_a_valid_token_every_endpoint_answers_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client(null).GetAsync("/api/v1/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client("crm_not-a-real-token").GetAsync("/api/v1/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client("Basic abc").GetAsync("/api/v1/relationships")).StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_and_a_deactivated_user_stop_working_at_once()
    {
        var token = await TokenAsync(_lan);
        var client = Client(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/customers")).StatusCode);

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var user = (await CurrentUser.LoadAsync(_app.DbFactory, _lan))!;
            var service = scope.ServiceProvider.GetRequiredService<AccessTokenService>();
            var listed = Assert.Single(await service.ListAsync(user));
            Assert.StartsWith("crm_", listed.Hint, StringComparison.Ordinal);
            Assert.DoesNotContain(token, listed.Hint, StringComparison.Ordinal);
            await service.RevokeAsync(user, listed.Id);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/customers")).StatusCode);

        var second = Client(await TokenAsync(_minh));
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/customers")).StatusCode);
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            (await db.StaffProfiles.SingleAsync(p => p.Id == _minh)).Deactivate();
            await db.SaveChangesAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await second.GetAsync("/api/v1/customers")).StatusCode);
    }

    [Fact]
    public async Task A_token_of_an_own_scope_user_never_sees_another_owners_customer()
    {
        var client = Client(await TokenAsync(_lan));
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/customers");
        var names = list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal(["Khách của Lan"], names);
        Assert.Equal(1, list.GetProperty("total").GetInt32());

        var search = await client.GetFromJsonAsync<JsonElement>("/api/v1/customers?search=khach%20cua%20minh");
        Assert.Equal(0, search.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/customers/{_minhCustomer}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/v1/customers/{_minhCustomer}/comments")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"/api/v1/customers/{_minhCustomer}/comments", new { body = "xin chào" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/api/v1/customers/{_minhCustomer}", new { name = "Đổi", version = 1 })).StatusCode);

        var mine = await client.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{_lanCustomer}");
        Assert.Equal("+84912000001", mine.GetProperty("phone").GetString());
    }

    [Fact]
    public async Task Create_update_with_version_conflict_trash_and_restore()
    {
        var client = Client(await TokenAsync(_lan));
        var created = await client.PostAsJsonAsync("/api/v1/customers", new { name = "Nguyễn Văn Landing", phone = "0987 654 321", email = "lead@landing.vn", ownerId = _lan });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetInt32();
        var version = body.GetProperty("version").GetInt32();
        Assert.Equal("+84987654321", body.GetProperty("phone").GetString());
        Assert.StartsWith("KH", body.GetProperty("code").GetString(), StringComparison.Ordinal);
        Assert.Equal($"/api/v1/customers/{id}", created.Headers.Location!.OriginalString);

        var updated = await client.PutAsJsonAsync($"/api/v1/customers/{id}", new { address = "12 Lê Lợi", version });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var newVersion = (await updated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
        Assert.True(newVersion > version);

        var stale = await client.PutAsJsonAsync($"/api/v1/customers/{id}", new { address = "cũ", version });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var problem = await stale.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("12 Lê Lợi", problem.GetProperty("current").GetProperty("address").GetString());

        var missingVersion = await client.PutAsJsonAsync($"/api/v1/customers/{id}", new { address = "x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missingVersion.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/customers/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/customers/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/customers/{id}/restore", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/customers/{id}")).StatusCode);
    }

    [Fact]
    public async Task Issue21_a_code_in_the_generated_form_is_kept_when_free_and_the_next_create_skips_it()
    {
        var client = Client(await TokenAsync(_lan));
        var body = await (await client.PostAsJsonAsync("/api/v1/customers", new { name = "Mã tự đặt", phone = "0912000071" })).Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetInt32();
        var version = body.GetProperty("version").GetInt32();
        var next = CrmBlazor.Domain.Customers.CustomerCode.FromId(id + 1);

        // A code from the old system that happens to be the next customer's generated code: kept (issue 20 refused it).
        var put = await client.PutAsJsonAsync($"/api/v1/customers/{id}", new { code = next, version });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(next, (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // The next create skips the taken code instead of failing.
        var created = await client.PostAsJsonAsync("/api/v1/customers", new { name = "Khách kế tiếp", phone = "0912000072" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(next + "-2", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // A create with an old-system code nobody holds keeps it; the same code again is refused as taken, naming the field.
        var old = await client.PostAsJsonAsync("/api/v1/customers", new { code = "KH900123", name = "Khách từ Getfly", phone = "0912000073" });
        Assert.Equal(HttpStatusCode.Created, old.StatusCode);
        Assert.Equal("KH900123", (await old.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var again = await client.PostAsJsonAsync("/api/v1/customers", new { code = "KH900123", name = "Trùng mã", phone = "0912000074" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("code", out _));
    }

    [Fact]
    public async Task Issue20_text_over_a_fields_limit_answers_422_naming_the_field_and_stores_nothing()
    {
        var client = Client(await TokenAsync(_lan));
        // On main a 29 MB address and a 5 MB industry were stored and names were cut at 200 without a word.
        foreach (var (field, body) in new (string, object)[]
        {
            ("name", new { name = new string('N', FieldLimits.Name + 1), phone = "0912000081" }),
            ("address", new { name = "Địa chỉ dài", phone = "0912000082", address = new string('a', FieldLimits.Address + 1) }),
            ("industry", new { name = "Ngành dài", phone = "0912000083", industry = new string('i', FieldLimits.Industry + 1) }),
        })
        {
            var response = await client.PostAsJsonAsync("/api/v1/customers", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
        }

        var list = await (await client.GetAsync("/api/v1/customers?q=0912000081")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, list.GetProperty("total").GetInt32());

        // Exactly at the limit is fine.
        var atLimit = await client.PostAsJsonAsync("/api/v1/customers", new { name = new string('N', FieldLimits.Name), phone = "0912000084", address = new string('a', FieldLimits.Address) });
        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
    }

    [Fact]
    public async Task Invalid_data_answers_422_per_field_and_a_missing_right_403()
    {
        var client = Client(await TokenAsync(_lan));
        var noContact = await client.PostAsJsonAsync("/api/v1/customers", new { name = "Không liên lạc được" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noContact.StatusCode);
        var errors = (await noContact.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("phone", out _), errors.ToString());

        var badDate = await client.PostAsJsonAsync("/api/v1/customers", new { name = "A", phone = "0912000009", birthday = "31/02/2020" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badDate.StatusCode);
        Assert.True((await badDate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("birthday", out _));

        var viewer = Client(await TokenAsync(_viewer));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/v1/customers/{_minhCustomer}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/v1/customers", new { name = "B", phone = "0912000010" })).StatusCode);
    }

    [Fact]
    public async Task Comments_can_be_posted_and_listed_and_catalogues_read()
    {
        var client = Client(await TokenAsync(_lan));
        var posted = await client.PostAsJsonAsync($"/api/v1/customers/{_lanCustomer}/comments", new { body = "Khách gọi từ landing page" });
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var comments = await client.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{_lanCustomer}/comments");
        Assert.Equal("Khách gọi từ landing page", comments.EnumerateArray().Single().GetProperty("body").GetString());
        var empty = await client.PostAsJsonAsync($"/api/v1/customers/{_lanCustomer}/comments", new { body = "  " });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty.StatusCode);

        Assert.Equal(8, (await client.GetFromJsonAsync<JsonElement>("/api/v1/relationships")).GetArrayLength());
        Assert.True((await client.GetFromJsonAsync<JsonElement>("/api/v1/sources")).GetArrayLength() > 0);
        Assert.True((await client.GetFromJsonAsync<JsonElement>("/api/v1/groups")).GetArrayLength() > 0);
        var users = await client.GetFromJsonAsync<JsonElement>("/api/v1/users");
        Assert.Contains(users.EnumerateArray(), u => u.GetProperty("userName").GetString() == "minh");
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{_lanCustomer}/contacts")).GetArrayLength());
    }

    [Fact]
    public async Task The_list_takes_the_grids_filters_as_query_parameters()
    {
        var unassigned = await _app.CreateCustomerAsync("Khách chưa giao", "0912000003", null);
        int otherStage;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            otherStage = await db.Relationships.Where(r => !r.IsDefault).OrderBy(r => r.Position).Select(r => r.Id).FirstAsync();
            (await db.Customers.SingleAsync(c => c.Id == _minhCustomer)).MoveTo(otherStage, _minh, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        var admin = Client(await TokenAsync(await _app.AdminIdAsync()));
        async Task<List<string?>> Names(HttpClient client, string query) =>
            (await client.GetFromJsonAsync<JsonElement>("/api/v1/customers?" + query)).GetProperty("items").EnumerateArray()
                .Select(i => i.GetProperty("name").GetString()).Order().ToList();

        Assert.Equal(["Khách chưa giao", "Khách của Lan", "Khách của Minh"], await Names(admin, "pageSize=50"));
        Assert.Equal(["Khách của Minh"], await Names(admin, $"ownerId={_minh}"));
        Assert.Equal(["Khách chưa giao"], await Names(admin, "unassigned=true"));
        Assert.Equal(["Khách của Minh"], await Names(admin, $"relationshipId={otherStage}"));
        Assert.Equal(["Khách của Lan"], await Names(Client(await TokenAsync(_lan)), "mine=true"));
        Assert.Empty(await Names(admin, "mine=true"));

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3, (await Names(admin, $"createdFrom={DateTime.UtcNow.AddDays(-2):yyyy-MM-dd}&createdTo={DateTime.UtcNow.AddDays(2):yyyy-MM-dd}")).Count);
        Assert.Empty(await Names(admin, "createdFrom=2099-01-01"));
        Assert.Empty(await Names(admin, "createdTo=2000-01-01"));
        Assert.Equal(["Khách của Minh"], await Names(admin, $"createdFrom={today}&ownerId={_minh}&search=minh"));

        var bad = await admin.GetAsync("/api/v1/customers?createdFrom=31/12/2024");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("createdFrom", out _));
        Assert.True(unassigned > 0);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_endpoints_to_a_token_holder_only()
    {
        // Anonymous: an API client gets 401, a browser is sent to the sign-in page (#20).
        var anonymous = await Client(null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/account/login", anonymous.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        var badToken = await Client("crm_not-a-token").GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);

        var doc = await Client(await TokenAsync(_viewer, "openapi")).GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/customers", doc, StringComparison.Ordinal);
        Assert.Contains("/api/v1/customers/{id}/comments", doc, StringComparison.Ordinal);
        Assert.Contains("/api/v1/customers/{id}/related-users", doc, StringComparison.Ordinal);
        Assert.Contains("Sets the related users", doc, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Custom_fields_are_read_with_the_customer_and_written_by_id_or_name()
    {
        int tier, revenue;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var t = new CrmBlazor.Domain.CustomFields.CustomFieldDefinition("Hạng thẻ", CrmBlazor.Domain.CustomFields.CustomFieldKind.Choice, ["Vàng", "Bạc"]);
            var r = new CrmBlazor.Domain.CustomFields.CustomFieldDefinition("Doanh số năm", CrmBlazor.Domain.CustomFields.CustomFieldKind.Number, position: 1);
            db.CustomFields.AddRange(t, r);
            await db.SaveChangesAsync();
            (tier, revenue) = (t.Id, r.Id);
        }

        var client = Client(await TokenAsync(_lan));
        // By name (folded) and by id; a JSON number in exponent form is the plain decimal.
        var json = $$$"""{"name": "Công ty Custom", "phone": "0912000020", "customFields": {"hang the": "vàng", "{{{revenue}}}": 1.5000005E6}}""";
        var created = await client.PostAsync("/api/v1/customers", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetInt32();
        var fields = body.GetProperty("customFields").EnumerateArray().ToList();
        Assert.Equal([(tier, "Hạng thẻ", "choice", "Vàng"), (revenue, "Doanh số năm", "number", "1500000.5")],
            fields.Select(f => (f.GetProperty("id").GetInt32(), f.GetProperty("name").GetString(), f.GetProperty("kind").GetString(), f.GetProperty("value").GetString())));

        // An update names one field; the other keeps its value. null clears.
        var version = body.GetProperty("version").GetInt32();
        var updated = await client.PutAsJsonAsync($"/api/v1/customers/{id}", new { customFields = new Dictionary<string, object?> { ["Doanh số năm"] = null }, version });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var read = await client.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{id}");
        var values = read.GetProperty("customFields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value"));
        Assert.Equal("Vàng", values["Hạng thẻ"].GetString());
        Assert.Equal(JsonValueKind.Null, values["Doanh số năm"].ValueKind);

        version = read.GetProperty("version").GetInt32();
        var notANumber = await client.PutAsJsonAsync($"/api/v1/customers/{id}", new { customFields = new Dictionary<string, object> { ["Doanh số năm"] = "nhiều" }, version });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notANumber.StatusCode);
        var errors = (await notANumber.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("Doanh số năm", errors.GetProperty("customFields")[0].GetString(), StringComparison.Ordinal);
        var unknown = await client.PutAsJsonAsync($"/api/v1/customers/{id}", new { customFields = new Dictionary<string, object> { ["Không có"] = "x" }, version });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.True((await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("customFields", out _));
        Assert.Equal(version, (await client.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{id}")).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Related_users_are_read_and_set_with_the_version_and_widen_the_related_users_scope()
    {
        var lan = Client(await TokenAsync(_lan));
        var minh = Client(await TokenAsync(_minh));
        var read = await lan.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{_lanCustomer}/related-users");
        var version = read.GetProperty("version").GetInt32();
        Assert.Equal(0, read.GetProperty("users").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/customers/{_lanCustomer}")).StatusCode);

        var set = await lan.PutAsJsonAsync($"/api/v1/customers/{_lanCustomer}/related-users", new { userIds = new[] { _minh }, version });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var body = await set.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Đỗ Văn Minh", body.GetProperty("users").EnumerateArray().Single().GetProperty("fullName").GetString());
        Assert.True(body.GetProperty("version").GetInt32() > version);
        // Minh sees it now, as his own.
        Assert.Equal(HttpStatusCode.OK, (await minh.GetAsync($"/api/v1/customers/{_lanCustomer}")).StatusCode);
        var minhList = await minh.GetFromJsonAsync<JsonElement>("/api/v1/customers");
        Assert.Contains(minhList.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetInt32() == _lanCustomer);

        var stale = await lan.PutAsJsonAsync($"/api/v1/customers/{_lanCustomer}/related-users", new { userIds = Array.Empty<string>(), version });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);

        var current = body.GetProperty("version").GetInt32();
        var unknown = await lan.PutAsJsonAsync($"/api/v1/customers/{_lanCustomer}/related-users", new { userIds = new[] { "nobody" }, version = current });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.True((await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("userIds", out _));
        var noVersion = await lan.PutAsJsonAsync($"/api/v1/customers/{_lanCustomer}/related-users", new { userIds = new[] { _minh } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noVersion.StatusCode);
        Assert.True((await noVersion.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("version", out _));

        // The viewer sees every customer but may not edit; Minh may edit but does not see Lan's other customers.
        var viewer = Client(await TokenAsync(_viewer));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/v1/customers/{_lanCustomer}/related-users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync($"/api/v1/customers/{_lanCustomer}/related-users", new { userIds = Array.Empty<string>(), version = current })).StatusCode);
        var otherOfLan = await _app.CreateCustomerAsync("Khách khác của Lan", "0912000004", _lan);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/customers/{otherOfLan}/related-users")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.PutAsJsonAsync($"/api/v1/customers/{otherOfLan}/related-users", new { userIds = new[] { _minh }, version = 1 })).StatusCode);

        // An empty list removes everyone, and Minh loses the customer again.
        var cleared = await lan.PutAsJsonAsync($"/api/v1/customers/{_lanCustomer}/related-users", new { userIds = Array.Empty<string>(), version = current });
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/customers/{_lanCustomer}")).StatusCode);
        await using var db = await _app.DbFactory.CreateDbContextAsync();
        Assert.Equal(["api", "api"], await db.ChangeLog.Where(l => l.CustomerId == _lanCustomer && l.Field == "RelatedUser").Select(l => l.Origin).ToListAsync());
    }
}

/// <summary>Rate limiting per user (429 with Retry-After) and the cap on tokens (#20), in an app of its own with tiny limits.</summary>
public sealed class ApiRateLimitTests
{
    [Fact]
    public async Task Requests_over_the_limit_answer_429_with_Retry_After_for_every_token_of_the_user()
    {
        await using var app = new CrmAppFactory(settings: new Dictionary<string, string?> { ["Api:RequestsPerMinute"] = "3" });
        var lan = await app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault);
        var minh = await app.CreateUserAsync("minh", "Minh@12345678", Rights.SalesDefault);
        string token, other, minhs;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var service = scope.ServiceProvider.GetRequiredService<AccessTokenService>();
            var user = (await CurrentUser.LoadAsync(app.DbFactory, lan))!;
            token = await service.CreateAsync(user, "một");
            other = await service.CreateAsync(user, "hai");
            minhs = await service.CreateAsync((await CurrentUser.LoadAsync(app.DbFactory, minh))!, "ba");
        }

        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/relationships")).StatusCode);
        }

        var refused = await client.GetAsync("/api/v1/relationships");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);

        // The same user's second token shares the budget; another user's does not.
        var second = app.CreateClient();
        second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", other);
        var alsoRefused = await second.GetAsync("/api/v1/relationships");
        Assert.Equal(HttpStatusCode.TooManyRequests, alsoRefused.StatusCode);
        Assert.NotNull(alsoRefused.Headers.RetryAfter?.Delta);
        var third = app.CreateClient();
        third.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", minhs);
        Assert.Equal(HttpStatusCode.OK, (await third.GetAsync("/api/v1/relationships")).StatusCode);
    }

    [Fact]
    public async Task A_user_holds_at_most_the_configured_number_of_active_tokens()
    {
        await using var app = new CrmAppFactory(settings: new Dictionary<string, string?> { ["Api:MaxTokensPerUser"] = "3" });
        var lan = await app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault);
        await using var scope = app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<AccessTokenService>();
        var user = (await CurrentUser.LoadAsync(app.DbFactory, lan))!;
        for (var i = 1; i <= 3; i++)
        {
            await service.CreateAsync(user, "token " + i);
        }

        var full = await Assert.ThrowsAsync<DomainException>(() => service.CreateAsync(user, "token 4"));
        Assert.Equal(AccessTokenService.LimitReached, full.Code);
        Assert.Equal(3, (await service.ListAsync(user)).Count);

        // A revoked token no longer counts.
        await service.RevokeAsync(user, (await service.ListAsync(user)).First().Id);
        await service.CreateAsync(user, "token 4");
        Assert.Equal(4, (await service.ListAsync(user)).Count);
    }
}
