using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Api;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>Erase on request and the customer's data export through the REST API (#26): the purge right, like the page.</summary>
public sealed class ApiEraseExportTests : IAsyncLifetime
{
    private CrmAppFactory _app = null!;
    private string _lan = null!, _keeper = null!;
    private int _customer;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(settings: new Dictionary<string, string?> { ["Api:RequestsPerMinute"] = "1000" });
        _lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault | Rights.CustomersViewAll, "Nguyễn Thị Lan");
        _keeper = await _app.CreateUserAsync("giu", "Giu@Du-Lieu-2026", Rights.SalesDefault | Rights.CustomersPurge, "Phạm Giữ Liệu");
        _customer = await _app.CreateCustomerAsync("Đặng Văn Đức", "0912345678", _keeper);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpClient> ClientAsync(string userId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var user = await CurrentUser.LoadAsync(_app.DbFactory, userId) ?? throw new InvalidOperationException();
        var token = await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync(user, "test");
        var client = _app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Export_and_erase_need_the_purge_right_and_erase_is_audited()
    {
        var lan = await ClientAsync(_lan);
        Assert.Equal(HttpStatusCode.Forbidden, (await lan.GetAsync($"/api/v1/customers/{_customer}/data-export")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await lan.PostAsJsonAsync($"/api/v1/customers/{_customer}/erase", new EraseCustomerRequest("Khách yêu cầu"))).StatusCode);

        var keeper = await ClientAsync(_keeper);
        var export = await keeper.GetAsync($"/api/v1/customers/{_customer}/data-export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/zip", export.Content.Headers.ContentType?.MediaType);
        using (var zip = new ZipArchive(await export.Content.ReadAsStreamAsync()))
        using (var reader = new StreamReader(zip.GetEntry("customer.json")!.Open()))
        {
            Assert.Contains("Đặng Văn Đức", await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await keeper.PostAsJsonAsync($"/api/v1/customers/{_customer}/erase", new EraseCustomerRequest(" "))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await keeper.PostAsJsonAsync($"/api/v1/customers/{_customer}/erase", new EraseCustomerRequest("Khách gửi thư yêu cầu xóa"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await keeper.GetAsync($"/api/v1/customers/{_customer}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await keeper.GetAsync($"/api/v1/customers/{_customer}/data-export")).StatusCode);

        await using var db = await _app.DbFactory.CreateDbContextAsync();
        Assert.False(await db.Customers.AnyAsync(c => c.Id == _customer));
        var entry = Assert.Single(await db.AuditLog.Where(a => a.Action == AuditActions.CustomerErased).ToListAsync());
        Assert.Equal(_keeper, entry.ActorId);
    }
}
