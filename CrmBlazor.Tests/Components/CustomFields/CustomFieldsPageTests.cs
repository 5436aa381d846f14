using System.Globalization;
using System.Security.Claims;
using Bunit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.CustomFields;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Components.CustomFields;

/// <summary>R1.3: the settings page says why a built-in field's name cannot be a custom field's, in the user's language.</summary>
public sealed class CustomFieldsPageTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase _db = null!;

    public CustomFieldsPageTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var admins = await _db.AddPermissionGroupAsync("Quản trị", Rights.All);
        var admin = await _db.AddUserAsync("boss", "Trần Quản Trị", root.Id, admins.Id);
        Services.AddSingleton(_db.Factory);
        Services.AddScoped<CustomFieldService>();
        Services.AddScoped<CurrentUser>();
        var auth = AddAuthorization();
        auth.SetAuthorized("boss");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, admin.Id));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Theory]
    [InlineData("Điện thoại", "“Điện thoại” là tên của một trường có sẵn của khách hàng (Điện thoại). Hãy đặt tên khác cho trường tùy chỉnh.")]
    [InlineData("Tax code", "“Tax code” là tên của một trường có sẵn của khách hàng (Mã số thuế). Hãy đặt tên khác cho trường tùy chỉnh.")]
    public void A_built_in_fields_name_is_refused_with_a_message_that_names_it(string name, string message)
    {
        var cut = Render<CustomFieldsPage>();
        cut.WaitForAssertion(() => Assert.Contains("Chưa có trường tùy chỉnh nào", cut.Markup, StringComparison.Ordinal));
        cut.Find("input").Change(name);
        cut.FindAll("button").Single(b => b.TextContent.Contains("Thêm trường", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.Equal(message, cut.Find("[data-testid=field-error]").TextContent.Trim()));
        using var db = _db.Factory.CreateDbContext();
        Assert.Equal(0, db.CustomFields.Count());
    }

    [Fact]
    public void Another_name_is_added_and_listed()
    {
        var cut = Render<CustomFieldsPage>();
        cut.WaitForAssertion(() => Assert.Contains("Chưa có trường tùy chỉnh nào", cut.Markup, StringComparison.Ordinal));
        cut.Find("input").Change("Hạng thẻ");
        cut.FindAll("button").Single(b => b.TextContent.Contains("Thêm trường", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.Contains("Hạng thẻ", cut.Find("table").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=field-error]"));
        using var db = _db.Factory.CreateDbContext();
        Assert.Equal("Hạng thẻ", db.CustomFields.Single().Name);
    }
}
