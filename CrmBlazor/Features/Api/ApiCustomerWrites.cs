using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.CustomerDetail;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Api;

/// <summary>
/// A customer as an API client writes it (landing pages, shops, scripts). Omitted fields keep their value on update;
/// <see cref="Version"/> is required on update and must be the version the client read (409 otherwise).
/// </summary>
public sealed record CustomerWriteRequest
{
    public string? Code { get; init; }
    public string? Name { get; init; }
    public string? Phone { get; init; }
    public string? Email { get; init; }
    public string? Address { get; init; }
    /// <summary>dd/MM/yyyy or yyyy-MM-dd.</summary>
    public string? Birthday { get; init; }
    /// <summary>male, female, other; Vietnamese words (Nam, Nữ) are accepted too.</summary>
    public string? Gender { get; init; }
    public string? TaxCode { get; init; }
    public string? Country { get; init; }
    public string? Province { get; init; }
    public string? District { get; init; }
    public string? Website { get; init; }
    public string? Industry { get; init; }
    public int? SourceId { get; init; }
    public int? RelationshipId { get; init; }
    public string? OwnerId { get; init; }
    public List<int>? GroupIds { get; init; }
    /// <summary>
    /// Custom field values (R1.3) by the field's id or name: <c>{"3": "Vàng", "Doanh số năm": 1500000.5, "Ngày ký": "31/01/2025"}</c>.
    /// Numbers as JSON numbers or text with a dot for decimals, dates dd/MM/yyyy, a choice as one of its options; null or ""
    /// clears. Fields not named keep their value on update.
    /// </summary>
    public Dictionary<string, JsonElement>? CustomFields { get; init; }
    public int? Version { get; init; }
}

/// <summary>The related users (người liên quan, R7.3) to set, with the version the client read.</summary>
public sealed record RelatedUsersRequest(List<string>? UserIds, int? Version);

/// <summary>A customer's related users and the version to send back when changing them.</summary>
public sealed record RelatedUsersResponse(int Version, IReadOnlyList<PersonRef> Users);

/// <summary>Create, update (with the concurrency version), trash and restore through the grid's CustomerService.</summary>
public static class ApiCustomerWrites
{
    public static RouteGroupBuilder MapCustomerWrites(this RouteGroupBuilder api)
    {
        api.MapPost("/customers", async (HttpContext http, CustomerService customers, CustomerDetailService details, CustomerWriteRequest request, CancellationToken ct) =>
        {
            var me = await MeAsync(http, ct);
            var form = new CustomerForm { Country = null };
            Apply(form, request);
            ApplyCustomFields(form, request.CustomFields, (await customers.LookupsAsync(ct)).CustomFields);
            var result = await customers.SaveFormAsync(me, form, ct);
            return await ResultOf(result, me, details, created: true, null, ct);
        }).WithName("CreateCustomer").WithSummary("Creates a customer (a landing page form, for example). Needs the 'add' right.");

        api.MapPut("/customers/{id:int}", async (HttpContext http, CustomerService customers, CustomerDetailService details, int id, CustomerWriteRequest request, CancellationToken ct) =>
        {
            var me = await MeAsync(http, ct);
            if (request.Version is null)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["version"] = ["The version you read is required to update."] },
                    statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            var form = await customers.GetFormAsync(me, id, ct);
            if (form is null)
            {
                return Results.NotFound();
            }

            Apply(form, request);
            ApplyCustomFields(form, request.CustomFields, (await customers.LookupsAsync(ct)).CustomFields);
            form.Version = request.Version.Value;
            return await ResultOf(await customers.SaveFormAsync(me, form, ct), me, details, created: false, id, ct);
        }).WithName("UpdateCustomer").WithSummary("Updates a customer; a stale version answers 409 with the current record.");

        api.MapDelete("/customers/{id:int}", async (HttpContext http, CustomerService customers, int id, CancellationToken ct) =>
            await customers.DeleteAsync(await MeAsync(http, ct), id, ct) ? Results.NoContent() : Results.NotFound())
            .WithName("TrashCustomer").WithSummary("Moves a customer to the trash (R6.1).");

        api.MapPost("/customers/{id:int}/erase", async (HttpContext http, CustomerService customers, int id, EraseCustomerRequest request, CancellationToken ct) =>
            await customers.EraseAsync(await MeAsync(http, ct), id, request.Reason ?? string.Empty, ct) ? Results.NoContent() : Results.NotFound())
            .WithName("EraseCustomer").WithSummary("Erases a customer on request at once, trash or not (purge right; a reason, recorded in the audit log). Backups keep it until an administrator deletes them (#26).");

        api.MapGet("/customers/{id:int}/data-export", async (HttpContext http, CustomerService customers, int id, CancellationToken ct) =>
        {
            var me = await MeAsync(http, ct);
            var zip = new MemoryStream();
            if (!await customers.ExportDataAsync(me, id, zip, ct))
            {
                return Results.NotFound();
            }

            zip.Position = 0;
            return Results.File(zip, "application/zip", $"customer-{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}-data.zip");
        }).WithName("ExportCustomerData").WithSummary("One customer's data as a zip: customer.json and its attachments (purge right, #26).");

        api.MapPost("/customers/{id:int}/restore", async (HttpContext http, CustomerService customers, CustomerDetailService details, int id, CancellationToken ct) =>
        {
            var me = await MeAsync(http, ct);
            var result = await customers.RestoreAsync(me, [id], ct);
            return result.Changed == 1 ? Results.Ok(await details.GetAsync(me, id, ct)) : Results.NotFound();
        }).WithName("RestoreCustomer");

        api.MapGet("/customers/{id:int}/related-users", async (HttpContext http, CustomerDetailService details, int id, CancellationToken ct) =>
            await details.GetAsync(await MeAsync(http, ct), id, ct) is { } c ? Results.Ok(new RelatedUsersResponse(c.Version, c.RelatedUsers)) : Results.NotFound())
            .WithName("ListRelatedUsers")
            .WithSummary("The customer's related users (người liên quan): staff who see it as their own (R7.3), and the version to send when changing them.");

        api.MapPut("/customers/{id:int}/related-users", async (HttpContext http, CustomerService customers, CustomerDetailService details, int id,
            RelatedUsersRequest request, CancellationToken ct) =>
        {
            var me = await MeAsync(http, ct);
            var missing = new Dictionary<string, string[]>();
            if (request.UserIds is null)
            {
                missing["userIds"] = ["The user ids to relate are required (an empty list removes everyone)."];
            }

            if (request.Version is null)
            {
                missing["version"] = ["The version you read is required to update."];
            }

            if (missing.Count > 0)
            {
                return Results.ValidationProblem(missing, statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            var result = await customers.SetRelatedUsersAsync(me, id, request.UserIds!, request.Version!.Value, CustomerService.OriginApi, ct);
            if (result.Status == SaveStatus.Saved)
            {
                return await details.GetAsync(me, id, ct) is { } c ? Results.Ok(new RelatedUsersResponse(c.Version, c.RelatedUsers)) : Results.NotFound();
            }

            return result.Status == SaveStatus.Invalid
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["userIds"] = [result.ErrorMessage ?? "Unknown user."] },
                    statusCode: StatusCodes.Status422UnprocessableEntity)
                : await ResultOf(result, me, details, created: false, id, ct);
        }).WithName("SetRelatedUsers")
            .WithSummary("Sets the related users (user ids from /users; an empty list removes them all). Needs the 'edit' right on a customer you see; a stale version answers 409.");

        return api;
    }

    private static void Apply(CustomerForm form, CustomerWriteRequest r)
    {
        form.Code = r.Code ?? form.Code;
        form.Name = r.Name ?? form.Name;
        form.Phone = r.Phone ?? form.Phone;
        form.Email = r.Email ?? form.Email;
        form.Address = r.Address ?? form.Address;
        if (r.Birthday is not null)
        {
            form.Birthday = VnDate.TryParse(r.Birthday, out var d)
                ? d.ToDateTime(TimeOnly.MinValue)
                : throw new ArgumentException($"'{r.Birthday}' is not a date (dd/MM/yyyy).", "birthday");
        }

        if (r.Gender is not null)
        {
            form.Gender = GenderWords.TryParse(r.Gender, out var g) ? g : throw new ArgumentException($"'{r.Gender}' is not a gender (male, female, other).", "gender");
        }

        form.TaxCode = r.TaxCode ?? form.TaxCode;
        form.Country = r.Country ?? form.Country;
        form.Province = r.Province ?? form.Province;
        form.District = r.District ?? form.District;
        form.Website = r.Website ?? form.Website;
        form.Industry = r.Industry ?? form.Industry;
        form.SourceId = r.SourceId ?? form.SourceId;
        form.RelationshipId = r.RelationshipId ?? form.RelationshipId;
        form.OwnerId = r.OwnerId ?? form.OwnerId;
        form.GroupIds = r.GroupIds ?? form.GroupIds;
    }

    /// <summary>Custom field values by id or name (compared like import headers: no case, diacritics or spacing).</summary>
    private static void ApplyCustomFields(CustomerForm form, Dictionary<string, JsonElement>? values, IReadOnlyList<CustomFieldInfo> fields)
    {
        foreach (var (key, value) in values ?? [])
        {
            var field = int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? fields.FirstOrDefault(f => f.Id == id) : null;
            field ??= fields.FirstOrDefault(f => Domain.Importing.ImportFields.HeaderKey(f.Name) == Domain.Importing.ImportFields.HeaderKey(key));
            if (field is null)
            {
                throw new ArgumentException($"'{key}' is not a custom field: give its id or its name (GET /api/v1/customers/{{id}} lists them).", "customFields");
            }

            form.Custom[field.Id] = value.ValueKind switch
            {
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                JsonValueKind.String => value.GetString(),
                // A JSON number in any form (1500000.5, 1.5e6) as the plain decimal the field stores.
                JsonValueKind.Number => value.TryGetDecimal(out var number) ? number.ToString(CultureInfo.InvariantCulture) : value.GetRawText(),
                _ => throw new ArgumentException($"The value of '{field.Name}' must be text or a number.", "customFields"),
            };
        }
    }

    private static async Task<IResult> ResultOf(FieldSaveResult result, UserAccess me, CustomerDetailService details, bool created, int? knownId, CancellationToken ct)
    {
        switch (result.Status)
        {
            case SaveStatus.Saved:
                var id = result.CustomerId ?? result.Row?.Id ?? throw new InvalidOperationException("A saved customer has an id.");
                var current = await details.GetAsync(me, id, ct);
                return created ? Results.Created($"/api/v1/customers/{id}", current) : Results.Ok(current);
            case SaveStatus.Conflict:
                var latest = (result.CustomerId ?? knownId) is int cid ? await details.GetAsync(me, cid, ct) : null;
                // Through the ProblemDetails service like every API problem: its title in the request's language.
                return Results.Problem($"Changed by {result.ChangedBy} since you read it; the current record is included.",
                    statusCode: StatusCodes.Status409Conflict, title: "Conflict", type: "https://tools.ietf.org/html/rfc9110#section-15.5.10",
                    extensions: new Dictionary<string, object?> { ["current"] = latest });
            case SaveStatus.NotFound:
                return Results.NotFound();
            case SaveStatus.Denied:
                return Results.Problem(result.ErrorMessage, statusCode: StatusCodes.Status403Forbidden);
            default:
                return Results.ValidationProblem(new Dictionary<string, string[]> { [FieldOf(result.ErrorCode)] = [result.ErrorMessage ?? result.ErrorCode ?? "Invalid."] },
                    statusCode: StatusCodes.Status422UnprocessableEntity);
        }
    }

    private static string FieldOf(string? code) => code switch
    {
        _ when FieldLimits.FieldOf(code) is { } tooLong => tooLong,
        _ when code?.StartsWith("customfield.", StringComparison.Ordinal) == true => "customFields",
        RuleCodes.NameRequired => "name",
        RuleCodes.PhoneInvalid or RuleCodes.PhoneOrEmailRequired => "phone",
        RuleCodes.EmailInvalid => "email",
        _ when code?.Contains("code", StringComparison.OrdinalIgnoreCase) == true => "code",
        _ when code?.Contains("source", StringComparison.OrdinalIgnoreCase) == true => "sourceId",
        _ when code?.Contains("owner", StringComparison.OrdinalIgnoreCase) == true => "ownerId",
        _ when code?.Contains("relationship", StringComparison.OrdinalIgnoreCase) == true => "relationshipId",
        _ => "request",
    };

    private static Task<UserAccess> MeAsync(HttpContext http, CancellationToken ct) => ApiEndpoints.MeAsync(http, ct);
}
