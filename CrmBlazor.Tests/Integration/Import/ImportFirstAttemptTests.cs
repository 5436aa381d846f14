using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Import;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// What a team leaving Getfly or GAPONE meets on its first import (issue 21): unknown stage values mapped before
/// anything is written, failed originals that no duplicate or contact row stands in for, phone and e-mail naming two
/// customers, the primary contact (R3.4), "change stage by upload" (R2.6c), pre-2018 phones and impossible dates.
/// </summary>
public sealed class ImportFirstAttemptTests
{
    private static async Task<(ImportSheet Sheet, ImportField[] Mapping)> SheetAsync(ImportTestWorld w, UserAccess user, byte[] bytes)
    {
        var sheet = w.Service.ReadFile(user, "getfly.xlsx", bytes);
        return (sheet, await w.Service.ProposeMappingAsync(user, sheet.Headers));
    }

    private static Dictionary<string, object?> Customer(string? name, string? phone, string? stage = null, string? source = null, string? contact = null,
        string? email = null, string? code = null) =>
        Row(("Mã khách hàng", code), ("Tên khách hàng", name), ("Số điện thoại", phone), ("Email", email), ("Mối quan hệ", stage), ("Nguồn khách hàng", source),
            ("Tên liên hệ", contact));

    [Fact]
    public async Task Unknown_stage_and_source_values_are_listed_with_row_counts_and_a_mapping_makes_their_rows_import()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var (sheet, mapping) = await SheetAsync(w, w.Admin, Xlsx(
        [
            Customer("An", "0912000001", "Tiềm năng"),
            Customer("Bình", "0912000002", "tiem nang", "Hội chợ"),
            Customer("Chi", "0912000003", "Đã mua hàng"),
            Customer(null, null, contact: "Vợ anh Bình"),
        ]));

        var check = await w.Service.CheckAsync(w.Admin, sheet, mapping, new ImportOptions());
        Assert.Equal((1, 2), (check.Create, check.Fail));
        Assert.Equal([new ImportUnknownValue(ImportValueKind.Relationship, "Tiềm năng", 2), new ImportUnknownValue(ImportValueKind.Source, "Hội chợ", 1)],
            check.UnknownValues);

        var before = await w.FingerprintAsync();
        var options = new ImportOptions
        {
            ValueMappings = [new(ImportValueKind.Relationship, "Tiềm năng", "Khách hàng mới"), new(ImportValueKind.Source, "hoi cho", "Website")],
        };
        var mapped = await w.Service.CheckAsync(w.Admin, sheet, mapping, options);
        Assert.Equal((3, 0, 1), (mapped.Create, mapped.Fail, mapped.ContactsAdded));
        Assert.Empty(mapped.UnknownValues);
        Assert.Equal(before, await w.FingerprintAsync()); // mapping writes nothing

        await w.Service.ImportAsync(w.Admin, sheet, mapping, options);
        await using var db = await w.Db.Factory.CreateDbContextAsync();
        var binh = await db.Customers.SingleAsync(c => c.Name == "Bình");
        Assert.Equal(w.DefaultRelationship, binh.RelationshipId);
        Assert.Equal("Website", await db.Sources.Where(s => s.Id == binh.SourceId).Select(s => s.Name).SingleAsync());
    }

    [Fact]
    public async Task A_later_duplicate_or_a_contact_row_never_stands_in_for_a_failed_original_and_its_reason_names_the_original_row()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var (sheet, mapping) = await SheetAsync(w, w.Admin, Xlsx(
        [
            Customer("An", "0912000001", "Tiềm năng", email: "an@example.vn"), // row 2 fails: unknown stage
            Customer(null, null, contact: "Vợ anh An"),                  // row 3: behind a failed customer
            Customer("An (bản 2)", "84912000001"),                        // row 4: same phone as row 2
            Customer(null, null, contact: "Con anh An"),                 // row 5: behind row 4
            Customer("Bình", "0912000002"),                               // row 6 is created
            Customer("Bình?", "0912000002", email: "AN@example.vn"),      // row 7: Bình's phone, but row 2's e-mail
        ]));

        var check = await w.Service.CheckAsync(w.Admin, sheet, mapping, new ImportOptions { UpdateExisting = true });
        Assert.Equal((1, 0, 5), (check.Create, check.Update, check.Fail));
        var reasons = check.FailedRows.ToDictionary(f => f.RowNumber, f => f.Errors.Last());
        Assert.Equal((ImportErrorCodes.CustomerAboveFailed, "2"), (reasons[3].Code, reasons[3].Value));
        Assert.Equal((ImportErrorCodes.DuplicateOfFailed, "2"), (reasons[4].Code, reasons[4].Value));
        Assert.Equal((ImportErrorCodes.CustomerAboveFailed, "4"), (reasons[5].Code, reasons[5].Value));
        Assert.Equal((ImportErrorCodes.DuplicateOfFailed, "2", ImportField.Email), (reasons[7].Code, reasons[7].Value, reasons[7].Field));
        var t = Localizer();
        Assert.Equal("Same code, phone or email as row 2, which cannot be imported", ImportFeature.Describe(t, reasons[4]));

        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions { UpdateExisting = true });
        Assert.Equal(1, result.Created);
        Assert.Equal(["Bình"], await w.WithDb(db => db.Customers.Select(c => c.Name).ToListAsync()));
    }

    [Fact]
    public async Task A_row_whose_phone_matches_one_customer_and_email_another_fails_naming_both()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var a = await AddAsync(w, "Khách A", "0903000001", null, "KH-A");
        var b = await AddAsync(w, "Khách B", "0903000002", "b@example.vn", "KH-B");
        var (sheet, mapping) = await SheetAsync(w, w.Admin, Xlsx([Customer("Ai đó", "0903000001", email: "B@example.vn")]));

        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions { UpdateExisting = true });
        Assert.Equal((0, 0, 1), (result.Created, result.Updated, result.Failed));
        var error = Assert.Single(Assert.Single(result.Check.FailedRows).Errors);
        Assert.Equal((ImportErrorCodes.PhoneEmailConflict, "Khách A (KH-A)", "Khách B (KH-B)"), (error.Code, error.Value, error.Other));
        Assert.Equal("The phone matches customer Khách A (KH-A) but the email matches customer Khách B (KH-B)", ImportFeature.Describe(Localizer(), error));
        Assert.Null(await w.WithDb(db => db.Customers.Where(c => c.Id == a.Id).Select(c => c.Email).SingleAsync()));
        Assert.Equal(b.Id, await w.WithDb(db => db.Customers.Where(c => c.Email == "b@example.vn").Select(c => c.Id).SingleAsync()));
    }

    [Fact]
    public async Task The_customer_rows_contact_is_primary_and_a_continuation_contact_never_is()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var (sheet, mapping) = await SheetAsync(w, w.Admin, Xlsx(
        [
            Customer("An", "0912000001", contact: "Chị Lan"),
            Customer(null, null, contact: "Anh Tú"),
            Customer("Bình", "0912000002"),
            Customer(null, null, contact: "Chị Mai"),
        ]));

        await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions());
        var contacts = await w.WithDb(db => db.Contacts.OrderBy(c => c.Id).Select(c => new { c.Name, c.IsPrimary }).ToListAsync());
        Assert.Equal([("Chị Lan", true), ("Anh Tú", false), ("Chị Mai", false)], contacts.Select(c => (c.Name, c.IsPrimary)));
    }

    [Fact]
    public async Task Change_stage_by_upload_overwrites_by_code_without_phone_or_email_and_a_blank_stage_means_the_first()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var moved = await AddAsync(w, "Khách 1", "0904000001", null, "GF-0123", w.Purchased);
        var back = await AddAsync(w, "Khách 2", "0904000002", null, "GF-0124", w.Purchased);
        var (sheet, mapping) = await SheetAsync(w, w.Admin, Xlsx(
        [
            Row(("Mã khách hàng", "GF-0123"), ("Tên khách hàng", "Khách 1"), ("Mối quan hệ", "Khách hàng mới")),
            Row(("Mã khách hàng", "GF-0124"), ("Tên khách hàng", "Khách 2"), ("Mối quan hệ", null)),
            Row(("Mã khách hàng", "KH-MOI"), ("Tên khách hàng", "Khách mới"), ("Mối quan hệ", null)),
        ]));

        var without = await w.Service.CheckAsync(w.Admin, sheet, mapping, new ImportOptions());
        Assert.Equal(3, without.Fail); // without overwrite a row still needs a phone or an e-mail
        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions { OverwriteByCode = true });
        Assert.Equal((0, 2, 1), (result.Created, result.Updated, result.Failed));
        Assert.Equal(ImportErrorCodes.PhoneOrEmailRequired, Assert.Single(Assert.Single(result.Check.FailedRows).Errors).Code);
        var stages = await w.WithDb(db => db.Customers.OrderBy(c => c.Id).Select(c => new { c.RelationshipId, c.Phone }).ToListAsync());
        Assert.Equal([(w.DefaultRelationship, "+84904000001"), (w.DefaultRelationship, "+84904000002")], stages.Select(s => (s.RelationshipId, s.Phone)));
        Assert.NotEqual(moved.Id, back.Id);
    }

    [Fact]
    public async Task The_check_counts_pre_2018_phones_converted_and_an_impossible_date_says_the_day_does_not_exist()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var (sheet, mapping) = await SheetAsync(w, w.Admin, Xlsx(
        [
            Row(("Tên khách hàng", "An"), ("Số điện thoại", "01689123456"), ("Ngày sinh", "05/03/1990"), ("Tên liên hệ", "Chị Lan"), ("Điện thoại liên hệ", "0120 123 4567")),
            Row(("Tên khách hàng", "Bình"), ("Số điện thoại", "0912000002"), ("Ngày sinh", "31/02/1990"), ("Tên liên hệ", null), ("Điện thoại liên hệ", null)),
            Row(("Tên khách hàng", "Chi"), ("Số điện thoại", "0912000003"), ("Ngày sinh", "1990-02-30"), ("Tên liên hệ", null), ("Điện thoại liên hệ", null)),
            Row(("Tên khách hàng", "Dũng"), ("Số điện thoại", "0912000004"), ("Ngày sinh", "3/5/90"), ("Tên liên hệ", null), ("Điện thoại liên hệ", null)),
        ]));

        var check = await w.Service.CheckAsync(w.Admin, sheet, mapping, new ImportOptions());
        Assert.Equal((1, 3, 2), (check.Create, check.Fail, check.PhonesConverted));
        var codes = check.FailedRows.Select(f => Assert.Single(f.Errors).Code).ToList();
        Assert.Equal([ImportErrorCodes.DateNotExist, ImportErrorCodes.DateNotExist, ImportErrorCodes.DateInvalid], codes);
        var t = Localizer();
        Assert.Equal("Birthday '31/02/1990' is a day that does not exist", ImportFeature.Describe(t, check.FailedRows[0].Errors[0]));
        Assert.Equal("Ngày sinh '31/02/1990' là ngày không có thật", ImportFeature.Describe(Localizer("vi-VN"), check.FailedRows[0].Errors[0]));

        await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions());
        var an = await w.WithDb(db => db.Customers.Include(c => c.Contacts).SingleAsync());
        Assert.Equal(("+84389123456", "+84701234567"), (an.Phone, Assert.Single(an.Contacts).Phone));
    }

    private static async Task<Customer> AddAsync(ImportTestWorld w, string name, string phone, string? email, string code, int? relationship = null)
    {
        await using var db = await w.Db.Factory.CreateDbContextAsync();
        var c = CrmBlazor.Domain.Customers.Customer.Create(new CustomerDetails { Name = name, Phone = phone, Email = email }, relationship ?? w.DefaultRelationship,
            w.Admin.UserId, w.Admin.UserId, DateTime.UtcNow, code);
        db.Customers.Add(c);
        await db.SaveChangesAsync();
        return c;
    }

    internal static IStringLocalizer<ImportText> Localizer(string culture = "en")
    {
        var factory = new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var localizer = new StringLocalizer<ImportText>(factory);
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo(culture);
        return localizer;
    }
}
