using System.Globalization;
using Bunit;
using CrmBlazor.Features.CustomerDetail;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CrmBlazor.Tests.Components.Customers;

/// <summary>Erase on request's dialog (#26), in Vietnamese: it names the customer, says backups are not erased here, and
/// erases only with a reason, which it returns trimmed.</summary>
public sealed class EraseCustomerDialogTests : MudTestContext, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public EraseCustomerDialogTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    [Fact]
    public async Task Erase_needs_a_reason_tells_about_backups_and_returns_the_reason()
    {
        var dialogs = Render<MudDialogProvider>();
        var service = Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<EraseCustomerDialog> { { d => d.CustomerName, "Đặng Văn Đức" } };
        var reference = await dialogs.InvokeAsync(() => service.ShowAsync<EraseCustomerDialog>("Xóa theo yêu cầu", parameters));
        dialogs.WaitForAssertion(() => Assert.Contains("Xóa hẳn Đặng Văn Đức ngay bây giờ", dialogs.Markup, StringComparison.Ordinal), Wait);
        Assert.Contains("bản sao lưu trong thư mục backups/", dialogs.Markup, StringComparison.Ordinal);

        AngleSharp.Dom.IElement Erase() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Xóa hẳn");
        Assert.True(Erase().HasAttribute("disabled"));
        await dialogs.Find("textarea").InputAsync(new ChangeEventArgs { Value = "  Khách gửi thư yêu cầu xóa  " });
        dialogs.WaitForAssertion(() => Assert.False(Erase().HasAttribute("disabled")), Wait);
        await Erase().ClickAsync(new MouseEventArgs());

        var result = await reference.Result.WaitAsync(Wait);
        Assert.False(result!.Canceled);
        Assert.Equal("Khách gửi thư yêu cầu xóa", result.Data);
    }
}
