using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;

namespace CrmBlazor.Tests.Domain;

/// <summary>Row rules of the spreadsheet import (R3.3, R3.4, R3.5), table-driven, without a database.</summary>
public sealed class ImportRowRulesTests
{
    private static readonly ImportField[] Mapping =
    [
        ImportField.Code, ImportField.Name, ImportField.Phone, ImportField.Email, ImportField.Birthday, ImportField.Gender,
        ImportField.Source, ImportField.Groups, ImportField.Relationship, ImportField.Owner, ImportField.ContactName, ImportField.ContactPhone,
    ];

    private static ImportLookups Lookups() => new ImportLookups(defaultRelationshipId: 1)
        .AddRelationship(1, "Khách hàng mới").AddRelationship(2, "Đã mua hàng")
        .AddSource(10, "Website").AddSource(11, "Giới thiệu")
        .AddGroup(20, "VIP").AddGroup(21, "Đại lý cấp 1")
        .AddOwner("u-lan", "lan.nguyen");

    private static ParsedRow Row(params object?[] cells) => ImportRowParser.Parse(2, cells, Mapping, Lookups());

    private static object?[] Cells(string? phone = "0912345678", string? email = null, object? birthday = null, string? gender = null,
        string? source = null, string? groups = null, string? relationship = null, string? owner = null, string? name = "Nguyễn Văn A", string? code = null) =>
        [code, name, phone, email, birthday, gender, source, groups, relationship, owner, null, null];

    [Theory]
    [InlineData("0912345678")]
    [InlineData("0912 345 678")]
    [InlineData("091.234.5678")]
    [InlineData("84912345678")]
    [InlineData("+84 912 345 678")]
    [InlineData("(+84) 912-345-678")]
    [InlineData("0084912345678")]
    public void Phones_in_any_written_form_become_one_form(string written)
    {
        var row = Row(Cells(phone: written));
        Assert.True(row.IsValid, string.Join(",", row.Errors));
        Assert.Equal("+84912345678", row.Phone);
    }

    [Fact]
    public void A_phone_stored_as_an_Excel_number_keeps_its_digits()
    {
        var row = Row(Cells(phone: null) is var c ? Replace(c, 2, 912345678d) : c);
        Assert.Equal("+84912345678", row.Phone);
        Assert.Equal("+84912345678", Row(Replace(Cells(phone: null), 2, 84912345678d)).Phone);
    }

    [Theory]
    [InlineData("12345", "12345")]
    [InlineData("0912-abc", "0912-abc")]
    public void An_invalid_phone_fails_naming_the_value(string written, string named)
    {
        var row = Row(Cells(phone: written));
        var error = Assert.Single(row.Errors);
        Assert.Equal(ImportErrorCodes.PhoneInvalid, error.Code);
        Assert.Equal(named, error.Value);
    }

    [Theory]
    [InlineData("Nữ", Gender.Female)]
    [InlineData("nu", Gender.Female)]
    [InlineData("NU", Gender.Female)]
    [InlineData("Female", Gender.Female)]
    [InlineData("Nam", Gender.Male)]
    [InlineData("male", Gender.Male)]
    [InlineData("", Gender.Unknown)]
    public void Gender_words_in_both_languages(string word, Gender expected)
    {
        var row = Row(Cells(gender: word));
        Assert.True(row.IsValid);
        Assert.Equal(expected, row.Details!.Gender);
    }

    [Fact]
    public void An_unknown_gender_word_fails()
    {
        var row = Row(Cells(gender: "Bê đê"));
        Assert.Equal(ImportErrorCodes.GenderInvalid, Assert.Single(row.Errors).Code);
    }

    public static TheoryData<object, DateOnly> Dates => new()
    {
        { "05/03/2024", new DateOnly(2024, 3, 5) },
        { "5/3/2024", new DateOnly(2024, 3, 5) },
        { "31/12/1990", new DateOnly(1990, 12, 31) },
        { "2024-03-05", new DateOnly(2024, 3, 5) },
        { new DateTime(2024, 3, 5), new DateOnly(2024, 3, 5) },
        { 45356d, new DateOnly(2024, 3, 5) },
    };

    [Theory]
    [MemberData(nameof(Dates))]
    public void Dates_are_day_first_text_or_real_date_cells(object cell, DateOnly expected)
    {
        var row = Row(Cells(birthday: cell));
        Assert.True(row.IsValid, string.Join(",", row.Errors));
        Assert.Equal(expected, row.Details!.Birthday);
    }

    [Theory]
    [InlineData("13/13/2024")]
    [InlineData("05/03/24")]
    [InlineData("March 5")]
    public void Invalid_dates_fail_naming_the_value(string text)
    {
        var error = Assert.Single(Row(Cells(birthday: text)).Errors);
        Assert.Equal(ImportErrorCodes.DateInvalid, error.Code);
        Assert.Equal(text, error.Value);
    }

    [Theory]
    [InlineData("31/02/2024")]
    [InlineData("29/02/2023")]
    [InlineData("31-04-2024")]
    [InlineData("2023-02-29")]
    public void A_date_written_right_that_does_not_exist_says_so(string text)
    {
        var error = Assert.Single(Row(Cells(birthday: text)).Errors);
        Assert.Equal((ImportErrorCodes.DateNotExist, text), (error.Code, error.Value));
    }

    [Theory]
    [InlineData("An@Example.COM", true)]
    [InlineData("a.b@c.vn", true)]
    [InlineData("not-an-email", false)]
    [InlineData("a@b", false)]
    [InlineData("A <a@b.com>", false)]
    public void Emails_are_validated(string email, bool valid)
    {
        var row = Row(Cells(phone: null, email: email));
        Assert.Equal(valid, row.IsValid);
        if (valid)
        {
            Assert.Equal(email.ToLowerInvariant(), row.Email);
        }
        else
        {
            Assert.Equal(ImportErrorCodes.EmailInvalid, Assert.Single(row.Errors).Code);
        }
    }

    [Fact]
    public void Groups_are_comma_separated_and_folded()
    {
        var row = Row(Cells(groups: "vip, dai ly cap 1"));
        Assert.True(row.IsValid);
        Assert.Equal([20, 21], row.GroupIds!);
    }

    [Theory]
    [InlineData(ImportField.Groups, "VIP, Khách sỉ", ImportErrorCodes.GroupUnknown, "Khách sỉ")]
    [InlineData(ImportField.Source, "Facebook", ImportErrorCodes.SourceUnknown, "Facebook")]
    [InlineData(ImportField.Relationship, "Đang chăm sóc", ImportErrorCodes.RelationshipUnknown, "Đang chăm sóc")]
    [InlineData(ImportField.Owner, "khong.co", ImportErrorCodes.OwnerUnknown, "khong.co")]
    public void Names_that_do_not_exist_fail_naming_the_value(ImportField field, string value, string code, string named)
    {
        var cells = field switch
        {
            ImportField.Groups => Cells(groups: value),
            ImportField.Source => Cells(source: value),
            ImportField.Relationship => Cells(relationship: value),
            _ => Cells(owner: value),
        };
        var error = Assert.Single(Row(cells).Errors);
        Assert.Equal(code, error.Code);
        Assert.Equal(named, error.Value);
    }

    [Fact]
    public void Names_match_without_case_or_diacritics()
    {
        var row = Row(Cells(source: "GIOI THIEU", relationship: "da mua hang", owner: "LAN.NGUYEN"));
        Assert.True(row.IsValid);
        Assert.Equal(11, row.Details!.SourceId);
        Assert.Equal(2, row.RelationshipId);
        Assert.Equal("u-lan", row.OwnerId);
    }

    [Fact]
    public void A_blank_relationship_is_left_to_the_first_relationship()
    {
        var row = Row(Cells(relationship: "  "));
        Assert.True(row.IsValid);
        Assert.Null(row.RelationshipId);
        Assert.Equal(1, Lookups().DefaultRelationshipId);
    }

    [Theory]
    [InlineData(null, "0912345678", null, ImportErrorCodes.NameRequired)]
    [InlineData("Tên", null, null, ImportErrorCodes.PhoneOrEmailRequired)]
    public void Name_and_phone_or_email_are_required(string? name, string? phone, string? email, string code)
    {
        var row = Row(Cells(name: name, phone: phone, email: email));
        // Phone or e-mail is the planner's to require: an overwrite by code needs neither (R2.6c).
        ImportPlanner.Plan([row], new ExistingCustomers(), new ImportOptions { OverwriteByCode = true });
        Assert.Contains(row.Errors, e => e.Code == code);
    }

    [Fact]
    public void Text_that_looks_like_a_formula_stays_text()
    {
        var row = Row(Cells(name: "=HYPERLINK(\"http://x\",\"y\")"));
        Assert.True(row.IsValid);
        Assert.Equal("=HYPERLINK(\"http://x\",\"y\")", row.Details!.Name);
    }

    [Fact]
    public void A_row_with_only_contact_columns_is_a_continuation_row()
    {
        var row = Row(null, null, null, null, null, null, null, null, null, null, "Trần Thị B", "0987654321");
        Assert.Equal(ImportRowKind.ContactOnly, row.Kind);
        Assert.Equal("Trần Thị B", row.Contact!.Name);
        Assert.Equal("+84987654321", row.Contact.Phone);
        Assert.Equal(ImportRowKind.Blank, Row(new object?[12]).Kind);
    }

    [Theory]
    [InlineData("Tên khách hàng", ImportField.Name)]
    [InlineData("ten khach hang", ImportField.Name)]
    [InlineData("Họ và tên", ImportField.Name)]
    [InlineData("Customer name", ImportField.Name)]
    [InlineData("Số điện thoại", ImportField.Phone)]
    [InlineData("SDT", ImportField.Phone)]
    [InlineData("Phone", ImportField.Phone)]
    [InlineData("E-mail", ImportField.Email)]
    [InlineData("Ngày sinh", ImportField.Birthday)]
    [InlineData("gioi tinh", ImportField.Gender)]
    [InlineData("Nguồn", ImportField.Source)]
    [InlineData("Nhóm khách hàng", ImportField.Groups)]
    [InlineData("MOI QUAN HE", ImportField.Relationship)]
    [InlineData("Người phụ trách", ImportField.Owner)]
    [InlineData("Owner", ImportField.Owner)]
    [InlineData("Tỉnh/Thành phố", ImportField.Province)]
    [InlineData("Tên người liên hệ", ImportField.ContactName)]
    [InlineData("Màu yêu thích", ImportField.Skip)]
    public void Headers_are_proposed_from_Vietnamese_with_or_without_diacritics_or_English(string header, ImportField expected) =>
        Assert.Equal(expected, ImportFields.Propose(header));

    private static ParsedRow Rows(IReadOnlyList<ParsedRow> rows, int i) => rows[i];

    private static object?[] Replace(object?[] cells, int index, object? value)
    {
        cells[index] = value;
        return cells;
    }

    // --- Planner (R3.4, R3.5): decisions before anything is written. ---

    private static List<ParsedRow> Parse(params object?[][] rows) =>
        rows.Select((r, i) => ImportRowParser.Parse(i + 2, r, Mapping, Lookups())).ToList();

    public static TheoryData<bool, bool, ImportAction, ImportAction> OptionMatrix => new()
    {
        // overwrite by code, update by phone/email → action for a code match, action for a phone match
        { false, false, ImportAction.Skip, ImportAction.Skip },
        { true, false, ImportAction.Update, ImportAction.Skip },
        { false, true, ImportAction.Skip, ImportAction.Update },
        { true, true, ImportAction.Update, ImportAction.Update },
    };

    [Theory]
    [MemberData(nameof(OptionMatrix))]
    public void Existing_customers_are_overwritten_updated_or_skipped_by_the_options(bool overwrite, bool update, ImportAction byCode, ImportAction byPhone)
    {
        var existing = new ExistingCustomers();
        existing.ByCode["KH-01"] = new ExistingCustomer(7, true);
        existing.ByPhone["+84911111111"] = new ExistingCustomer(8, true);
        var rows = Parse(Cells(code: "KH-01", phone: "0900000000"), Cells(phone: "0911 111 111"), Cells(phone: "0922222222"));
        var d = ImportPlanner.Plan(rows, existing, new ImportOptions { OverwriteByCode = overwrite, UpdateExisting = update });
        Assert.Equal(byCode, d[0].Action);
        Assert.Equal(byPhone, d[1].Action);
        Assert.Equal(ImportAction.Create, d[2].Action);
        if (byCode == ImportAction.Update)
        {
            Assert.Equal(7, d[0].ExistingId);
        }
    }

    [Theory]
    [InlineData(false, ImportAction.Skip)]
    [InlineData(true, ImportAction.Update)]
    public void Duplicates_inside_the_file_are_treated_like_duplicates_in_the_database(bool update, ImportAction second)
    {
        var rows = Parse(Cells(phone: "0912345678"), Cells(phone: "+84 912 345 678", name: "Tên khác"), Cells(phone: null, email: "x@y.vn"),
            Cells(phone: "0933333333", email: "X@Y.VN"));
        var d = ImportPlanner.Plan(rows, new ExistingCustomers(), new ImportOptions { UpdateExisting = update });
        Assert.Equal(ImportAction.Create, d[0].Action);
        Assert.Equal(second, d[1].Action);
        Assert.Equal(2, d[1].DuplicateOfRow);
        Assert.Equal(second, d[3].Action);
        if (update)
        {
            Assert.Equal(0, d[1].TargetIndex);
            Assert.Equal(2, d[3].TargetIndex);
        }
    }

    [Fact]
    public void Continuation_rows_add_contacts_to_the_customer_above_and_follow_its_fate()
    {
        object?[] Contact(string name) => [null, null, null, null, null, null, null, null, null, null, name, null];
        var existing = new ExistingCustomers();
        existing.ByPhone["+84911111111"] = new ExistingCustomer(8, true);
        var rows = Parse(Contact("Mồ côi"), Cells(), Contact("Liên hệ 2"), Contact("Liên hệ 3"), Cells(phone: "0911111111"), Contact("Bị bỏ qua"),
            Cells(phone: "bad"), Contact("Theo dòng lỗi"));
        var d = ImportPlanner.Plan(rows, existing, new ImportOptions());
        Assert.Equal(ImportAction.Fail, d[0].Action);
        Assert.Equal(ImportErrorCodes.NoCustomerAbove, rows[0].Errors.Single().Code);
        Assert.Equal(ImportAction.AddContact, d[2].Action);
        Assert.Equal(1, d[2].TargetIndex);
        Assert.Equal(ImportAction.AddContact, d[3].Action);
        Assert.Equal(ImportAction.Skip, d[4].Action);
        Assert.Equal(ImportAction.Skip, d[5].Action);
        Assert.Equal(ImportSkipReasons.CustomerAboveSkipped, d[5].SkipReason);
        Assert.Equal(ImportAction.Fail, d[6].Action);
        Assert.Equal(ImportAction.Fail, d[7].Action);
        Assert.Equal(ImportErrorCodes.CustomerAboveFailed, Rows(rows, 7).Errors.Single().Code);
    }

    [Fact]
    public void A_match_the_user_may_not_edit_fails_and_a_code_of_the_generated_form_from_another_system_creates()
    {
        var existing = new ExistingCustomers();
        existing.ByPhone["+84911111111"] = new ExistingCustomer(8, Editable: false);
        var rows = Parse(Cells(phone: "0911111111"), Cells(code: "KH000123", phone: "0922222222"));
        var d = ImportPlanner.Plan(rows, existing, new ImportOptions { UpdateExisting = true });
        Assert.Equal(ImportAction.Fail, d[0].Action);
        Assert.Equal(ImportErrorCodes.NotEditable, rows[0].Errors.Single().Code);

        // A match the user may not even see fails without naming anything of it (issue 20).
        var hidden = new ExistingCustomers();
        hidden.ByPhone["+84911111111"] = new ExistingCustomer(9, Editable: false, Visible: false);
        var hiddenRows = Parse(Cells(phone: "0911111111"));
        Assert.Equal(ImportAction.Fail, ImportPlanner.Plan(hiddenRows, hidden, new ImportOptions { UpdateExisting = true })[0].Action);
        Assert.Equal((ImportErrorCodes.NotVisible, null), (hiddenRows[0].Errors.Single().Code, hiddenRows[0].Errors.Single().Value));
        // Issue 21: "KH000123" from the old system is kept when no customer holds it.
        Assert.Equal(ImportAction.Create, d[1].Action);
        Assert.Empty(rows[1].Errors);
        Assert.Equal("KH000123", rows[1].Code);
    }

    [Fact]
    public void Repeated_country_province_district_and_industry_values_share_one_string_and_keep_their_text()
    {
        ImportField[] mapping = [ImportField.Name, ImportField.Phone, ImportField.Country, ImportField.Province, ImportField.District, ImportField.Industry];
        var lookups = Lookups();
        // Cells arrive as fresh strings per row (the sheet decodes each row anew).
        object?[] Cells(int i) => [$"Khách {i}", $"09123456{i:D2}", new string("Việt Nam"), new string("Hà Nội"), new string("Quận 1"), new string("Bán lẻ")];
        var first = ImportRowParser.Parse(2, Cells(1), mapping, lookups).Details!;
        var second = ImportRowParser.Parse(3, Cells(2), mapping, lookups).Details!;
        Assert.Equal(("Việt Nam", "Hà Nội", "Quận 1", "Bán lẻ"), (second.Country, second.Province, second.District, second.Industry));
        Assert.Same(first.Country, second.Country);
        Assert.Same(first.Province, second.Province);
        Assert.Same(first.District, second.District);
        Assert.Same(first.Industry, second.Industry);
        Assert.NotSame(first.Name, second.Name);

        // A column of unique values stops being remembered at the capacity: values are still returned as they are.
        for (var i = 0; i < ImportLookups.SharedCapacity + 10; i++)
        {
            Assert.Equal($"v{i}", lookups.Shared($"v{i}"));
        }

        var late = new string("late value");
        Assert.Same(late, lookups.Shared(late));
        Assert.NotSame(lookups.Shared(new string("late value")), late);
    }
}
