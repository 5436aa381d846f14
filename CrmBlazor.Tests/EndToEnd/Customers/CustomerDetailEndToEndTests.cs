using System.Text.RegularExpressions;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Tests.Integration.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd.Customers;

/// <summary>
/// The customer detail in Chromium, driven with the mouse: a related user added through the picker (R7.3) sees the customer
/// in their own grid, in another browser context; a contact with birthday and gender (R1.2) added in the dialog; an avatar
/// (R1.1) uploaded by clicking the avatar. Screenshots go to artifacts/.
/// </summary>
public sealed class CustomerDetailEndToEndTests : BrowserAppTest
{
    private static string Artifact(string name) => Path.Combine(Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts")).FullName, name);

    private async Task<IPage> SignedInAsync(IBrowserContext context, string login)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(page, App.ServerAddress, login, CustomerGridAppData.Password);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/login"), new() { Timeout = 30_000 });
        return page;
    }

    private Task<IBrowserContext> ContextAsync() =>
        Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1400, Height = 950 } });

    /// <summary>Opens a customer's detail and waits until its circuit is interactive (the stream's composer is enabled).</summary>
    private async Task OpenDetailAsync(IPage page, int customerId, string name)
    {
        await page.GotoAsync($"{App.ServerAddress}/customers/{customerId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".stream[data-interactive=true]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_related_user_added_with_the_picker_sees_the_customer_in_their_own_grid()
    {
        var lan = await CustomerGridAppData.AddUserAsync(App, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        var minh = await CustomerGridAppData.AddUserAsync(App, "minh", "Đỗ Văn Minh", Rights.SalesDefault);
        var customer = await CustomerGridAppData.AddCustomerAsync(App, "Công ty Hải Âu", "0912111222", lan);
        await CustomerGridAppData.AddCustomerAsync(App, "Khách của Minh", "0903000222", minh);

        await using var contextA = await ContextAsync();
        await using var contextB = await ContextAsync();
        var a = await SignedInAsync(contextA, "lan");
        var b = await SignedInAsync(contextB, "minh");

        // Minh's grid: his own customer only, listening live.
        await b.GotoAsync(App.ServerAddress + "/customers");
        await Assertions.Expect(b.Locator("tr", new() { HasText = "Khách của Minh" })).ToBeVisibleAsync();
        await Assertions.Expect(b.Locator("[data-testid=customer-total]")).ToContainTextAsync("Tất cả: 1");
        await Assertions.Expect(b.Locator("[data-testid=customer-grid][data-live=on]")).ToHaveCountAsync(1);
        await Assertions.Expect(b.Locator("tr", new() { HasText = "Công ty Hải Âu" })).ToHaveCountAsync(0);

        // Lan: the "Người liên quan" tab, the picker opened with a click, Minh chosen with a click.
        await OpenDetailAsync(a, customer, "Công ty Hải Âu");
        await a.GetByRole(AriaRole.Tab, new() { Name = "Người liên quan" }).ClickAsync();
        await Assertions.Expect(a.GetByText("Chưa có người liên quan.")).ToBeVisibleAsync();
        await a.GetByLabel("Thêm người liên quan").ClickAsync();
        var option = a.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Đỗ Văn Minh" });
        await Assertions.Expect(a.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Nguyễn Thị Lan" })).ToHaveCountAsync(0); // the owner is not offered
        await a.ScreenshotAsync(new() { Path = Artifact("detail-related-picker.png") });
        await option.ClickAsync();
        var related = a.Locator("[data-testid=related-users]");
        await Assertions.Expect(related).ToContainTextAsync("Đỗ Văn Minh");
        await Assertions.Expect(a.GetByText("Đỗ Văn Minh giờ đã thấy khách hàng này.")).ToBeVisibleAsync();
        await a.ScreenshotAsync(new() { Path = Artifact("detail-related-users.png") });

        // Minh's grid counts it at once, without a reload; opened again, the customer is in his list.
        await Assertions.Expect(b.Locator("[data-testid=customer-total]")).ToContainTextAsync("Tất cả: 2", new() { Timeout = 10_000 });
        await b.ReloadAsync();
        await Assertions.Expect(b.Locator("tr", new() { HasText = "Công ty Hải Âu" })).ToBeVisibleAsync();
        await b.ScreenshotAsync(new() { Path = Artifact("detail-related-users-grid-of-minh.png") });

        // The stream logs it, by name.
        await a.GetByRole(AriaRole.Tab, new() { Name = "Trao đổi" }).ClickAsync();
        await Assertions.Expect(a.GetByTestId("log").First).ToContainTextAsync("đã thêm người liên quan: Đỗ Văn Minh");

        // Removed with a click: Minh loses it again, live.
        await a.GetByRole(AriaRole.Tab, new() { Name = "Người liên quan" }).ClickAsync();
        await a.GetByRole(AriaRole.Button, new() { Name = "Bỏ Đỗ Văn Minh khỏi người liên quan" }).ClickAsync();
        await Assertions.Expect(a.GetByText("Chưa có người liên quan.")).ToBeVisibleAsync();
        await Assertions.Expect(b.Locator("tr", new() { HasText = "Công ty Hải Âu" })).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        await Assertions.Expect(b.Locator("[data-testid=customer-total]")).ToContainTextAsync("Tất cả: 1", new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task A_contact_with_birthday_and_gender_is_added_in_the_dialog_and_shown_and_logged()
    {
        var lan = await CustomerGridAppData.AddUserAsync(App, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        var customer = await CustomerGridAppData.AddCustomerAsync(App, "Công ty An Phát", "0912000111", lan);
        // Custom fields (R1.3) with values: the details card shows them in the reader's culture.
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            var revenue = new CrmBlazor.Domain.CustomFields.CustomFieldDefinition("Doanh số năm", CrmBlazor.Domain.CustomFields.CustomFieldKind.Number);
            var signed = new CrmBlazor.Domain.CustomFields.CustomFieldDefinition("Ngày ký hợp đồng", CrmBlazor.Domain.CustomFields.CustomFieldKind.Date, position: 1);
            db.CustomFields.AddRange(revenue, signed);
            await db.SaveChangesAsync();
            var c = await db.Customers.SingleAsync(x => x.Id == customer);
            await db.Entry(c).Collection(x => x.CustomValues).LoadAsync();
            c.SetCustomValue(revenue, "1500000.5");
            c.SetCustomValue(signed, "31/01/2025");
            await db.SaveChangesAsync();
        }

        await using var context = await ContextAsync();
        var page = await SignedInAsync(context, "lan");
        await OpenDetailAsync(page, customer, "Công ty An Phát");
        var card = page.Locator("dl.detail-list");
        await Assertions.Expect(card).ToContainTextAsync("Doanh số năm");
        await Assertions.Expect(card.Locator("dt", new() { HasText = "Doanh số năm" }).Locator("xpath=following-sibling::dd[1]")).ToHaveTextAsync("1.500.000,5");
        await Assertions.Expect(card.Locator("dt", new() { HasText = "Ngày ký hợp đồng" }).Locator("xpath=following-sibling::dd[1]")).ToHaveTextAsync("31/01/2025");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sửa" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Thêm người liên hệ" }).ClickAsync();
        var contact = dialog.Locator("[data-testid=contact-editor]");
        await contact.GetByLabel("Danh xưng").FillAsync("Chị");
        await contact.GetByLabel("Tên người liên hệ").FillAsync("Phạm Thu Hà");
        await contact.GetByLabel("Ngày sinh").FillAsync("15/03/1990");
        await contact.GetByLabel("Ngày sinh").PressAsync("Tab");
        // Gender with the mouse: open the list, click "Nữ".
        var gender = contact.Locator(".mud-input-control.mud-select").Filter(new() { HasText = "Giới tính" });
        await gender.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Nữ" }).ClickAsync();
        await Assertions.Expect(gender).ToContainTextAsync("Nữ");
        await page.ScreenshotAsync(new() { Path = Artifact("detail-contact-dialog.png") });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Lưu" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Người liên hệ" }).ClickAsync();
        var row = page.GetByTestId("contact-row");
        await Assertions.Expect(row).ToContainTextAsync("Phạm Thu Hà");
        await Assertions.Expect(row).ToContainTextAsync("15/03/1990");
        await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("Nữ");
        await page.ScreenshotAsync(new() { Path = Artifact("detail-contacts-tab.png") });

        await page.GetByRole(AriaRole.Tab, new() { Name = "Trao đổi" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("log").First).ToContainTextAsync("đã thêm người liên hệ: Chị Phạm Thu Hà · 15/03/1990 · Nữ");
        await page.ScreenshotAsync(new() { Path = Artifact("detail-contact-logged.png") });
    }

    [Fact]
    public async Task An_avatar_is_uploaded_by_clicking_the_avatar_and_a_file_that_is_not_an_image_is_refused()
    {
        var lan = await CustomerGridAppData.AddUserAsync(App, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        var customer = await CustomerGridAppData.AddCustomerAsync(App, "Công ty Ảnh Đẹp", "0912000333", lan);
        var folder = Directory.CreateDirectory(Path.Combine(App.DataFolder, "upload-test")).FullName;
        var picture = Path.Combine(folder, "logo.png");
        await File.WriteAllBytesAsync(picture, TestImages.Encode(800, 600));
        var fake = Path.Combine(folder, "khong-phai-anh.png");
        await File.WriteAllTextAsync(fake, "đây là văn bản, không phải ảnh");

        await using var context = await ContextAsync();
        var page = await SignedInAsync(context, "lan");
        await OpenDetailAsync(page, customer, "Công ty Ảnh Đẹp");
        await Assertions.Expect(page.GetByTestId("avatar-image")).ToHaveCountAsync(0);

        // A text file named .png: refused, in Vietnamese.
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.GetByTestId("avatar-upload").ClickAsync());
        await chooser.SetFilesAsync(fake);
        await Assertions.Expect(page.GetByText("Tệp này không phải là ảnh. Hãy chọn ảnh JPEG, PNG, GIF hoặc WebP.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("avatar-image")).ToHaveCountAsync(0);

        chooser = await page.RunAndWaitForFileChooserAsync(() => page.GetByTestId("avatar-upload").ClickAsync());
        await chooser.SetFilesAsync(picture);
        await Assertions.Expect(page.GetByText("Đã cập nhật ảnh đại diện.")).ToBeVisibleAsync();
        var image = page.GetByTestId("avatar-image");
        await Assertions.Expect(image).ToBeVisibleAsync();
        await Assertions.Expect(image).ToHaveAttributeAsync("src", new Regex($"^customers/{customer}/avatar/[0-9a-f]{{32}}\\.webp$"));
        // Loaded through the checked endpoint, at most 256 wide.
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('[data-testid=avatar-image]'); return i && i.complete && i.naturalWidth > 0; }");
        Assert.Equal(256, await image.EvaluateAsync<int>("i => i.naturalWidth"));
        await page.Locator(".detail-header").ScreenshotAsync(new() { Path = Artifact("detail-avatar-header.png") });
        await Assertions.Expect(page.GetByTestId("log").First).ToContainTextAsync("đã đổi Ảnh đại diện: (trống) → ảnh mới");
        await page.ScreenshotAsync(new() { Path = Artifact("detail-avatar-page.png") });

        // The board's card shows it too.
        await page.GotoAsync(App.ServerAddress + "/board");
        var card = page.Locator("[data-testid=board-card]", new() { HasText = "Công ty Ảnh Đẹp" });
        await Assertions.Expect(card.GetByTestId("board-card-avatar")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Artifact("board-card-avatar.png") });
    }

    [Fact]
    public async Task The_customers_data_is_exported_as_a_zip_and_erased_on_request_with_the_mouse()
    {
        // #26 (Decree 13/2023): a person asks what is held about them, then asks for it to be erased.
        var boss = await CustomerGridAppData.AddUserAsync(App, "sep", "Trần Quản Trị", Rights.All);
        var customer = await CustomerGridAppData.AddCustomerAsync(App, "Chị Phạm Thu Hà", "0912555666", boss);
        await CustomerGridAppData.AddCustomerAsync(App, "Khách ở lại", "0912555777", boss);
        await using var context = await ContextAsync();
        var page = await SignedInAsync(context, "sep");
        await OpenDetailAsync(page, customer, "Chị Phạm Thu Hà");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Viết trao đổi" }).FillAsync("Khách hỏi về dữ liệu cá nhân");
        await page.GetByRole(AriaRole.Button, new() { Name = "Gửi" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("comment").First).ToContainTextAsync("Khách hỏi về dữ liệu cá nhân");

        // Export: the archive icon, clicked; the zip holds the record and the comment.
        var exportLink = page.GetByRole(AriaRole.Link, new() { Name = "Xuất dữ liệu của khách hàng này (.zip)" });
        var popupTask = context.WaitForPageAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => exportLink.ClickAsync(), new() { Timeout = 30_000 })
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
        if (download is null)
        {
            // The link opens a new tab; Chromium raises the download there.
            var popup = await popupTask;
            download = await popup.WaitForDownloadAsync();
        }

        var zipPath = Path.Combine(Path.GetTempPath(), $"crm-export-{Guid.NewGuid():N}.zip");
        await download.SaveAsAsync(zipPath);
        using (var zip = System.IO.Compression.ZipFile.OpenRead(zipPath))
        {
            using var reader = new StreamReader(zip.GetEntry("customer.json")!.Open());
            var json = await reader.ReadToEndAsync();
            Assert.Contains("Chị Phạm Thu Hà", json, StringComparison.Ordinal);
            Assert.Contains("Khách hỏi về dữ liệu cá nhân", json, StringComparison.Ordinal);
            Assert.DoesNotContain("Khách ở lại", json, StringComparison.Ordinal);
        }

        File.Delete(zipPath);
        Assert.EndsWith(".zip", download.SuggestedFilename, StringComparison.Ordinal);

        // Erase: the red icon, a reason typed, then "Xóa hẳn" (disabled until there is a reason).
        await page.BringToFrontAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Xóa theo yêu cầu" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("Chị Phạm Thu Hà");
        await Assertions.Expect(dialog).ToContainTextAsync("backups/");
        var erase = dialog.GetByRole(AriaRole.Button, new() { Name = "Xóa hẳn" });
        await Assertions.Expect(erase).ToBeDisabledAsync();
        await dialog.GetByRole(AriaRole.Textbox).FillAsync("Khách yêu cầu qua email ngày 02/12");
        await page.ScreenshotAsync(new() { Path = Artifact("detail-erase-dialog.png") });
        await erase.ClickAsync();
        await Assertions.Expect(page.GetByText("Đã xóa hẳn. Nhật ký quản trị ghi lại ai đã xóa và lý do.")).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers$"));
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Khách ở lại" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Chị Phạm Thu Hà" })).ToHaveCountAsync(0);

        // Gone, not in the trash; the audit log names who and why, not the data.
        await using var db = await App.DbFactory.CreateDbContextAsync();
        Assert.False(await db.Customers.IgnoreQueryFilters().AnyAsync(c => c.Id == customer));
        Assert.False(await db.Comments.AnyAsync(c => c.CustomerId == customer));
        var entry = await db.AuditLog.SingleAsync(e => e.Action == CrmBlazor.Domain.Auditing.AuditActions.CustomerErased);
        Assert.Contains("Khách yêu cầu qua email ngày 02/12", entry.NewValues, StringComparison.Ordinal);
        Assert.DoesNotContain("Phạm Thu Hà", entry.NewValues + entry.TargetName, StringComparison.Ordinal);
        await page.GotoAsync($"{App.ServerAddress}/settings/audit");
        await Assertions.Expect(page.GetByText("Khách yêu cầu qua email ngày 02/12")).ToBeVisibleAsync();
    }
}
