using System.Globalization;
using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Import;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Features.Api;

/// <summary>The multipart form of POST /api/v1/imports. Booleans: true/false (1/0, on/off); owners: user ids or login names, comma-separated.</summary>
public sealed class ImportUploadForm
{
    /// <summary>The .xlsx, .xls or .csv file (R3.1).</summary>
    public IFormFile? File { get; set; }
    /// <summary>JSON: an object header → field ({"SĐT":"Phone"}) or an array with one field per column (["Name","Phone",null]);
    /// a custom field is "cf:&lt;id&gt;" (or its name).</summary>
    public string? Mapping { get; set; }
    public string? UpdateExisting { get; set; }
    public string? OverwriteByCode { get; set; }
    public string? Owners { get; set; }
}

/// <summary>PATCH /api/v1/imports/{id}: what is omitted keeps its value.</summary>
public sealed record ImportChangeRequest
{
    /// <summary>As in <see cref="ImportUploadForm.Mapping"/>: an object changes the named columns, an array sets every column.</summary>
    public JsonElement? Mapping { get; init; }
    public bool? UpdateExisting { get; init; }
    public bool? OverwriteByCode { get; init; }
    /// <summary>User ids or login names for round robin; empty: the token's user owns the new customers.</summary>
    public IReadOnlyList<string>? Owners { get; init; }
    /// <summary>
    /// The check's unknown values taken as existing entries ({"kind":"relationship","value":"Tiềm năng","mapTo":"Khách hàng tiềm năng"})
    /// or created now ({"kind":"source","value":"Hội chợ","create":true}, needs the CRM settings right). Added to those given before.
    /// </summary>
    public IReadOnlyList<ImportValueChoice>? ValueMappings { get; init; }
}

/// <summary>One unknown value of the file: <see cref="Kind"/> is relationship, source or group.</summary>
public sealed record ImportValueChoice(string Kind, string Value, string? MapTo = null, bool Create = false);

/// <summary>
/// Imports through the API (R3.2 as a second door): upload a file with options → check (writes nothing) → confirm
/// (a background job of <see cref="ImportJobs"/>) → poll the job → download the failed rows. Same services, same
/// right (CustomersImport) and the same scope as the import page. Row errors and file rejections are worded in English,
/// or in Vietnamese for "Accept-Language: vi"; their codes are stable.
/// </summary>
public static class ApiImportEndpoints
{
    /// <summary>Failed and skipped rows listed in a check answer; all failed rows are in the failed-rows file.</summary>
    public const int MaxListedRows = 1000;

    public static RouteGroupBuilder MapImports(this RouteGroupBuilder api)
    {
        var limits = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<ImportLimits>();
        var imports = api.MapGroup("/imports").AddEndpointFilter(UseApiCulture).WithTags("Imports");

        imports.MapPost("/", UploadAsync)
            // The server's own limit is only the hard cap of LimitUploadAsync, which enforces the real one.
            .WithMetadata(new RequestSizeLimitAttribute(DrainCap(limits)))
            .WithName(UploadName)
            .WithSummary("Uploads an .xlsx, .xls or .csv file with options and an optional mapping; answers the session (201). Nothing is written yet. " +
                         "A file over the size limit answers 413 with the import page's message, whatever its size.");

        imports.MapGet("/{id:guid}", async (HttpContext http, ApiImportSessions sessions, Guid id, CancellationToken ct) =>
            Results.Ok(View((await SessionAsync(http, sessions, id, ct)).Session)))
            .WithName("GetImport").WithSummary("An import session: file, mapping, options, the last check's counts and the job once confirmed.");

        imports.MapPatch("/{id:guid}", ChangeAsync)
            .WithName("ChangeImport").WithSummary("Changes the mapping or options before confirming; the check must be run again.");

        imports.MapDelete("/{id:guid}", async (HttpContext http, ApiImportSessions sessions, Guid id, CancellationToken ct) =>
        {
            var me = await ImporterAsync(http, ct);
            return sessions.Remove(id, me.UserId) ? Results.NoContent() : NotFound(id);
        }).WithName("DiscardImport").WithSummary("Forgets an uploaded file (a confirmed job keeps running).");

        imports.MapPost("/{id:guid}/check", async (HttpContext http, ApiImportSessions sessions, ImportService import, ImportUnknownValues unknown,
            IStringLocalizer<ImportText> t, Guid id, CancellationToken ct) =>
        {
            var (me, session) = await SessionAsync(http, sessions, id, ct);
            var check = await CheckAsync(import, me, session, ct);
            var whoCan = check.UnknownValues.Count > 0 && !me.Has(Rights.CrmSettings) ? await unknown.WhoCanCreateAsync(ct) : [];
            return Results.Ok(CheckView(check, t, id, me.Has(Rights.CrmSettings), whoCan));
        }).WithName("CheckImport").WithSummary("What the import would do: create, update, skip, fail and contact counts with the failed and skipped rows. Writes nothing.");

        imports.MapPost("/{id:guid}/confirm", ConfirmAsync)
            .WithName("ConfirmImport").WithSummary("Starts the import as a background job (202 with the job's location); every valid row is written, or none.");

        imports.MapGet("/{id:guid}/job", async (HttpContext http, ApiImportSessions sessions, Guid id, CancellationToken ct) =>
        {
            var (_, session) = await SessionAsync(http, sessions, id, ct);
            return session.Job is { } job ? Results.Ok(JobView(job)) : NotConfirmed(id);
        }).WithName("GetImportJob").WithSummary("The job's state (Queued, Running, Succeeded, Failed, Cancelled), progress and result counts.");

        imports.MapDelete("/{id:guid}/job", async (HttpContext http, ApiImportSessions sessions, Guid id, CancellationToken ct) =>
        {
            var (_, session) = await SessionAsync(http, sessions, id, ct);
            if (session.Job is not { } job)
            {
                return NotConfirmed(id);
            }

            job.Cancel();
            return Results.Accepted($"/api/v1/imports/{id}/job", JobView(job));
        }).WithName("CancelImportJob").WithSummary("Asks a running import to stop; its transaction rolls back and nothing is written.");

        imports.MapGet("/{id:guid}/failed-rows", async (HttpContext http, ApiImportSessions sessions, IStringLocalizer<ImportText> t, Guid id, CancellationToken ct) =>
        {
            var (_, session) = await SessionAsync(http, sessions, id, ct);
            var check = session.Job?.Result?.Check ?? session.Check
                ?? throw new KeyNotFoundException("Run the check first: the failed rows are known after it.");
            var bytes = ImportFiles.FailedRowsFile(session.Sheet, check, e => ImportFeature.Describe(t, e));
            return Results.File(bytes, ImportFeature.XlsxType, Path.GetFileNameWithoutExtension(session.Sheet.FileName) + "-loi.xlsx");
        }).WithName("DownloadFailedImportRows").WithSummary("The failed rows as .xlsx: the original columns plus \"Lỗi / Error\", to fix and upload again.");

        imports.MapGet("/history", async (HttpContext http, ImportService import, CancellationToken ct) =>
            Results.Ok(await import.HistoryAsync(await ApiEndpoints.MeAsync(http, ct), ct)))
            .WithName("ListImportBatches").WithSummary("Past imports of the token's user (all imports with 'view all'), newest first.");

        imports.MapPost("/batches/{batchId:int}/undo", async (HttpContext http, ImportService import, ImportJobs jobs, int batchId, CancellationToken ct) =>
        {
            var me = await ImporterAsync(http, ct);
            // Unknown (404), another user's (403) or closed (422) answer at once; the undo runs as a job like an import.
            await import.History.EnsureUndoableAsync(me, batchId, ct);
            var job = jobs.EnqueueUndo(me, batchId);
            return Results.Accepted($"/api/v1/imports/undo-jobs/{job.Id}", JobView(job));
        }).WithName("UndoImportBatch")
            .WithSummary("Starts undoing an import within 30 days as a background job (202 with the job's location); customers changed since are left alone and listed.");

        imports.MapGet("/undo-jobs/{jobId:guid}", async (HttpContext http, ImportJobs jobs, Guid jobId, CancellationToken ct) =>
        {
            var me = await ImporterAsync(http, ct);
            return jobs.Find(jobId, me.UserId) is { UndoBatchId: not null } job
                ? Results.Ok(JobView(job))
                : Results.Problem($"No undo job {jobId}: unknown, another user's, or expired.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
        }).WithName("GetImportUndoJob").WithSummary("The undo job's state (Queued, Running, Succeeded, Failed), progress and, once done, what it removed, restored and left alone.");

        return api;
    }

    public const string UploadName = "UploadImport";

    /// <summary>POST /api/v1/imports (before routing: <see cref="ApiProblems.UseApiProblems"/> runs first).</summary>
    internal static bool IsUpload(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && string.Equals(request.Path.Value?.TrimEnd('/'), "/api/v1/imports", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The most an over-limit upload is read (and thrown away) to answer it: a client sending a body does not read the
    /// answer before it has sent it all, so a server that answers and closes early leaves it with a broken connection
    /// instead of the message. Past this the server's own limit closes the connection.
    /// </summary>
    private static long DrainCap(ImportLimits limits) => Math.Max(128L * 1024 * 1024, 10 * (limits.MaxFileBytes + FormOverhead));

    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs the upload with its body limited to the file limit and the form around it. A body over it (announced by its
    /// Content-Length or found while streaming) ends the form binding; the rest of the body is then read and thrown away
    /// (up to <see cref="DrainCap"/>, for at most a minute) and the answer is the import page's message as problem+json
    /// (413), whatever the size: a file just over the limit, or 40 MB streamed without a length (issue 21).
    /// </summary>
    internal static async Task LimitUploadAsync(HttpContext context, RequestDelegate next)
    {
        var import = context.RequestServices.GetRequiredService<ImportService>();
        var original = context.Request.Body;
        var limited = new LimitedBody(original, import.Limits.MaxFileBytes + FormOverhead, context.Request.ContentLength);
        context.Request.Body = limited;
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException) when (limited.Exceeded && !context.Response.HasStarted)
        {
            // Not caught by the form binding: answered below all the same.
        }
        finally
        {
            context.Request.Body = original;
        }

        if (!limited.Exceeded || context.Response.HasStarted)
        {
            return;
        }

        await DrainAsync(original, context.RequestAborted);
        await TooLarge(context).ExecuteAsync(context);
    }

    private static async Task DrainAsync(Stream body, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(DrainTime);
        var buffer = new byte[64 * 1024];
        try
        {
            while (await body.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // Over the server's cap, too slow or gone: answered all the same (the connection closes after the answer).
        }
    }

    /// <summary>The answer to an upload over the size limit: the problem the page's words make (ImportFeature.Rejection).</summary>
    internal static IResult TooLarge(HttpContext http)
    {
        var import = http.RequestServices.GetRequiredService<ImportService>();
        var t = http.RequestServices.GetRequiredService<IStringLocalizer<ImportText>>();
        var size = http.Request.ContentLength is long length ? $"{length} bytes" : "a streamed body";
        return Refused(t, new ImportFileRejectedException(FileRejections.TooLarge, size), import.Limits);
    }

    /// <summary>A request body that refuses to be read past <c>limit</c> bytes as the server's own limit does (413).</summary>
    private sealed class LimitedBody(Stream inner, long limit, long? announced) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, Allowed(count)));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        /// <summary>Reads one byte past the limit at most, to tell a body of exactly the limit from a longer one.</summary>
        private int Allowed(int count)
        {
            if (announced > limit || _read > limit)
            {
                Exceeded = true;
                throw new BadHttpRequestException("The request body is larger than the upload limit.", StatusCodes.Status413PayloadTooLarge);
            }

            return (int)Math.Min(count, limit + 1 - _read);
        }

        private int Count(int n)
        {
            _read += n;
            if (_read > limit)
            {
                Exceeded = true;
                throw new BadHttpRequestException("The request body is larger than the upload limit.", StatusCodes.Status413PayloadTooLarge);
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Room for the multipart boundaries and the other form fields around the file.</summary>
    private const long FormOverhead = 1024 * 1024;

    private static async Task<IResult> UploadAsync(HttpContext http, ImportService import, ApiImportSessions sessions, IDbContextFactory<CrmDbContext> dbFactory,
        IStringLocalizer<ImportText> t, [FromForm] ImportUploadForm form, CancellationToken ct)
    {
        var me = await ImporterAsync(http, ct);
        if (form.File is not { } file)
        {
            return Invalid("file", "Send the spreadsheet as the form field 'file' (multipart/form-data).");
        }

        if (file.Length > import.Limits.MaxFileBytes)
        {
            return Refused(t, new ImportFileRejectedException(FileRejections.TooLarge, $"{file.Length} bytes"), import.Limits);
        }

        byte[] bytes;
        using (var ms = new MemoryStream((int)file.Length))
        {
            await using var stream = file.OpenReadStream();
            await stream.CopyToAsync(ms, ct);
            bytes = ms.ToArray();
        }

        ImportSheet sheet;
        try
        {
            sheet = import.ReadFile(me, Path.GetFileName(file.FileName), bytes, ct);
        }
        catch (ImportFileRejectedException ex)
        {
            return Refused(t, ex, import.Limits);
        }

        if (sheet.Rows.Count == 0)
        {
            return Invalid("file", t["The file has a header row but no data rows."]);
        }

        var mapping = await import.ProposeMappingAsync(me, sheet.Headers, ct);
        if (!string.IsNullOrWhiteSpace(form.Mapping))
        {
            mapping = ParseMapping(ParseJson(form.Mapping), sheet.Headers, mapping, await import.CustomFieldNamesAsync(ct));
        }

        var options = new ImportOptions
        {
            UpdateExisting = Flag(form.UpdateExisting, "updateExisting"),
            OverwriteByCode = Flag(form.OverwriteByCode, "overwriteByCode"),
            OwnerRotation = await OwnersAsync(dbFactory, form.Owners?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [], ct),
        };
        var session = sessions.Add(me.UserId, sheet, ImportFields.OneFieldPerColumn(mapping), options);
        return Results.Created($"/api/v1/imports/{session.Id}", View(session));
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, ApiImportSessions sessions, IDbContextFactory<CrmDbContext> dbFactory, ImportService import,
        ImportUnknownValues unknown, Guid id, ImportChangeRequest request, CancellationToken ct)
    {
        var (me, session) = await SessionAsync(http, sessions, id, ct);
        var (mapping, options) = session.Snapshot();
        if (request.Mapping is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } json)
        {
            mapping = ImportFields.OneFieldPerColumn(ParseMapping(json, session.Sheet.Headers, mapping, await import.CustomFieldNamesAsync(ct)));
        }

        options = options with
        {
            UpdateExisting = request.UpdateExisting ?? options.UpdateExisting,
            OverwriteByCode = request.OverwriteByCode ?? options.OverwriteByCode,
            OwnerRotation = request.Owners is null ? options.OwnerRotation : await OwnersAsync(dbFactory, request.Owners, ct),
            ValueMappings = request.ValueMappings is null ? options.ValueMappings
                : await ValueMappingsAsync(me, import, unknown, options.ValueMappings, request.ValueMappings, ct),
        };
        try
        {
            session.Change(mapping, options);
        }
        catch (InvalidOperationException)
        {
            return AlreadyConfirmed(session);
        }

        return Results.Ok(View(session));
    }

    private static async Task<IResult> ConfirmAsync(HttpContext http, ApiImportSessions sessions, ImportService import, ImportJobs jobs, Guid id, CancellationToken ct)
    {
        var (me, session) = await SessionAsync(http, sessions, id, ct);
        if (session.Job is not null)
        {
            return AlreadyConfirmed(session);
        }

        // The check is run again when it is missing or older than the last change; the job checks once more in its transaction.
        var check = session.Check ?? await CheckAsync(import, me, session, ct);
        if (check.Create + check.Update + check.ContactsAdded == 0)
        {
            return Invalid("file", "Nothing to import: every row fails or is skipped (see the check).");
        }

        return session.Confirm((mapping, options) => jobs.Enqueue(me, session.Sheet, mapping, options, check), out var job)
            ? Results.Accepted($"/api/v1/imports/{id}/job", JobView(job))
            : AlreadyConfirmed(session);
    }

    /// <summary>
    /// The session's value mappings with <paramref name="choices"/> added: each maps to an entry that exists (400 otherwise)
    /// or creates it, which needs the CRM settings right (403 naming the users who have it). The same as the page's check step.
    /// </summary>
    private static async Task<IReadOnlyList<ImportValueMapping>> ValueMappingsAsync(UserAccess me, ImportService import, ImportUnknownValues unknown,
        IReadOnlyList<ImportValueMapping> before, IReadOnlyList<ImportValueChoice> choices, CancellationToken ct)
    {
        var result = before.ToList();
        foreach (var choice in choices)
        {
            if (!Enum.TryParse<ImportValueKind>(choice.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || string.IsNullOrWhiteSpace(choice.Value))
            {
                throw new ArgumentException($"'{choice.Kind}' is not relationship, source or group, or the value is empty.", "valueMappings");
            }

            ImportValueMapping mapping;
            if (choice.Create)
            {
                if (!me.Has(Rights.CrmSettings))
                {
                    var who = await unknown.WhoCanCreateAsync(ct);
                    throw new AccessDeniedException($"Only users with the CRM settings right can create a {kind.ToString().ToLowerInvariant()}: {string.Join(", ", who)}.");
                }

                mapping = await unknown.CreateAsync(me, kind, choice.Value, ct);
            }
            else
            {
                var reference = await import.ReferenceAsync(ct);
                var existing = kind switch
                {
                    ImportValueKind.Relationship => reference.Relationships,
                    ImportValueKind.Source => reference.Sources,
                    _ => reference.Groups,
                };
                var target = existing.FirstOrDefault(e => Domain.Common.SearchKey.Fold(e) == Domain.Common.SearchKey.Fold(choice.MapTo))
                    ?? throw new ArgumentException($"No {kind.ToString().ToLowerInvariant()} '{choice.MapTo}'. Existing: {string.Join(", ", existing)}.", "valueMappings");
                mapping = new ImportValueMapping(kind, choice.Value, target);
            }

            result.RemoveAll(m => m.Kind == kind && Domain.Common.SearchKey.Fold(m.Value) == Domain.Common.SearchKey.Fold(choice.Value));
            result.Add(mapping);
        }

        return result;
    }

    /// <summary>The token's user, who must have the import right (403 otherwise).</summary>
    private static async Task<UserAccess> ImporterAsync(HttpContext http, CancellationToken ct)
    {
        var me = await ApiEndpoints.MeAsync(http, ct);
        ImportService.Require(me, Rights.CustomersImport);
        return me;
    }

    /// <summary>The user's session: 403 without the import right, 404 when unknown, expired or another user's.</summary>
    private static async Task<(UserAccess Me, ApiImportSession Session)> SessionAsync(HttpContext http, ApiImportSessions sessions, Guid id, CancellationToken ct)
    {
        var me = await ImporterAsync(http, ct);
        return (me, sessions.Find(id, me.UserId) ?? throw new KeyNotFoundException($"No import {id}: unknown, another user's, or expired an hour after its last use."));
    }

    private static async Task<ImportCheck> CheckAsync(ImportService import, UserAccess me, ApiImportSession session, CancellationToken ct)
    {
        var (mapping, options) = session.Snapshot();
        var check = await import.CheckAsync(me, session.Sheet, mapping, options, ct);
        session.Checked(check, mapping, options);
        return check;
    }

    private static ValueTask<object?> UseApiCulture(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        CultureInfo.CurrentUICulture = ApiProblems.CultureOf(context.HttpContext.Request);
        return next(context);
    }

    private static IResult Refused(IStringLocalizer<ImportText> t, ImportFileRejectedException ex, ImportLimits limits) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [ImportFeature.Rejection(t, ex, limits)] },
            title: "The file was refused; nothing was read into the database.",
            statusCode: ex.Code == FileRejections.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status422UnprocessableEntity,
            extensions: new Dictionary<string, object?> { ["code"] = ex.Code });

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, statusCode: StatusCodes.Status422UnprocessableEntity);

    private static IResult NotFound(Guid id) =>
        Results.Problem($"No import {id}: unknown, another user's, or expired.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static IResult NotConfirmed(Guid id) =>
        Results.Problem($"Import {id} is not confirmed yet: POST /api/v1/imports/{id}/confirm starts it.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static IResult AlreadyConfirmed(ApiImportSession session) =>
        Results.Problem($"Import {session.Id} is already confirmed; follow its job.", statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: new Dictionary<string, object?> { ["job"] = $"/api/v1/imports/{session.Id}/job" });

    private static bool Flag(string? text, string name) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" or "0" or "off" or "no" => false,
        "true" or "1" or "on" or "yes" => true,
        _ => throw new ArgumentException($"'{text}' is not true or false.", name),
    };

    private static JsonElement ParseJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("The mapping is not JSON: " + ex.Message, "mapping");
        }
    }

    /// <summary>
    /// An array sets every column in order (null or "Skip" skips it; missing columns are skipped); an object changes the
    /// columns it names by header (case, diacritics and spacing ignored) or by column letter. Fields are
    /// <see cref="ImportField"/> names or the headers the templates use ("Tên khách hàng", "Phone"); a custom field (R1.3)
    /// is "cf:&lt;id&gt;" or its name, and must be one of <paramref name="customFields"/> (id → name: not deleted).
    /// </summary>
    internal static ImportField[] ParseMapping(JsonElement json, IReadOnlyList<string> headers, IReadOnlyList<ImportField> proposed,
        IReadOnlyDictionary<int, string> customFields)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Array:
                if (json.GetArrayLength() > headers.Count)
                {
                    throw new ArgumentException($"The mapping has {json.GetArrayLength()} fields for {headers.Count} columns.", "mapping");
                }

                var all = new ImportField[headers.Count];
                var i = 0;
                foreach (var item in json.EnumerateArray())
                {
                    all[i] = FieldOf(item, headers[i], customFields);
                    i++;
                }

                return all;
            case JsonValueKind.Object:
                var changed = proposed.ToArray();
                foreach (var property in json.EnumerateObject())
                {
                    var column = ColumnOf(property.Name, headers)
                        ?? throw new ArgumentException($"The file has no column '{property.Name}'. Columns: {string.Join(", ", headers)}.", "mapping");
                    changed[column] = FieldOf(property.Value, headers[column], customFields);
                }

                return changed;
            default:
                throw new ArgumentException("The mapping is a JSON object (header → field) or an array (one field per column).", "mapping");
        }
    }

    private static int? ColumnOf(string name, IReadOnlyList<string> headers)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            if (string.Equals(headers[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        var key = ImportFields.HeaderKey(name);
        for (var i = 0; i < headers.Count; i++)
        {
            if (key.Length > 0 && ImportFields.HeaderKey(headers[i]) == key)
            {
                return i;
            }
        }

        for (var i = 0; i < headers.Count; i++)
        {
            if (string.Equals(ImportFileReader.ColumnLetter(i), name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return null;
    }

    private static ImportField FieldOf(JsonElement value, string column, IReadOnlyDictionary<int, string> customFields)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return ImportField.Skip;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()?.Trim() : null;
        if (string.IsNullOrEmpty(text))
        {
            throw new ArgumentException($"Column '{column}': {value} is not a field name.", "mapping");
        }

        if (ImportFields.TryParseKey(text, out var field))
        {
            return !ImportFields.TryGetCustomId(field, out var id) || customFields.ContainsKey(id)
                ? field
                : throw new ArgumentException($"Column '{column}': '{text}' is not a custom field (unknown or deleted). Custom fields: " +
                                              $"{string.Join(", ", customFields.Select(f => $"{Customer.CustomFieldKey(f.Key)} ({f.Value})"))}.", "mapping");
        }

        var byName = customFields.GroupBy(f => ImportFields.HeaderKey(f.Value)).ToDictionary(g => g.Key, g => g.First().Key);
        return ImportFields.Propose(text, byName) is var proposed and not ImportField.Skip
            ? proposed
            : throw new ArgumentException($"Column '{column}': '{text}' is not a field. Fields: {string.Join(", ", Enum.GetNames<ImportField>())}, " +
                                          "or cf:<id> for a custom field.", "mapping");
    }

    /// <summary>As on the import page: when several columns go to the same field, the first one is used.</summary>
    /// <summary>Active users by id or login name, in the order given (the round robin's order).</summary>
    private static async Task<IReadOnlyList<string>> OwnersAsync(IDbContextFactory<CrmDbContext> dbFactory, IReadOnlyList<string> given, CancellationToken ct)
    {
        var wanted = given.Select(g => g.Trim()).Where(g => g.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (wanted.Count == 0)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.StaffProfiles.AsNoTracking().Where(p => p.IsActive && (wanted.Contains(p.Id) || wanted.Contains(p.UserName)))
            .Select(p => new { p.Id, p.UserName }).ToListAsync(ct);
        var result = new List<string>();
        foreach (var w in wanted)
        {
            var user = users.FirstOrDefault(u => u.Id == w) ?? users.FirstOrDefault(u => string.Equals(u.UserName, w, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"No active user has the id or login name '{w}'.", "owners");
            result.Add(user.Id);
        }

        return result.Distinct().ToList();
    }

    private static object Links(Guid id) => new
    {
        self = $"/api/v1/imports/{id}",
        check = $"/api/v1/imports/{id}/check",
        confirm = $"/api/v1/imports/{id}/confirm",
        job = $"/api/v1/imports/{id}/job",
        failedRows = $"/api/v1/imports/{id}/failed-rows",
    };

    private static object View(ApiImportSession s)
    {
        var (mapping, options) = s.Snapshot();
        var check = s.Check;
        return new
        {
            id = s.Id,
            fileName = s.Sheet.FileName,
            rows = s.Sheet.Rows.Count,
            headers = s.Sheet.Headers,
            mapping = s.Sheet.Headers.Select((h, i) => new { column = ImportFileReader.ColumnLetter(i), header = h, field = ImportFields.Key(mapping[i]) }).ToList(),
            options = new
            {
                updateExisting = options.UpdateExisting, overwriteByCode = options.OverwriteByCode, owners = options.OwnerRotation,
                valueMappings = options.ValueMappings.Select(m => new { kind = m.Kind.ToString().ToLowerInvariant(), value = m.Value, mapTo = m.Target }).ToList(),
            },
            status = s.Job is not null ? "confirmed" : check is not null ? "checked" : "uploaded",
            createdAt = s.CreatedAt,
            expiresAt = s.TouchedAt + ApiImportSessions.Lifetime,
            check = check is null ? null : new { create = check.Create, update = check.Update, skip = check.Skip, fail = check.Fail, contactsAdded = check.ContactsAdded },
            job = s.Job is { } job ? JobView(job) : null,
            links = Links(s.Id),
        };
    }

    /// <summary>Lists are built here, not while the answer is written: the words depend on the culture the filter set for the handler.</summary>
    /// <param name="whoCan">Users with the CRM settings right, named to a user without it when values are unknown.</param>
    private static object CheckView(ImportCheck check, IStringLocalizer<ImportText> t, Guid id, bool canCreateValues, IReadOnlyList<string> whoCan) => new
    {
        create = check.Create,
        update = check.Update,
        skip = check.Skip,
        fail = check.Fail,
        contactsAdded = check.ContactsAdded,
        phonesConverted = check.PhonesConverted,
        unknownValues = check.UnknownValues.Select(u => new { kind = u.Kind.ToString().ToLowerInvariant(), value = u.Value, rows = u.Rows }).ToList(),
        canCreateValues,
        whoCanCreateValues = whoCan,
        failedRows = check.FailedRows.Take(MaxListedRows).Select(f => new
        {
            row = f.RowNumber,
            reason = string.Join("; ", f.Errors.Select(e => ImportFeature.Describe(t, e))),
            errors = f.Errors.Select(e => new { code = e.Code, field = ImportFields.Key(e.Field), value = e.Value, message = ImportFeature.Describe(t, e) }).ToList(),
        }).ToList(),
        skippedRows = check.SkippedRows.Take(MaxListedRows).Select(s => new
        {
            row = s.RowNumber,
            code = s.Reason,
            duplicateOfRow = s.DuplicateOfRow,
            reason = ImportFeature.SkipReason(t, s.Reason, s.DuplicateOfRow),
        }).ToList(),
        listedUpTo = MaxListedRows,
        links = Links(id),
    };

    /// <summary>An import job's or an undo job's state, progress and, once done, its result.</summary>
    private static object JobView(ImportJob job) => new
    {
        id = job.Id,
        batchId = job.UndoBatchId,
        state = job.State.ToString(),
        done = job.Done,
        total = job.Total,
        percent = job.Percent,
        queuedAt = job.QueuedAt,
        result = job.UndoResult is { } u
            ? new { removed = u.Removed, restored = u.Restored, leftAlone = u.LeftAlone, kept = u.Kept }
            : job.Result is { } r
                ? (object)new { batchId = r.BatchId, created = r.Created, updated = r.Updated, skipped = r.Skipped, failed = r.Failed, contactsAdded = r.ContactsAdded }
                : null,
        error = job.Error,
        code = job.ErrorCode,
    };
}
