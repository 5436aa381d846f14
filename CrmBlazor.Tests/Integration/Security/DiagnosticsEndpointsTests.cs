using System.Net;
using System.Text.Json;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CrmBlazor.Tests.Integration.Security;

/// <summary>
/// The benchmarks' diagnostics (a forced collection, the component census of open circuits) answer only where
/// Diagnostics:AllowCollect turns them on: anonymous, they must not exist in a deployed app (R7.4).
/// </summary>
public sealed class DiagnosticsEndpointsTests
{
    [Fact]
    public async Task Without_the_setting_no_diagnostics_answer_and_no_response_is_timed()
    {
        await using var app = new CrmAppFactory();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var census = await client.GetAsync("/health/components");
        Assert.NotEqual(HttpStatusCode.OK, census.StatusCode);
        Assert.DoesNotContain("\"circuits\"", await census.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var collect = await client.PostAsync("/health/collect", null);
        Assert.NotEqual(HttpStatusCode.OK, collect.StatusCode);
        var gc = await client.GetAsync("/health/gc");
        Assert.NotEqual(HttpStatusCode.OK, gc.StatusCode);
        Assert.DoesNotContain("allocatedBytes", await gc.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Nor does a response say how long the server worked on it.
        using var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(health.Headers.Contains("Server-Timing"));
    }
}

/// <summary>With the setting, the census reads the components an open circuit holds (through the renderer's private
/// state: this fails loudly when a framework update moves it, instead of the bench printing an empty table).</summary>
public sealed class CircuitCensusEndToEndTests() : BrowserAppTest(new Dictionary<string, string?> { ["Diagnostics:AllowCollect"] = "true" })
{
    [Fact]
    public async Task The_census_lists_the_customer_grid_a_signed_in_browser_has_open()
    {
        using var http = new HttpClient { BaseAddress = new Uri(App.ServerAddress) };
        using (var timed = await http.GetAsync("/health"))
        {
            Assert.Matches(@"^app;dur=\d+\.\d$", Assert.Single(timed.Headers.GetValues("Server-Timing")));
        }

        using (var empty = JsonDocument.Parse(await http.GetStringAsync("/health/components")))
        {
            Assert.Equal(0, empty.RootElement.GetProperty("circuits").GetInt32());
        }

        var page = await Browser.NewPageAsync(new() { Locale = "vi-VN" });
        await Chromium.SignInAsync(page, App.ServerAddress, CrmBlazor.Data.Seeding.DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await page.GotoAsync(App.ServerAddress + "/customers");
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("customer-grid")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = 30_000 });

        using var census = JsonDocument.Parse(await http.GetStringAsync("/health/components"));
        using (var gc = JsonDocument.Parse(await http.GetStringAsync("/health/gc")))
        {
            // Rendering the grid allocated, and what the bench subtracts is there.
            Assert.True(gc.RootElement.GetProperty("allocatedBytes").GetInt64() > 0);
            Assert.True(gc.RootElement.GetProperty("pauseMs").GetDouble() >= 0);
        }

        Assert.Equal(1, census.RootElement.GetProperty("circuits").GetInt32());
        var grid = census.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("type").GetString() == "CustomersPage");
        Assert.Equal(1, grid.GetProperty("count").GetInt32());
        Assert.True(grid.GetProperty("frames").GetInt64() >= grid.GetProperty("used").GetInt64());
        Assert.True(grid.GetProperty("used").GetInt64() > 0);
    }
}
