using System.Globalization;
using CrmBlazor.Features.Import;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>An import or undo that stops with a domain error speaks the user's language (UI text in vi-VN and en), not
/// the English message the service carries for logs and the API.</summary>
public sealed class ImportErrorTextTests
{
    private static readonly IStringLocalizer<ImportText> T =
        new StringLocalizer<ImportText>(new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance));

    [Theory]
    [InlineData("import.name-unmapped", "Hãy ghép một cột với tên khách hàng.")]
    [InlineData("import.owner-inactive", "Một người dùng được chọn để chia khách hàng không còn hoạt động. Hãy quay lại bước tùy chọn và chọn lại.")]
    [InlineData("import.changed-meanwhile", "Có người vừa sửa một trong các khách hàng này nên chưa có gì được ghi. Hãy chạy lại.")]
    [InlineData("import.undo-closed", "Không thể hoàn tác lần nhập này nữa: đã được hoàn tác hoặc đã quá 30 ngày.")]
    [InlineData("import.undo-denied", "Chỉ người đã nhập hoặc quản trị người dùng mới có thể hoàn tác lần nhập.")]
    [InlineData("import.failed", "Nhập dữ liệu thất bại; không có gì được ghi.")]
    [InlineData("import.custom-field-unknown", "Một cột được ghép với trường tùy chỉnh vừa bị xóa. Hãy ghép lại các cột.")]
    public void Each_import_error_code_has_its_Vietnamese_text(string code, string vietnamese)
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
            Assert.Equal(vietnamese, ImportFeature.ErrorText(T, code, "English message"));
            CultureInfo.CurrentUICulture = new CultureInfo("en");
            Assert.NotEqual("English message", ImportFeature.ErrorText(T, code, "English message"));
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void An_unknown_code_keeps_the_services_message() =>
        Assert.Equal("Something else.", ImportFeature.ErrorText(T, "other.code", "Something else."));
}
