using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Customers;
using static CrmBlazor.Domain.Importing.ImportField;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// Every header of the files a team brings gets the right proposal (issue 21): Getfly's customer and contact fields
/// (seed 003, "Các trường thông tin cần nhập"), the columns GAPONE's import guide names (seed 004), and our own export.
/// Through the service, the path the page and the API share.
/// </summary>
public sealed class ImportHeaderProposalTests
{
    /// <summary>Seed 003: customer, contact and further information fields, in its words. The referrer has no import column (Skip).</summary>
    public static TheoryData<string, ImportField> Getfly => new()
    {
        { "Mã khách hàng", Code }, { "Tên khách hàng", Name }, { "Số điện thoại", Phone }, { "Email", Email }, { "Địa chỉ", Address },
        { "Ngày sinh", Birthday }, { "Giới tính", Gender }, { "Mã số thuế", TaxCode }, { "Tỉnh/Thành phố", Province }, { "Quận huyện", District },
        { "Quốc gia", Country }, { "Danh xưng liên hệ", ContactSalutation }, { "Tên liên hệ", ContactName }, { "Điện thoại liên hệ", ContactPhone },
        { "Email liên hệ", ContactEmail }, { "Sinh nhật liên hệ", ContactBirthday }, { "Giới tính liên hệ", ContactGender },
        { "Ghi chú liên hệ", ContactNote }, { "Người giới thiệu", Skip }, { "Ngành kinh doanh", Industry }, { "Mối quan hệ", Relationship },
        { "Nguồn khách hàng", Source }, { "Nhóm khách hàng", Groups }, { "Người phụ trách", Owner },
    };

    /// <summary>Seed 004 names the columns it checks: phone, e-mail, gender, dates; with the name and the lists a GAPONE file carries.</summary>
    public static TheoryData<string, ImportField> Gapone => new()
    {
        { "Họ và tên", Name }, { "Số điện thoại", Phone }, { "Email", Email }, { "Giới tính", Gender }, { "Ngày sinh", Birthday },
        { "Địa chỉ", Address }, { "Nhóm khách hàng", Groups }, { "Nguồn khách hàng", Source }, { "Ghi chú", ContactNote },
    };

    [Theory]
    [MemberData(nameof(Getfly))]
    public Task Each_Getfly_header_is_proposed(string header, ImportField field) => AssertProposed([header], [field]);

    [Theory]
    [MemberData(nameof(Gapone))]
    public Task Each_GAPONE_header_is_proposed(string header, ImportField field) => AssertProposed([header], [field]);

    [Fact]
    public async Task The_whole_Getfly_list_at_once_maps_every_importable_column_once()
    {
        var headers = Getfly.Select(r => (string)r[0]).ToList();
        await AssertProposed(headers, Getfly.Select(r => (ImportField)r[1]).ToList());
    }

    [Fact]
    public Task Our_own_export_maps_back_to_the_fields_it_came_from() =>
        // Created and last contact are computed, not imported.
        AssertProposed(CustomerService.ExportHeaders,
            [Code, Name, Phone, Email, Address, Birthday, Gender, Relationship, Source, Owner, Skip, Skip]);

    private static async Task AssertProposed(IReadOnlyList<string> headers, IReadOnlyList<ImportField> expected)
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var proposed = await w.Service.ProposeMappingAsync(w.Sales, headers);
        Assert.Equal(expected, proposed);
    }
}
