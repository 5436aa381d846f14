using System.Globalization;
using Bunit;
using CrmBlazor.Features.Api;
using CrmBlazor.Tests.TestSupport;

namespace CrmBlazor.Tests.Components.Api;

/// <summary>The API help page explains the import flow with curl examples, in the user's language.</summary>
public sealed class ApiHelpPageTests : MudTestContext
{
    [Theory]
    [InlineData("vi-VN", "Nhập dữ liệu từ bảng tính", "Tải các dòng lỗi: các cột gốc cùng cột \"Lỗi / Error\"")]
    [InlineData("en", "Import a spreadsheet", "Download the failed rows: the original columns plus \"Lỗi / Error\"")]
    public void The_import_flow_is_shown_with_curl_examples(string culture, string heading, string lastStep)
    {
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            var page = Render<ApiHelpPage>();
            Assert.Contains(page.FindAll("h2"), h => h.TextContent == heading);
            var steps = page.Find("[data-testid=import-steps]").QuerySelectorAll("li");
            Assert.Equal(4, steps.Length);
            Assert.Contains("-F \"file=@khach-hang.xlsx\"", steps[0].TextContent, StringComparison.Ordinal);
            Assert.Contains("api/v1/imports/{id}/check", steps[1].TextContent, StringComparison.Ordinal);
            Assert.Contains("api/v1/imports/{id}/job", steps[2].TextContent, StringComparison.Ordinal);
            Assert.Contains(lastStep, steps[3].TextContent, StringComparison.Ordinal);
            Assert.Contains("createdFrom=2025-01-31", page.Markup, StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
