using CrmBlazor.Domain.Orders;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Orders;
using CrmBlazor.Security;

namespace CrmBlazor.Features.Api;

/// <summary>An order's status change through the API, with the version the client read.</summary>
public sealed record OrderStatusRequest(OrderStatus Status, int? Version);

/// <summary>Money received on an order.</summary>
public sealed record OrderPaymentRequest(decimal Amount);

/// <summary>
/// Orders through the API (R4.4): the same <see cref="OrderService"/> as the detail tab, so the same rights (the "orders"
/// right to write), scope (the customer's visibility), rules and events (webhooks <c>order.created</c>, <c>order.paid</c>).
/// </summary>
public static class ApiOrderEndpoints
{
    public static RouteGroupBuilder MapOrders(this RouteGroupBuilder api)
    {
        api.MapGet("/customers/{id:int}/orders", async (HttpContext http, OrderService orders, int id, CancellationToken ct) =>
            await orders.ListAsync(await ApiEndpoints.MeAsync(http, ct), id, ct) is { } list ? Results.Ok(list) : Results.NotFound())
            .WithName("ListOrders").WithSummary("A customer's orders, newest first.");

        api.MapPost("/customers/{id:int}/orders", async (HttpContext http, OrderService orders, int id, OrderInput request, CancellationToken ct) =>
            ResultOf(await orders.CreateAsync(await ApiEndpoints.MeAsync(http, ct), id, request, CustomerService.OriginApi, ct), created: true))
            .WithName("CreateOrder").WithSummary("Creates an order: lines (productName, quantity, unitPrice, discount) or a plain total. Needs the 'orders' right.");

        api.MapGet("/orders/{orderId:long}", async (HttpContext http, OrderService orders, long orderId, CancellationToken ct) =>
            await orders.GetAsync(await ApiEndpoints.MeAsync(http, ct), orderId, ct) is { } o ? Results.Ok(o) : Results.NotFound())
            .WithName("GetOrder");

        api.MapPut("/orders/{orderId:long}", async (HttpContext http, OrderService orders, long orderId, OrderUpdateRequest request, CancellationToken ct) =>
            request.Version is int v
                ? ResultOf(await orders.UpdateAsync(await ApiEndpoints.MeAsync(http, ct), orderId, request.Input, v, CustomerService.OriginApi, ct))
                : VersionRequired())
            .WithName("UpdateOrder").WithSummary("Changes the date, lines or total and note; 'version' is the one read (409 otherwise).");

        api.MapPost("/orders/{orderId:long}/status", async (HttpContext http, OrderService orders, long orderId, OrderStatusRequest request, CancellationToken ct) =>
            request.Version is int v
                ? ResultOf(await orders.ChangeStatusAsync(await ApiEndpoints.MeAsync(http, ct), orderId, request.Status, v, CustomerService.OriginApi, ct))
                : VersionRequired())
            .WithName("ChangeOrderStatus").WithSummary("Confirms, marks paid in full, or cancels an order.");

        api.MapPost("/orders/{orderId:long}/payments", async (HttpContext http, OrderService orders, long orderId, OrderPaymentRequest request, CancellationToken ct) =>
            ResultOf(await orders.RecordPaymentAsync(await ApiEndpoints.MeAsync(http, ct), orderId, request.Amount, CustomerService.OriginApi, ct)))
            .WithName("RecordOrderPayment").WithSummary("Records money received; the order becomes paid when its total is reached.");

        api.MapDelete("/orders/{orderId:long}", async (HttpContext http, OrderService orders, long orderId, int? version, CancellationToken ct) =>
            version is int v
                ? ResultOf(await orders.DeleteAsync(await ApiEndpoints.MeAsync(http, ct), orderId, v, CustomerService.OriginApi, ct))
                : VersionRequired())
            .WithName("DeleteOrder").WithSummary("Deletes an order (?version=the one read).");
        return api;
    }

    private static IResult VersionRequired() =>
        Results.ValidationProblem(new Dictionary<string, string[]> { ["version"] = ["The version you read is required."] }, statusCode: StatusCodes.Status422UnprocessableEntity);

    private static IResult ResultOf(OrderSaveResult result, bool created = false) => result.Status switch
    {
        SaveStatus.Saved when created => Results.Created($"/api/v1/orders/{result.Order!.Id}", result.Order),
        SaveStatus.Saved => result.Order is null ? Results.NoContent() : Results.Ok(result.Order),
        SaveStatus.Denied => Results.Problem(result.ErrorMessage, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
        SaveStatus.NotFound => Results.NotFound(),
        SaveStatus.Conflict => Results.Problem("The order changed since you read it; read it again.", statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
        _ => Results.ValidationProblem(new Dictionary<string, string[]> { [FieldOf(result.ErrorCode)] = [result.ErrorMessage ?? "Invalid."] },
            statusCode: StatusCodes.Status422UnprocessableEntity),
    };

    private static string FieldOf(string? code) => code switch
    {
        OrderRuleCodes.LineInvalid => "lines",
        OrderRuleCodes.TotalInvalid => "total",
        OrderRuleCodes.Overpaid or OrderRuleCodes.PaymentInvalid => "amount",
        _ => "request",
    };
}

/// <summary>An order's new content with the version the client read.</summary>
public sealed record OrderUpdateRequest
{
    public DateOnly? Date { get; init; }
    public List<OrderLine>? Lines { get; init; }
    public decimal? Total { get; init; }
    public string? Note { get; init; }
    public int? Version { get; init; }

    internal OrderInput Input => new() { Date = Date, Lines = Lines, Total = Total, Note = Note };
}
