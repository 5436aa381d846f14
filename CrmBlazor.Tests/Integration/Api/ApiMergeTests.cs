using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Api;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>
/// The merge through the REST API (#22, R6.4): duplicates of a customer, merge and unmerge with the page's rights and scope
/// (R7.4), problem+json refusals, and the <c>customer.merged</c> webhook naming both customers.
/// </summary>
public sealed class ApiMergeTests : IAsyncLifetime
{
    private CrmAppFactory _app = null!;
    private string _lan = null!, _minh = null!;
    private int _kept, _duplicate;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(settings: new Dictionary<string, string?> { ["Api:RequestsPerMinute"] = "1000", ["Webhooks:PollMilliseconds"] = "100" });
        _lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault, "Nguyễn Thị Lan");
        _minh = await _app.CreateUserAsync("minh", "Minh@12345678", Rights.SalesDefault, "Đỗ Văn Minh");
        _kept = await _app.CreateCustomerAsync("Đặng Văn Đức", "0912345678", _lan);
        _duplicate = await _app.CreateCustomerAsync("Dang Van Duc", "+84 912 345 678", _lan);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Duplicates_merge_and_unmerge_with_rights_scope_problem_details_and_the_merged_webhook()
    {
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            // Recorded for the webhook owner (Lan sees both); the address is never reached in this test.
            db.Webhooks.Add(new Webhook("https://hooks.example.test/crm", WebhookEvents.CustomerMerged, _lan, DateTime.UtcNow));
            await db.SaveChangesAsync();
        }

        var lan = await _app.ApiClientAsync(_lan);
        var minh = await _app.ApiClientAsync(_minh);
        int duplicateVersion;
        using (var dupes = JsonDocument.Parse(await lan.GetStringAsync($"/api/v1/customers/{_kept}/duplicates")))
        {
            var match = Assert.Single(dupes.RootElement.EnumerateArray());
            Assert.Equal(_duplicate, match.GetProperty("id").GetInt32());
            Assert.Equal("Phone", match.GetProperty("reasons")[0].GetString());
            duplicateVersion = match.GetProperty("version").GetInt32();
        }

        int keptVersion;
        using (var kept = JsonDocument.Parse(await lan.GetStringAsync($"/api/v1/customers/{_kept}")))
        {
            keptVersion = kept.RootElement.GetProperty("version").GetInt32();
        }

        var request = new MergeApiRequest(_duplicate, Version: keptVersion, MergedVersion: duplicateVersion);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/customers/{_kept}/duplicates")).StatusCode);
        var hidden = await minh.PostAsJsonAsync($"/api/v1/customers/{_kept}/merge", request);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal("application/problem+json", hidden.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await lan.PostAsJsonAsync($"/api/v1/customers/{_kept}/merge", request with { Picks = ["Name"] })).StatusCode);
        // The versions read are required, as for an update, and must still be current.
        var unversioned = await lan.PostAsJsonAsync($"/api/v1/customers/{_kept}/merge", new MergeApiRequest(_duplicate, Version: keptVersion));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unversioned.StatusCode);
        Assert.Contains("mergedVersion", await unversioned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await lan.PostAsJsonAsync($"/api/v1/customers/{_kept}/merge", request with { MergedVersion = duplicateVersion - 1 })).StatusCode);

        var merged = await lan.PostAsJsonAsync($"/api/v1/customers/{_kept}/merge", request);
        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await lan.GetAsync($"/api/v1/customers/{_duplicate}")).StatusCode);
        var again = await lan.PostAsJsonAsync($"/api/v1/customers/{_kept}/merge", request);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("merged", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The webhook: about the survivor, naming the merged customer.
        string? payload = null;
        for (var i = 0; i < 150 && payload is null; i++)
        {
            await using var db = await _app.DbFactory.CreateDbContextAsync();
            payload = await db.WebhookDeliveries.Where(d => d.Event == "customer.merged").Select(d => d.Payload).FirstOrDefaultAsync();
            if (payload is null)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(payload);
        using (var body = JsonDocument.Parse(payload))
        {
            Assert.Equal(_kept, body.RootElement.GetProperty("customer").GetProperty("id").GetInt32());
            Assert.Equal(_duplicate, body.RootElement.GetProperty("merged").GetProperty("id").GetInt32());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await minh.PostAsJsonAsync($"/api/v1/customers/{_kept}/unmerge", new UnmergeApiRequest(MergedId: _duplicate))).StatusCode);
        // By the merged customer's own URL: its active merge, found through what the user may see.
        Assert.Equal(HttpStatusCode.NotFound, (await minh.PostAsJsonAsync($"/api/v1/customers/{_duplicate}/unmerge", new UnmergeApiRequest())).StatusCode);
        var undo = await lan.PostAsJsonAsync($"/api/v1/customers/{_duplicate}/unmerge", new UnmergeApiRequest());
        Assert.Equal(HttpStatusCode.OK, undo.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await lan.GetAsync($"/api/v1/customers/{_duplicate}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await lan.PostAsJsonAsync($"/api/v1/customers/{_kept}/unmerge", new UnmergeApiRequest(MergedId: _duplicate))).StatusCode);
    }
}
