using System.Globalization;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Features.CustomerDetail;

namespace CrmBlazor.Tests.Domain;

/// <summary>R1.3: a custom field may not take a built-in field's name; values are shown in the reader's culture.</summary>
public class CustomFieldNameTests
{
    [Theory]
    [InlineData("Tên", "Tên")]
    [InlineData("Điện thoại", "Điện thoại")]
    [InlineData("dien thoai", "Điện thoại")]
    [InlineData("  ĐIỆN THOẠI ", "Điện thoại")]
    [InlineData("Phone", "Điện thoại")]
    [InlineData("Email", "Email")]
    [InlineData("Địa chỉ", "Địa chỉ")]
    [InlineData("Address", "Địa chỉ")]
    [InlineData("Ngày sinh", "Ngày sinh")]
    [InlineData("Birthday", "Ngày sinh")]
    [InlineData("Giới tính", "Giới tính")]
    [InlineData("Gender", "Giới tính")]
    [InlineData("Mã số thuế", "Mã số thuế")]
    [InlineData("Tax code", "Mã số thuế")]
    [InlineData("Nguồn", "Nguồn")]
    [InlineData("Source", "Nguồn khách hàng")]
    [InlineData("Mối quan hệ", "Mối quan hệ")]
    [InlineData("Relationship", "Mối quan hệ")]
    [InlineData("Người phụ trách", "Người phụ trách")]
    [InlineData("Owner", "Người phụ trách")]
    [InlineData("Mã", "Mã")]
    [InlineData("Mã khách hàng", "Mã khách hàng")]
    [InlineData("Customer code", "Mã khách hàng")]
    [InlineData("Ngày tạo", "Ngày tạo")]
    public void A_built_in_fields_name_is_refused_with_the_field_it_names(string name, string builtIn)
    {
        Assert.Equal(builtIn, BuiltInFieldNames.Match(name));
        var ex = Assert.Throws<DomainException>(() => new CustomFieldDefinition(name, CustomFieldKind.Text));
        Assert.Equal(CustomFieldCodes.NameReserved, ex.Code);
        Assert.Contains(builtIn, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hạng thẻ")]
    [InlineData("Ngày ký hợp đồng")]
    [InlineData("Doanh số năm")]
    [InlineData("Tên công ty mẹ")]
    public void Other_names_are_free(string name)
    {
        Assert.Null(BuiltInFieldNames.Match(name));
        Assert.Equal(name, new CustomFieldDefinition(name, CustomFieldKind.Text).Name);
    }

    [Fact]
    public void A_rename_to_a_built_in_name_is_refused_and_keeps_the_old_name()
    {
        var field = new CustomFieldDefinition("Hạng thẻ", CustomFieldKind.Choice, ["Vàng"]);
        Assert.Equal(CustomFieldCodes.NameReserved, Assert.Throws<DomainException>(() => field.Rename("Nguồn", ["Vàng"])).Code);
        Assert.Equal("Hạng thẻ", field.Name);
    }

    [Theory]
    [InlineData("vi-VN", CustomFieldKind.Number, "1234567.5", "1.234.567,5")]
    [InlineData("en", CustomFieldKind.Number, "1234567.5", "1,234,567.5")]
    [InlineData("vi-VN", CustomFieldKind.Number, "-42", "-42")]
    [InlineData("vi-VN", CustomFieldKind.Date, "31/01/2025", "31/01/2025")]
    [InlineData("en", CustomFieldKind.Date, "31/01/2025", "31/01/2025")]
    [InlineData("en", CustomFieldKind.Choice, "Vàng", "Vàng")]
    public void Values_are_shown_in_the_readers_culture(string culture, CustomFieldKind kind, string stored, string shown)
    {
        var view = new CustomFieldValueView(1, "F", kind, stored);
        Assert.Equal(shown, view.Display(new CultureInfo(culture)));
        Assert.Equal(kind.ToString().ToLowerInvariant(), view.KindName);
    }
}
