using CrmBlazor.Data.Seeding;
using CrmBlazor.Features.Import;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.EndToEnd.Import;

/// <summary>A real browser walks the import wizard (R3.2): upload, map a column by hand, check, import, download the failed rows.</summary>
public sealed class ImportEndToEndTests : IAsyncLifetime
{
    private CrmAppFactory _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(kestrel: true);
        _app.StartServer();
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Upload_map_a_column_by_hand_check_import_and_download_the_failed_rows()
    {
        var page = await ImportPageAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Nhập khách hàng từ Excel" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-1-file.png"), FullPage = true });

        var file = Xlsx(
        [
            Row(("Họ tên KH", "Nguyễn Văn Một"), ("Điện thoại", "0912 000 001"), ("Nhóm khách hàng", "VIP")),
            Row(("Họ tên KH", "Trần Thị Hai"), ("Điện thoại", "84912000002"), ("Nhóm khách hàng", null)),
            Row(("Họ tên KH", "Lê Văn Ba"), ("Điện thoại", "0912000003"), ("Nhóm khách hàng", "Không có")),
        ]);
        await ChooseFileAsync(page, "khach-hang.xlsx", file);
        await Assertions.Expect(page.GetByText("Trần Thị Hai")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Tiếp tục" }).ClickAsync();

        // "Họ tên KH" is not a header we know: the user maps it by hand, with the mouse.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ghép cột" })).ToBeVisibleAsync();
        var nameColumn = page.GetByRole(AriaRole.Combobox, new() { Name = "Họ tên KH" });
        await Assertions.Expect(nameColumn).ToHaveValueAsync("Bỏ qua trường này");
        await Assertions.Expect(page.GetByRole(AriaRole.Combobox, new() { Name = "Điện thoại" })).ToHaveValueAsync("Điện thoại");
        await PickAsync(page, nameColumn, "Tên khách hàng");
        await Assertions.Expect(nameColumn).ToHaveValueAsync("Tên khách hàng");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-2-mapping.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Tiếp tục" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tùy chọn" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Kiểm tra dữ liệu" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Kiểm tra" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("count-create")).ToHaveTextAsync("2");
        await Assertions.Expect(page.GetByTestId("count-fail")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByText("Nhóm 'Không có' không tồn tại")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-3-check.png"), FullPage = true });
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            Assert.Equal(0, await db.Customers.CountAsync()); // nothing written before the user confirms
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Nhập dữ liệu" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Đã nhập dữ liệu xong.")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("count-create")).ToHaveTextAsync("2");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-4-result.png"), FullPage = true });

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Tải các dòng lỗi" }).ClickAsync());
        var path = Path.Combine(Artifacts, "import-failed-rows.xlsx");
        await download.SaveAsAsync(path);
        var failed = ImportFileReader.Read(download.SuggestedFilename, await File.ReadAllBytesAsync(path), new ImportLimits());
        Assert.Equal(["Họ tên KH", "Điện thoại", "Nhóm khách hàng", "Lỗi / Error", "Dòng gốc / Original row"], failed.Headers);
        var row = Assert.Single(failed.Rows);
        Assert.Equal("Lê Văn Ba", row[0]);
        Assert.Contains("Không có", (string)row[3]!);

        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            Assert.Equal(["Nguyễn Văn Một", "Trần Thị Hai"], await db.Customers.OrderBy(c => c.Id).Select(c => c.Name).ToListAsync());
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Lịch sử nhập dữ liệu" }).First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "khach-hang.xlsx" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Hoàn tác" })).ToBeVisibleAsync();
        // Column headers as headers (capitalised), not the lower-case count labels of the result summary.
        await Assertions.Expect(page.GetByRole(AriaRole.Columnheader)).ToHaveTextAsync(["Thời gian", "Người nhập", "Tệp", "Đã tạo", "Đã cập nhật", "Đã bỏ qua", "Lỗi", "Liên hệ đã thêm", ""]);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-5-history.png"), FullPage = true });

        // On a phone each import is a card of labelled lines, not a table to scroll sideways.
        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(page.GetByRole(AriaRole.Columnheader).First).ToBeHiddenAsync();
        var card = page.Locator(".import-history tbody tr").First;
        Assert.True(await page.EvaluateAsync<bool>("() => { const t = document.querySelector('.import-history'); return t.scrollWidth <= t.clientWidth; }"),
            "The history scrolls sideways on a phone.");
        Assert.Equal("Tệp", await card.Locator("td", new() { HasText = "khach-hang.xlsx" }).EvaluateAsync<string>("td => getComputedStyle(td, '::before').content.replaceAll('\"', '')"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-6-history-phone.png"), FullPage = true });

        // Undo (R3 history), after a confirmation that says what it will do and what it keeps.
        await page.SetViewportSizeAsync(1280, 900);
        await page.GetByRole(AriaRole.Button, new() { Name = "Hoàn tác" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("2 khách hàng được tạo sẽ bị xóa");
        await Assertions.Expect(dialog).ToContainTextAsync("người giới thiệu");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-7-undo-confirm.png"), FullPage = true });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Hoàn tác" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Đã hoàn tác: xóa 2, khôi phục 0")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".import-history tbody tr").First.Locator("td.action")).ToContainTextAsync("Đã hoàn tác");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Hoàn tác" })).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-8-undone.png"), FullPage = true });
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            Assert.Equal(0, await db.Customers.CountAsync());
        }
    }

    /// <summary>#19 (R1.3): a column goes to a custom field picked in the mapping like a built-in one, and its value reaches the customer.</summary>
    [Fact]
    public async Task A_column_mapped_to_a_custom_field_with_the_mouse_reaches_the_customers_detail()
    {
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            db.CustomFields.Add(new CrmBlazor.Domain.CustomFields.CustomFieldDefinition("Hạng thẻ", CrmBlazor.Domain.CustomFields.CustomFieldKind.Choice, ["Vàng", "Bạc"]));
            await db.SaveChangesAsync();
        }

        var page = await ImportPageAsync();
        var file = Xlsx([Row(("Tên khách hàng", "Phạm Thẻ Vàng"), ("Điện thoại", "0912 000 009"), ("Mức thẻ", "vàng"))]);
        await ChooseFileAsync(page, "the-vang.xlsx", file);
        await page.GetByRole(AriaRole.Button, new() { Name = "Tiếp tục" }).ClickAsync();

        // "Mức thẻ" is not the field's name: the user opens the column's list and picks the custom field, listed after the built-in ones.
        var tierColumn = page.GetByRole(AriaRole.Combobox, new() { Name = "Mức thẻ" });
        await Assertions.Expect(tierColumn).ToHaveValueAsync("Bỏ qua trường này");
        await tierColumn.ClickAsync();
        var options = page.GetByRole(AriaRole.Option);
        await Assertions.Expect(options.Last).ToHaveTextAsync("Hạng thẻ");
        await options.Last.ClickAsync();
        await Assertions.Expect(tierColumn).ToHaveValueAsync("Hạng thẻ");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-custom-field-mapping.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Tiếp tục" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Kiểm tra dữ liệu" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("count-create")).ToHaveTextAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Nhập dữ liệu" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Đã nhập dữ liệu xong.")).ToBeVisibleAsync(new() { Timeout = 60_000 });

        int id;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            id = await db.Customers.Where(c => c.Name == "Phạm Thẻ Vàng").Select(c => c.Id).SingleAsync();
        }

        await page.GotoAsync($"{_app.ServerAddress}/customers/{id}");
        var details = page.Locator("dl");
        await Assertions.Expect(details.Locator("dt", new() { HasText = "Hạng thẻ" })).ToBeVisibleAsync();
        await Assertions.Expect(details.Locator("dt:has-text('Hạng thẻ') + dd")).ToHaveTextAsync("Vàng");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-custom-field-detail.png"), FullPage = true });
    }

    /// <summary>#21: a stage the file names that does not exist is mapped to an existing one with the mouse, a missing source is created in place.</summary>
    [Fact]
    public async Task An_unknown_stage_is_mapped_with_the_mouse_and_an_unknown_source_created_before_anything_is_written()
    {
        string stage;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            stage = await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => r.Name).FirstAsync();
        }

        var page = await ImportPageAsync();
        var file = Xlsx(
        [
            Row(("Tên khách hàng", "Khách Getfly Một"), ("Điện thoại", "0912 000 101"), ("Mối quan hệ", "Tiềm năng"), ("Nguồn khách hàng", "Hội chợ Getfly")),
            Row(("Tên khách hàng", "Khách Getfly Hai"), ("Điện thoại", "01689 000 102"), ("Mối quan hệ", "tiem nang"), ("Nguồn khách hàng", null)),
        ]);
        await ChooseFileAsync(page, "getfly.xlsx", file);
        await page.GetByRole(AriaRole.Button, new() { Name = "Tiếp tục" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Tiếp tục" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Kiểm tra dữ liệu" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("count-fail")).ToHaveTextAsync("2");
        var unknown = page.GetByTestId("unknown-values");
        await Assertions.Expect(unknown.GetByRole(AriaRole.Row)).ToHaveCountAsync(3);
        await Assertions.Expect(unknown.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("Tiềm năng");
        await Assertions.Expect(unknown.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("2");
        await Assertions.Expect(page.GetByTestId("phones-converted")).ToContainTextAsync("1");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-unknown-1-check.png"), FullPage = true });

        await PickAsync(page, page.GetByRole(AriaRole.Combobox, new() { Name = "Dùng cho 'Tiềm năng'" }), stage);
        await Assertions.Expect(page.GetByTestId("count-fail")).ToHaveTextAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Tạo 'Hội chợ Getfly'" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("count-create")).ToHaveTextAsync("2");
        await Assertions.Expect(page.GetByTestId("count-fail")).ToHaveTextAsync("0");
        await Assertions.Expect(unknown).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "import-unknown-2-mapped.png"), FullPage = true });
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            Assert.Equal(0, await db.Customers.CountAsync()); // the source exists now; no customer before the user imports
            Assert.True(await db.Sources.AnyAsync(s => s.Name == "Hội chợ Getfly"));
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Nhập dữ liệu" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Đã nhập dữ liệu xong.")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var rows = await db.Customers.OrderBy(c => c.Id).Select(c => new { c.Name, Stage = db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => r.Name).Single(), c.Phone })
                .ToListAsync();
            Assert.Equal([("Khách Getfly Một", stage, "+84912000101"), ("Khách Getfly Hai", stage, "+84389000102")], rows.Select(r => (r.Name, r.Stage, r.Phone)));
        }
    }

    private static string Artifacts => Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts")).FullName;

    /// <summary>The administrator signed in, on the import page.</summary>
    private async Task<IPage> ImportPageAsync()
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 }, AcceptDownloads = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        await Chromium.SignInAsync(page, _app.ServerAddress, DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.GotoAsync(_app.ServerAddress + "/customers/import");
        return page;
    }

    /// <summary>
    /// Chooses a file as a person does: clicks "Chọn tệp" and answers the file chooser. The page is prerendered first:
    /// until the circuit is interactive the button opens nothing, so it is clicked again.
    /// </summary>
    private static async Task ChooseFileAsync(IPage page, string name, byte[] bytes)
    {
        var choose = page.GetByRole(AriaRole.Button, new() { Name = "Chọn tệp" });
        var preview = page.GetByRole(AriaRole.Heading, new() { Name = "Xem trước" });
        for (var attempt = 0; attempt < 6 && !await preview.IsVisibleAsync(); attempt++)
        {
            try
            {
                var chooser = await page.RunAndWaitForFileChooserAsync(() => choose.ClickAsync(), new() { Timeout = 5_000 });
                await chooser.SetFilesAsync(new FilePayload { Name = name, MimeType = ImportFeature.XlsxType, Buffer = bytes });
                await preview.WaitForAsync(new() { Timeout = 10_000 });
            }
            catch (TimeoutException)
            {
                // not interactive yet
            }
        }

        await Assertions.Expect(preview).ToBeVisibleAsync();
    }

    /// <summary>Opens a MudSelect with a click and clicks the option.</summary>
    private static async Task PickAsync(IPage page, ILocator select, string option)
    {
        await select.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
    }
}
