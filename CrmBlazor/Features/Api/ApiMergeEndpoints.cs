using CrmBlazor.Features.Customers;

namespace CrmBlazor.Features.Api;

/// <summary>Merge <paramref name="MergedId"/> into the customer of the URL (R6.4). <paramref name="Picks"/>: fields where the
/// merged customer's value wins ("Phone", "Email", "cf:12"…). <paramref name="Version"/> and <paramref name="MergedVersion"/>
/// are required: the versions you read of both, still current (409 otherwise), as an update requires.</summary>
public sealed record MergeApiRequest(int MergedId, List<string>? Picks = null, int? Version = null, int? MergedVersion = null);

/// <summary>Undo a merge: the merge's id, or the merged customer's id (its active merge into the customer of the URL).</summary>
public sealed record UnmergeApiRequest(int? MergeId = null, int? MergedId = null);

/// <summary>The REST side of the merge (#22): the same service as the detail page's dialog, with the same rights.</summary>
public static class ApiMergeEndpoints
{
    public static RouteGroupBuilder MapMerges(this RouteGroupBuilder api)
    {
        api.MapGet("/customers/{id:int}/duplicates", async (HttpContext http, CustomerService customers, int id, CancellationToken ct) =>
            await customers.DuplicatesOfAsync(await ApiEndpoints.MeAsync(http, ct), id, ct) is { } matches
                ? Results.Ok(matches.Select(m => new { m.Customer.Id, m.Customer.Code, m.Customer.Name, m.Customer.Phone, m.Customer.Email, m.Customer.Version,
                    reasons = m.Reasons.Select(r => r.ToString()) }))
                : Results.NotFound())
            .WithName("ListDuplicates").WithSummary("Customers the token's user may see that share this customer's phone, e-mail, or name and tax code.");

        api.MapPost("/customers/{id:int}/merge", async (HttpContext http, CustomerService customers, int id, MergeApiRequest request, CancellationToken ct) =>
        {
            if (request.Version is null || request.MergedVersion is null)
            {
                // Like an update (PUT /customers/{id}): the picks and the hiding are decided on what the client read.
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    [request.Version is null ? "version" : "mergedVersion"] = ["The versions you read of both customers are required to merge."],
                }, statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            var picks = (request.Picks ?? []).Distinct(StringComparer.Ordinal).ToDictionary(p => p, _ => MergePick.Merged, StringComparer.Ordinal);
            var unknown = picks.Keys.Where(p => !CustomerMerge.PickableFields.Contains(p) && Domain.Customers.Customer.CustomFieldId(p) is null).ToList();
            if (unknown.Count > 0)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["picks"] = [$"Not fields a merge can take: {string.Join(", ", unknown)}."] },
                    statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            var result = await customers.MergeAsync(await ApiEndpoints.MeAsync(http, ct),
                new MergeRequest(id, request.MergedId, picks.ToDictionary(p => p.Key, p => p.Value), request.Version, request.MergedVersion), CustomerService.OriginApi, ct);
            return result.Status switch
            {
                MergeStatus.Done => Results.Ok(new { mergeId = result.MergeId, survivorId = id, mergedId = request.MergedId }),
                MergeStatus.Denied => Results.Problem(result.Reason, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
                MergeStatus.NotFound => Results.Problem(result.Reason, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
                MergeStatus.Conflict => Results.Problem(result.Reason, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
                _ => Results.ValidationProblem(new Dictionary<string, string[]> { ["mergedId"] = [result.Reason ?? "Invalid."] },
                    statusCode: StatusCodes.Status422UnprocessableEntity),
            };
        }).WithName("MergeCustomer").WithSummary("Folds another customer into this one, reversibly for 30 days. Needs edit on this one and delete on the other.");

        api.MapPost("/customers/{id:int}/unmerge", async (HttpContext http, CustomerService customers, int id, UnmergeApiRequest? request, CancellationToken ct) =>
        {
            var me = await ApiEndpoints.MeAsync(http, ct);
            var mergeId = request?.MergeId;
            if (mergeId is null)
            {
                // By customer: the merged one's id in the body, or the URL naming the merged customer itself.
                var merges = await customers.MergesIntoAsync(me, id, ct);
                mergeId = request?.MergedId is int m ? merges.FirstOrDefault(x => x.MergedId == m)?.Id
                    : merges.Count == 1 ? merges[0].Id
                    : await customers.MergedIntoAsync(me, id, ct) is int survivor ? (await customers.MergesIntoAsync(me, survivor, ct)).FirstOrDefault(x => x.MergedId == id)?.Id
                    : null;
            }

            if (mergeId is null)
            {
                return Results.Problem("No merge of this customer that can be undone; name it with mergeId or mergedId.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
            }

            var result = await customers.UnmergeAsync(me, mergeId.Value, ct);
            return result.Status switch
            {
                UnmergeStatus.Done => Results.Ok(new { mergedId = result.MergedId, restored = result.Restored, leftAlone = result.LeftAlone }),
                UnmergeStatus.Denied => Results.Problem(result.Reason, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
                UnmergeStatus.Conflict => Results.Problem(result.Reason, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
                _ => Results.Problem(result.Reason, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
            };
        }).WithName("UnmergeCustomer").WithSummary("Undoes a merge within 30 days; what changed since is left alone and listed.");

        return api;
    }
}
