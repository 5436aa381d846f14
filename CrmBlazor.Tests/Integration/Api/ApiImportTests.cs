using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Api;
using CrmBlazor.Features.Import;
using CrmBlazor.Security;
using CrmBlazor.Tests.Integration.Import;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MiniExcelLibs;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>
/// Imports through the API (issue #8): upload with options → check (writes nothing) → confirm → poll the job → failed
/// rows; the import right, the owner of a session and refused files, over the real app.
/// </summary>
public sealed class ApiImportTests : IAsyncLifetime
{
    private const long MaxFileBytes = 1024 * 1024;

    private CrmAppFactory _app = null!;
    private string _lan = null!, _minh = null!, _seller = null!;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(settings: new Dictionary<string, string?>
        {
            ["Api:RequestsPerMinute"] = "1000",
            ["Import:MaxFileBytes"] = MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        _lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault | Rights.CustomersImport, "Nguyễn Thị Lan");
        _minh = await _app.CreateUserAsync("minh", "Minh@12345678", Rights.SalesDefault | Rights.CustomersImport, "Đỗ Văn Minh");
        _seller = await _app.CreateUserAsync("ban", "Ban@12345678", Rights.SalesDefault, "Chỉ Bán Hàng");
        await _app.CreateCustomerAsync("Khách cũ của Lan", "0912000001", _lan);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpClient> ClientAsync(string userId)
    {
        string token;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var user = await CurrentUser.LoadAsync(_app.DbFactory, userId) ?? throw new InvalidOperationException();
            token = await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync(user, "import");
        }

        var client = _app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static MultipartFormDataContent Upload(string fileName, byte[] bytes, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        if (bytes.Length > 0 || fileName.Length > 0)
        {
            form.Add(new ByteArrayContent(bytes), "file", fileName);
        }

        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    /// <summary>Row 2 new, row 3 a bad email, row 4 a bad phone, row 5 an existing customer.</summary>
    private static byte[] CustomersXlsx() => Sheets.Xlsx(
    [
        Sheets.Row(("Tên khách hàng", "Nguyễn Văn An"), ("Điện thoại", "0912 345 678"), ("Email", "an@example.vn"), ("Ghi chú nội bộ", "gọi lại")),
        Sheets.Row(("Tên khách hàng", "Trần Thị Bình"), ("Điện thoại", "0987654321"), ("Email", "binh@@example"), ("Ghi chú nội bộ", null)),
        Sheets.Row(("Tên khách hàng", "Lê Văn Cường"), ("Điện thoại", "12345"), ("Email", null), ("Ghi chú nội bộ", null)),
        Sheets.Row(("Tên khách hàng", "Khách cũ của Lan"), ("Điện thoại", "0912000001"), ("Email", "cu@example.vn"), ("Ghi chú nội bộ", null)),
    ]);

    private static byte[] Csv(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Counts of what an import writes: equal before and after means nothing was written.</summary>
    private async Task<string> WrittenAsync()
    {
        await using var db = await _app.DbFactory.CreateDbContextAsync();
        return string.Join('/', await db.Customers.CountAsync(), await db.Contacts.CountAsync(), await db.ChangeLog.CountAsync(),
            await db.Set<ImportBatch>().CountAsync(), await db.Customers.SumAsync(c => c.Version));
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode} {response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> FinishedJobAsync(HttpClient client, string location)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(location);
            if (job.GetProperty("state").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < until, "The import job did not finish in time: " + job);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Unknown_stage_values_are_listed_mapped_or_created_through_the_session_and_the_mapping_is_remembered_as_on_the_page()
    {
        var client = await ClientAsync(_lan);
        var bytes = Sheets.Xlsx(
        [
            Sheets.Row(("Tên", "Khách Một"), ("SĐT", "0913000001"), ("Mối quan hệ", "Tiềm năng"), ("Nguồn khách", "Hội chợ"), ("Ghi chú nội bộ", "x")),
            Sheets.Row(("Tên", "Khách Hai"), ("SĐT", "0913000002"), ("Mối quan hệ", "tiem nang"), ("Nguồn khách", null), ("Ghi chú nội bộ", null)),
        ]);
        var session = await JsonOf(await client.PostAsync("/api/v1/imports", Upload("gf.xlsx", bytes)), HttpStatusCode.Created);
        var id = session.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/api/v1/imports/{id}", new { mapping = new { D = "Source" } })).StatusCode);
        var check = await JsonOf(await client.PostAsync($"/api/v1/imports/{id}/check", null), HttpStatusCode.OK);
        Assert.Equal(2, check.GetProperty("fail").GetInt32());
        Assert.Equal([("relationship", "Tiềm năng", 2), ("source", "Hội chợ", 1)], check.GetProperty("unknownValues").EnumerateArray()
            .Select(u => (u.GetProperty("kind").GetString(), u.GetProperty("value").GetString(), u.GetProperty("rows").GetInt32())));
        Assert.False(check.GetProperty("canCreateValues").GetBoolean());
        Assert.Contains("Quản trị hệ thống", check.GetProperty("whoCanCreateValues").EnumerateArray().Select(n => n.GetString()));

        // Lan may not create a source (CRM settings right); she maps both values to existing entries instead.
        var denied = await client.PatchAsJsonAsync($"/api/v1/imports/{id}", new { valueMappings = new[] { new { kind = "source", value = "Hội chợ", create = true } } });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        string stage, source;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            stage = await db.Relationships.OrderBy(r => r.Position).Select(r => r.Name).FirstAsync();
            source = await db.Sources.OrderBy(r => r.Position).Select(r => r.Name).FirstAsync();
        }

        var changed = await JsonOf(await client.PatchAsJsonAsync($"/api/v1/imports/{id}", new
        {
            valueMappings = new[] { new { kind = "Relationship", value = "TIỀM NĂNG", mapTo = stage }, new { kind = "source", value = "Hội chợ", mapTo = source } },
        }), HttpStatusCode.OK);
        Assert.Equal(2, changed.GetProperty("options").GetProperty("valueMappings").GetArrayLength());
        var mapped = await JsonOf(await client.PostAsync($"/api/v1/imports/{id}/check", null), HttpStatusCode.OK);
        Assert.Equal((2, 0, 0), (mapped.GetProperty("create").GetInt32(), mapped.GetProperty("fail").GetInt32(), mapped.GetProperty("unknownValues").GetArrayLength()));

        // The mapping the check used ("Nguồn khách" → Source) is proposed for the next file, as the page remembers it.
        var next = await JsonOf(await client.PostAsync("/api/v1/imports", Upload("gf2.xlsx", bytes)), HttpStatusCode.Created);
        Assert.Equal("Source", next.GetProperty("mapping")[3].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Upload_check_confirm_poll_and_download_the_failed_rows()
    {
        var client = await ClientAsync(_lan);
        var before = await WrittenAsync();

        var uploaded = await client.PostAsync("/api/v1/imports", Upload("khach-hang.xlsx", CustomersXlsx(), ("updateExisting", "true")));
        var session = await JsonOf(uploaded, HttpStatusCode.Created);
        var id = session.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/imports/{id}", uploaded.Headers.Location!.OriginalString);
        Assert.Equal("khach-hang.xlsx", session.GetProperty("fileName").GetString());
        Assert.Equal(4, session.GetProperty("rows").GetInt32());
        Assert.Equal("uploaded", session.GetProperty("status").GetString());
        var mapping = session.GetProperty("mapping").EnumerateArray().Select(m => (m.GetProperty("header").GetString(), m.GetProperty("field").GetString())).ToList();
        Assert.Equal([("Tên khách hàng", "Name"), ("Điện thoại", "Phone"), ("Email", "Email"), ("Ghi chú nội bộ", "Skip")], mapping);
        Assert.True(session.GetProperty("options").GetProperty("updateExisting").GetBoolean());
        Assert.False(session.GetProperty("options").GetProperty("overwriteByCode").GetBoolean());

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/imports/{id}/failed-rows")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/imports/{id}/job")).StatusCode);

        var check = await JsonOf(await client.PostAsync($"/api/v1/imports/{id}/check", null), HttpStatusCode.OK);
        Assert.Equal((1, 1, 0, 2), (check.GetProperty("create").GetInt32(), check.GetProperty("update").GetInt32(), check.GetProperty("skip").GetInt32(), check.GetProperty("fail").GetInt32()));
        var failed = check.GetProperty("failedRows").EnumerateArray().ToList();
        Assert.Equal([3, 4], failed.Select(f => f.GetProperty("row").GetInt32()));
        Assert.Equal(ImportErrorCodes.EmailInvalid, failed[0].GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal("Email", failed[0].GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Contains("'binh@@example' is not a valid email address", failed[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(ImportErrorCodes.PhoneInvalid, failed[1].GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Contains("'12345' is not a phone number", failed[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, check.GetProperty("skippedRows").GetArrayLength());

        // The same check in Vietnamese for a client that asks for it.
        using (var vi = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/imports/{id}/check"))
        {
            vi.Headers.AcceptLanguage.ParseAdd("vi-VN");
            var viCheck = await JsonOf(await client.SendAsync(vi), HttpStatusCode.OK);
            Assert.Contains("không phải địa chỉ email hợp lệ", viCheck.GetProperty("failedRows")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await WrittenAsync());
        var checkedSession = await client.GetFromJsonAsync<JsonElement>($"/api/v1/imports/{id}");
        Assert.Equal("checked", checkedSession.GetProperty("status").GetString());
        Assert.Equal(2, checkedSession.GetProperty("check").GetProperty("fail").GetInt32());

        var confirmed = await client.PostAsync($"/api/v1/imports/{id}/confirm", null);
        await JsonOf(confirmed, HttpStatusCode.Accepted);
        Assert.Equal($"/api/v1/imports/{id}/job", confirmed.Headers.Location!.OriginalString);
        var job = await FinishedJobAsync(client, confirmed.Headers.Location.OriginalString);
        Assert.Equal("Succeeded", job.GetProperty("state").GetString());
        Assert.Equal(100, job.GetProperty("percent").GetInt32());
        var result = job.GetProperty("result");
        Assert.Equal((1, 1, 0, 2), (result.GetProperty("created").GetInt32(), result.GetProperty("updated").GetInt32(), result.GetProperty("skipped").GetInt32(), result.GetProperty("failed").GetInt32()));
        Assert.True(result.GetProperty("batchId").GetInt32() > 0);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/v1/imports/{id}/confirm", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PatchAsJsonAsync($"/api/v1/imports/{id}", new { updateExisting = false })).StatusCode);

        var an = await client.GetFromJsonAsync<JsonElement>("/api/v1/customers?search=nguyen%20van%20an");
        var created = Assert.Single(an.GetProperty("items").EnumerateArray());
        Assert.Equal("+84912345678", created.GetProperty("phone").GetString());
        Assert.Equal(_lan, created.GetProperty("ownerId").GetString());
        var old = await client.GetFromJsonAsync<JsonElement>("/api/v1/customers?search=0912000001");
        Assert.Equal("cu@example.vn", Assert.Single(old.GetProperty("items").EnumerateArray()).GetProperty("email").GetString());
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/v1/customers?search=tran%20thi%20binh")).GetProperty("total").GetInt32());

        var file = await client.GetAsync($"/api/v1/imports/{id}/failed-rows");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(ImportFeature.XlsxType, file.Content.Headers.ContentType!.MediaType);
        using var xlsx = new MemoryStream(await file.Content.ReadAsByteArrayAsync());
        var rows = xlsx.Query(useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains("Lỗi / Error", rows[0].Keys);
        Assert.Equal(["Trần Thị Bình", "Lê Văn Cường"], rows.Select(r => r["Tên khách hàng"]?.ToString()));
        Assert.Contains("is not a valid email address", rows[0]["Lỗi / Error"]?.ToString(), StringComparison.Ordinal);

        var history = await client.GetFromJsonAsync<JsonElement>("/api/v1/imports/history");
        Assert.Equal(result.GetProperty("batchId").GetInt32(), history[0].GetProperty("id").GetInt32());

        // The undo runs as a job like the import: 202 with its location, progress, poll until done.
        var undoing = await client.PostAsync($"/api/v1/imports/batches/{result.GetProperty("batchId").GetInt32()}/undo", null);
        var undoJob = await JsonOf(undoing, HttpStatusCode.Accepted);
        Assert.Equal($"/api/v1/imports/undo-jobs/{undoJob.GetProperty("id").GetGuid()}", undoing.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await (await ClientAsync(_minh)).GetAsync(undoing.Headers.Location)).StatusCode);
        var undoDone = await FinishedJobAsync(client, undoing.Headers.Location.OriginalString);
        Assert.Equal(("Succeeded", 100, 2), (undoDone.GetProperty("state").GetString(), undoDone.GetProperty("percent").GetInt32(), undoDone.GetProperty("total").GetInt32()));
        var undo = undoDone.GetProperty("result");
        Assert.Equal((1, 1), (undo.GetProperty("removed").GetInt32(), undo.GetProperty("restored").GetInt32()));
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/v1/customers?search=nguyen%20van%20an")).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsync($"/api/v1/imports/batches/{result.GetProperty("batchId").GetInt32()}/undo", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/imports/batches/99999/undo", null)).StatusCode);
    }

    [Fact]
    public async Task Options_mapping_and_changes_reach_the_import()
    {
        var client = await ClientAsync(_lan);
        var csv = Csv("Khách,Số máy bàn,Thư\nCông ty Một,0901000001,mot@example.vn\nCông ty Hai,0901000002,\nCông ty Ba,0901000003,\nKhách cũ của Lan,0912000001,\n");

        var badField = await client.PostAsync("/api/v1/imports", Upload("a.csv", csv, ("mapping", "{\"Số máy bàn\":\"Fax\"}")));
        Assert.True((await JsonOf(badField, HttpStatusCode.UnprocessableEntity)).GetProperty("errors").TryGetProperty("mapping", out _));
        var badOwner = await client.PostAsync("/api/v1/imports", Upload("a.csv", csv, ("owners", "lan,khong-ai")));
        Assert.True((await JsonOf(badOwner, HttpStatusCode.UnprocessableEntity)).GetProperty("errors").TryGetProperty("owners", out _));

        var session = await JsonOf(await client.PostAsync("/api/v1/imports",
            Upload("a.csv", csv, ("mapping", "{\"khach\":\"Name\",\"so may ban\":\"Phone\",\"C\":\"Email address\"}"), ("owners", $"minh, {_lan}"))), HttpStatusCode.Created);
        var id = session.GetProperty("id").GetGuid();
        Assert.Equal(["Name", "Phone", "Email"], session.GetProperty("mapping").EnumerateArray().Select(m => m.GetProperty("field").GetString()));
        Assert.Equal([_minh, _lan], session.GetProperty("options").GetProperty("owners").EnumerateArray().Select(o => o.GetString()));

        var skipOld = await JsonOf(await client.PostAsync($"/api/v1/imports/{id}/check", null), HttpStatusCode.OK);
        Assert.Equal((3, 0, 1), (skipOld.GetProperty("create").GetInt32(), skipOld.GetProperty("update").GetInt32(), skipOld.GetProperty("skip").GetInt32()));
        Assert.Equal(ImportSkipReasons.CustomerExists, skipOld.GetProperty("skippedRows")[0].GetProperty("code").GetString());
        Assert.Equal(5, skipOld.GetProperty("skippedRows")[0].GetProperty("row").GetInt32());
        Assert.Equal("Phone or email matches an existing customer (update is off)", skipOld.GetProperty("skippedRows")[0].GetProperty("reason").GetString());

        var changed = await JsonOf(await client.PatchAsJsonAsync($"/api/v1/imports/{id}", new { updateExisting = true }), HttpStatusCode.OK);
        Assert.Equal("uploaded", changed.GetProperty("status").GetString());
        var withoutName = await client.PatchAsJsonAsync($"/api/v1/imports/{id}", new { mapping = new[] { null, "Phone", "Email" } });
        await JsonOf(withoutName, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsync($"/api/v1/imports/{id}/check", null)).StatusCode);
        await JsonOf(await client.PatchAsJsonAsync($"/api/v1/imports/{id}", new { mapping = new { Khách = "Tên khách hàng" } }), HttpStatusCode.OK);

        // Confirm runs the check itself when the last one is out of date.
        var confirmed = await client.PostAsync($"/api/v1/imports/{id}/confirm", null);
        await JsonOf(confirmed, HttpStatusCode.Accepted);
        var result = (await FinishedJobAsync(client, confirmed.Headers.Location!.OriginalString)).GetProperty("result");
        Assert.Equal((3, 1), (result.GetProperty("created").GetInt32(), result.GetProperty("updated").GetInt32()));

        await using var db = await _app.DbFactory.CreateDbContextAsync();
        var owners = await db.Customers.Where(c => c.Name.StartsWith("Công ty")).OrderBy(c => c.Id).Select(c => c.OwnerId).ToListAsync();
        Assert.Equal([_minh, _lan, _minh], owners);
    }

    /// <summary>#19, R1.3: a column goes to a custom field as "cf:&lt;id&gt;"; an unknown or deleted id is a 422 naming the column.</summary>
    [Fact]
    public async Task A_custom_field_column_is_mapped_as_cf_id_and_an_unknown_one_is_refused_with_422()
    {
        int tier, deleted;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var tierField = new CrmBlazor.Domain.CustomFields.CustomFieldDefinition("Hạng thẻ", CrmBlazor.Domain.CustomFields.CustomFieldKind.Choice, ["Vàng", "Bạc"]);
            var old = new CrmBlazor.Domain.CustomFields.CustomFieldDefinition("Cũ", CrmBlazor.Domain.CustomFields.CustomFieldKind.Text);
            old.Delete();
            db.CustomFields.AddRange(tierField, old);
            await db.SaveChangesAsync();
            (tier, deleted) = (tierField.Id, old.Id);
        }

        var client = await ClientAsync(_lan);
        var csv = Csv("Tên,SĐT,Hạng\nKhách thẻ vàng,0913000001,vàng\nKhách thẻ lạ,0913000002,Đồng\n");
        var unknown = await JsonOf(await client.PostAsync("/api/v1/imports", Upload("the.csv", csv, ("mapping", $"{{\"Hạng\":\"cf:{deleted}\"}}"))),
            HttpStatusCode.UnprocessableEntity);
        Assert.Contains("'Hạng'", unknown.GetProperty("errors").GetProperty("mapping")[0].GetString());

        var session = await JsonOf(await client.PostAsync("/api/v1/imports", Upload("the.csv", csv, ("mapping", $"{{\"Hạng\":\"cf:{tier}\"}}"))),
            HttpStatusCode.Created);
        var id = session.GetProperty("id").GetString();
        Assert.Equal(["Name", "Phone", $"cf:{tier}"], session.GetProperty("mapping").EnumerateArray().Select(m => m.GetProperty("field").GetString()));
        var patched = await JsonOf(await client.PatchAsJsonAsync($"/api/v1/imports/{id}", new { mapping = new[] { "Name", "Phone", "cf:999999" } }),
            HttpStatusCode.UnprocessableEntity);
        Assert.Contains("'Hạng'", patched.GetProperty("errors").GetProperty("mapping")[0].GetString());
        Assert.Equal($"cf:{tier}", (await client.GetFromJsonAsync<JsonElement>($"/api/v1/imports/{id}")).GetProperty("mapping")[2].GetProperty("field").GetString());

        var check = await JsonOf(await client.PostAsync($"/api/v1/imports/{id}/check", null), HttpStatusCode.OK);
        Assert.Equal((1, 1), (check.GetProperty("create").GetInt32(), check.GetProperty("fail").GetInt32()));
        var error = check.GetProperty("failedRows")[0].GetProperty("errors")[0];
        Assert.Equal(("choice-invalid", $"cf:{tier}", "Đồng"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString(), error.GetProperty("value").GetString()));
        Assert.Equal("Hạng thẻ 'Đồng' is not one of the field's choices", error.GetProperty("message").GetString());

        var confirmed = await client.PostAsync($"/api/v1/imports/{id}/confirm", null);
        Assert.Equal(HttpStatusCode.Accepted, confirmed.StatusCode);
        Assert.Equal("Succeeded", (await FinishedJobAsync(client, confirmed.Headers.Location!.ToString())).GetProperty("state").GetString());
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var customer = await db.Customers.SingleAsync(c => c.Name == "Khách thẻ vàng");
            Assert.Equal("Vàng", (await db.CustomFieldValues.SingleAsync(v => v.CustomerId == customer.Id && v.FieldId == tier)).Value);
        }
    }

    [Fact]
    public async Task A_user_without_the_import_right_gets_403_and_another_users_session_404()
    {
        var lan = await ClientAsync(_lan);
        var id = (await JsonOf(await lan.PostAsync("/api/v1/imports", Upload("a.csv", Csv("Tên,SĐT\nAn,0912345678\n"))), HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var seller = await ClientAsync(_seller);
        Assert.Equal(HttpStatusCode.Forbidden, (await seller.PostAsync("/api/v1/imports", Upload("a.csv", Csv("Tên,SĐT\nAn,0912345678\n")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await seller.GetAsync($"/api/v1/imports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await seller.GetAsync("/api/v1/imports/history")).StatusCode);
        var problem = await JsonOf(await seller.PostAsync($"/api/v1/imports/{id}/confirm", null), HttpStatusCode.Forbidden);
        Assert.Contains("CustomersImport", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var minh = await ClientAsync(_minh);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/imports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.PostAsync($"/api/v1/imports/{id}/check", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.PostAsync($"/api/v1/imports/{id}/confirm", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/imports/{id}/failed-rows")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.PatchAsJsonAsync($"/api/v1/imports/{id}", new { updateExisting = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.DeleteAsync($"/api/v1/imports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await minh.GetAsync($"/api/v1/imports/{Guid.NewGuid()}")).StatusCode);

        // The owner still has it, and can discard it.
        Assert.Equal(HttpStatusCode.OK, (await lan.GetAsync($"/api/v1/imports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await lan.DeleteAsync($"/api/v1/imports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await lan.GetAsync($"/api/v1/imports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient().GetAsync("/api/v1/imports/history")).StatusCode);
    }

    [Fact]
    public async Task Malformed_empty_and_too_large_files_are_refused_and_nothing_changes()
    {
        var client = await ClientAsync(_lan);
        var before = await WrittenAsync();

        var notZip = await JsonOf(await client.PostAsync("/api/v1/imports", Upload("khach.xlsx", Encoding.UTF8.GetBytes("Tên,SĐT\nAn,0912345678\n"))), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(FileRejections.NotWhatItClaims, notZip.GetProperty("code").GetString());
        Assert.Contains("not what its name says", notZip.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);

        var truncated = CustomersXlsx()[..600];
        var corrupt = await JsonOf(await client.PostAsync("/api/v1/imports", Upload("khach.xlsx", truncated)), HttpStatusCode.UnprocessableEntity);
        Assert.False(string.IsNullOrWhiteSpace(corrupt.GetProperty("errors").GetProperty("file")[0].GetString()));

        var headerOnly = await JsonOf(await client.PostAsync("/api/v1/imports", Upload("a.csv", Csv("Tên,SĐT\n"))), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("no data rows", headerOnly.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        var noFile = await JsonOf(await client.PostAsync("/api/v1/imports", Upload(string.Empty, [], ("updateExisting", "true"))), HttpStatusCode.UnprocessableEntity);
        Assert.True(noFile.GetProperty("errors").TryGetProperty("file", out _));
        var badFlag = await JsonOf(await client.PostAsync("/api/v1/imports", Upload("a.csv", Csv("Tên,SĐT\nAn,0912345678\n"), ("updateExisting", "maybe"))), HttpStatusCode.UnprocessableEntity);
        Assert.True(badFlag.GetProperty("errors").TryGetProperty("updateExisting", out _));

        var big = new StringBuilder("Tên,SĐT\n");
        for (var i = 0; big.Length <= MaxFileBytes; i++)
        {
            big.Append("Khách hàng số ").Append(i).Append(",09").Append((10_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        var tooLarge = await client.PostAsync("/api/v1/imports", Upload("big.csv", Csv(big.ToString())));
        var refused = await JsonOf(tooLarge, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(FileRejections.TooLarge, refused.GetProperty("code").GetString());
        Assert.Contains("larger than 1 MB", refused.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);

        Assert.Equal(before, await WrittenAsync());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_import_endpoints()
    {
        var doc = await (await ClientAsync(_lan)).GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/imports/{id}/confirm", doc, StringComparison.Ordinal);
        Assert.Contains("/api/v1/imports/{id}/failed-rows", doc, StringComparison.Ordinal);
        Assert.Contains("UploadImport", doc, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_confirmed_import_cancelled_through_the_api_stops_and_writes_nothing()
    {
        var client = await ClientAsync(_lan);
        var minh = await ClientAsync(_minh);
        // Each token's first use records it (then at most once a minute): done here, before the write lock below.
        Assert.Equal(HttpStatusCode.OK, (await minh.GetAsync("/api/v1/imports/history")).StatusCode);
        var before = await WrittenAsync();
        var csv = new StringBuilder("Tên khách hàng,Điện thoại\n");
        for (var i = 0; i < 2_000; i++)
        {
            csv.Append("Khách hủy ").Append(i).Append(",0904").Append(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        var id = (await JsonOf(await client.PostAsync("/api/v1/imports", Upload("huy.csv", Csv(csv.ToString()))), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        // No job to cancel before the confirm.
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/imports/{id}/job")).StatusCode);
        Assert.Equal(2_000, (await JsonOf(await client.PostAsync($"/api/v1/imports/{id}/check", null), HttpStatusCode.OK)).GetProperty("create").GetInt32());

        // Another connection holds SQLite's write lock, so the job cannot write its first row before the cancel arrives.
        string connectionString;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            connectionString = db.Database.GetConnectionString()!;
        }

        await using (var blocker = new Microsoft.Data.Sqlite.SqliteConnection(connectionString))
        {
            await blocker.OpenAsync();
            await using var transaction = blocker.BeginTransaction(deferred: false);
            await JsonOf(await client.PostAsync($"/api/v1/imports/{id}/confirm", null), HttpStatusCode.Accepted);
            // Another importer cannot cancel Lan's job.
            Assert.Equal(HttpStatusCode.NotFound, (await minh.DeleteAsync($"/api/v1/imports/{id}/job")).StatusCode);
            var cancelled = await client.DeleteAsync($"/api/v1/imports/{id}/job");
            await JsonOf(cancelled, HttpStatusCode.Accepted);
            Assert.Equal($"/api/v1/imports/{id}/job", cancelled.Headers.Location!.OriginalString);
            await transaction.RollbackAsync();
        }

        var job = await FinishedJobAsync(client, $"/api/v1/imports/{id}/job");
        Assert.Equal("Cancelled", job.GetProperty("state").GetString());
        Assert.Equal(before, await WrittenAsync());
    }
}

/// <summary>
/// On Kestrel an upload far over the limit is read no further than the limit (the rest is thrown away unread into memory)
/// and answered with the import page's message as problem+json (issue 21; it was an empty 413 or a broken connection).
/// </summary>
public sealed class ApiImportBodyLimitTests
{
    [Fact]
    public async Task An_upload_far_over_the_limit_is_refused_with_413_and_the_pages_message()
    {
        await using var app = new CrmAppFactory(kestrel: true, new Dictionary<string, string?> { ["Import:MaxFileBytes"] = "100000" });
        app.StartServer();
        var lan = await app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault | Rights.CustomersImport);
        string token;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            token = await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync((await CurrentUser.LoadAsync(app.DbFactory, lan))!, "limit");
        }

        using var http = new HttpClient { BaseAddress = new Uri(app.ServerAddress) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var huge = new MultipartFormDataContent { { new ByteArrayContent(new byte[3 * 1024 * 1024]), "file", "huge.csv" } };
        var response = await http.PostAsync("/api/v1/imports", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(FileRejections.TooLarge, problem.GetProperty("code").GetString());
        Assert.Equal("The file is larger than 0.1 MB.", problem.GetProperty("errors").GetProperty("file")[0].GetString());
        using var small = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("Tên,SĐT\nAn,0912345678\n")), "file", "a.csv" } };
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/api/v1/imports", small)).StatusCode);
    }
}
