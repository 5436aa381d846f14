using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Api;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>Issue 20: on Kestrel a JSON body over the API's limit is refused with 413 before the endpoint reads it.</summary>
public sealed class ApiBodyLimitTests
{
    [Fact]
    public async Task A_json_body_over_the_limit_is_refused_with_413_and_one_under_it_is_read()
    {
        await using var app = new CrmAppFactory(kestrel: true);
        app.StartServer();
        var lan = await app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault);
        var customer = await app.CreateCustomerAsync("Khách của Lan", "0912000001", lan);
        string token;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            token = await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync((await CurrentUser.LoadAsync(app.DbFactory, lan))!, "limit");
        }

        using var http = new HttpClient { BaseAddress = new Uri(app.ServerAddress) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge,
            await StatusAsync(http, "/api/v1/customers", new { name = "Quá lớn", phone = "0912000091", address = new string('a', ApiEndpoints.JsonBodyLimitBytes + 1) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge,
            await StatusAsync(http, $"/api/v1/customers/{customer}/comments", new { body = new string('b', 2 * ApiEndpoints.JsonBodyLimitBytes) }));

        // Under the limit the endpoint reads the body and answers for itself (here: the address is over its field limit).
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            await StatusAsync(http, "/api/v1/customers", new { name = "Vừa", phone = "0912000092", address = new string('a', 10_000) }));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path, object body)
    {
        try
        {
            return (await http.PostAsJsonAsync(path, body)).StatusCode;
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still sending: refused all the same.
            return HttpStatusCode.RequestEntityTooLarge;
        }
    }
}
