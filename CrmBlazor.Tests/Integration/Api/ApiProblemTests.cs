using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Api;
using CrmBlazor.Features.Import;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>
/// Issue 21, on Kestrel (where the server's body limit applies): an import upload over the size limit answers the import
/// page's message as problem+json whatever its size (just over the file limit, just over the request limit, 40 MB
/// streamed), and every API problem's title is in the request's language (vi or en).
/// </summary>
public sealed class ApiProblemTests : IAsyncLifetime
{
    private const long MaxFileBytes = 1024 * 1024;

    private CrmAppFactory _app = null!;
    private string _token = null!;
    private int _customer;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Import:MaxFileBytes"] = MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Api:RequestsPerMinute"] = "1000",
        });
        _app.StartServer();
        var lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault | Rights.CustomersImport, "Nguyễn Thị Lan");
        _customer = await _app.CreateCustomerAsync("Khách của Lan", "0912000001", lan);
        await using var scope = _app.Services.CreateAsyncScope();
        _token = await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync((await CurrentUser.LoadAsync(_app.DbFactory, lan))!, "problems");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpClient Client(string? language, bool token = true)
    {
        var http = new HttpClient { BaseAddress = new Uri(_app.ServerAddress), Timeout = TimeSpan.FromSeconds(60) };
        if (token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        if (language is not null)
        {
            http.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        }

        return http;
    }

    public static TheoryData<string, long, bool> Sizes => new()
    {
        { "just over the file limit (the endpoint measures it)", MaxFileBytes + 1000, true },
        { "just over the request limit (the server refuses the body)", MaxFileBytes + 1024 * 1024 + 1000, true },
        { "far over, with its length", 12L * 1024 * 1024, true },
        { "40 MB streamed, length unknown", 40L * 1024 * 1024, false },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task An_upload_over_the_limit_answers_the_pages_message_as_problem_json(string because, long size, bool withLength)
    {
        Assert.True(size > MaxFileBytes, because);
        foreach (var (language, message, title) in new[]
        {
            ("vi", "Tệp lớn hơn 1 MB.", "Tệp bị từ chối; chưa có gì được đọc vào cơ sở dữ liệu."),
            ("en", "The file is larger than 1 MB.", "The file was refused; nothing was read into the database."),
        })
        {
            using var http = Client(language);
            using var response = await http.PostAsync("/api/v1/imports", new BigUpload(size, withLength));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(FileRejections.TooLarge, problem.GetProperty("code").GetString());
            Assert.Equal(message, problem.GetProperty("errors").GetProperty("file")[0].GetString());
            Assert.Equal(title, problem.GetProperty("title").GetString());
            Assert.Equal(413, problem.GetProperty("status").GetInt32());
        }

        // The server is still well: a small upload goes through.
        using var ok = Client("en");
        var small = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("Tên,SĐT\nAn,0912345678\n")), "file", "a.csv" } };
        Assert.Equal(HttpStatusCode.Created, (await ok.PostAsync("/api/v1/imports", small)).StatusCode);
    }

    [Fact]
    public async Task Every_problem_title_is_in_the_requests_language()
    {
        foreach (var (language, vietnamese) in new[] { ("vi", true), ("vi-VN,en;q=0.5", true), ("en", false), (null, false), ("fr, vi;q=0.1", false) })
        {
            using var http = Client(language);
            string Expect(string vi, string en) => vietnamese ? vi : en;

            // 401: no token (the authentication's challenge, empty before).
            using (var anonymous = Client(language, token: false))
            {
                await AssertProblem(await anonymous.GetAsync("/api/v1/customers"), HttpStatusCode.Unauthorized, Expect("Chưa đăng nhập", "Unauthorized"));
            }

            // 404: an unknown customer (Results.NotFound(), empty before) and an unknown import.
            await AssertProblem(await http.GetAsync("/api/v1/customers/999999"), HttpStatusCode.NotFound, Expect("Không tìm thấy", "Not found"));
            await AssertProblem(await http.GetAsync($"/api/v1/imports/{Guid.NewGuid()}"), HttpStatusCode.NotFound, Expect("Không tìm thấy", "Not found"));

            // 422: validation (ASP.NET Core's default title).
            await AssertProblem(await http.PostAsJsonAsync("/api/v1/customers", new { name = "Không liên lạc" }), HttpStatusCode.UnprocessableEntity,
                Expect("Dữ liệu gửi lên không hợp lệ.", "One or more validation errors occurred."));

            // 403: a right the user lacks (erase needs the purge right).
            await AssertProblem(await http.PostAsJsonAsync($"/api/v1/customers/{_customer}/erase", new { reason = "thử" }), HttpStatusCode.Forbidden,
                Expect("Không có quyền", "Forbidden"));

            // 409: a stale version.
            await AssertProblem(await http.PutAsJsonAsync($"/api/v1/customers/{_customer}", new { address = "cũ", version = 0 }), HttpStatusCode.Conflict,
                Expect("Xung đột dữ liệu", "Conflict"));

            // 422: a refused file, with the import's own title.
            var refused = await http.PostAsync("/api/v1/imports", new MultipartFormDataContent { { new ByteArrayContent("PK\u0003\u0004 not a zip"u8.ToArray()), "file", "a.xlsx" } });
            await AssertProblem(refused, HttpStatusCode.UnprocessableEntity,
                Expect("Tệp bị từ chối; chưa có gì được đọc vào cơ sở dữ liệu.", "The file was refused; nothing was read into the database."));

            // 413: a JSON body over the API's limit.
            var tooBig = await http.PostAsJsonAsync("/api/v1/customers", new { name = "Quá lớn", address = new string('a', ApiEndpoints.JsonBodyLimitBytes + 1) });
            await AssertProblem(tooBig, HttpStatusCode.RequestEntityTooLarge, Expect("Nội dung gửi lên quá lớn", "Request body too large"));
        }
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }

    /// <summary>A multipart upload of a CSV file of <paramref name="size"/> bytes, written as it is sent (never held in
    /// memory); without its length the request is sent chunked.</summary>
    private sealed class BigUpload : HttpContent
    {
        private const string Boundary = "----crm-test-boundary";
        private static readonly byte[] Head = Encoding.UTF8.GetBytes(
            $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\nTên,SĐT\n");
        private static readonly byte[] Tail = Encoding.UTF8.GetBytes($"\r\n--{Boundary}--\r\n");
        private readonly long _size;
        private readonly bool _withLength;

        public BigUpload(long size, bool withLength)
        {
            _size = size;
            _withLength = withLength;
            Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Head);
            var line = Encoding.UTF8.GetBytes("Khách hàng số 1,0912345678\n");
            var chunk = new byte[64 * 1024];
            for (var i = 0; i + line.Length <= chunk.Length; i += line.Length)
            {
                line.CopyTo(chunk, i);
            }

            for (var left = _size - Head.Length - Tail.Length; left > 0; left -= chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)));
            }

            await stream.WriteAsync(Tail);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _size;
            return _withLength;
        }
    }
}
