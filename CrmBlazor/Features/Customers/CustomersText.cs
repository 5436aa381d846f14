namespace CrmBlazor.Features.Customers;

/// <summary>Marker for the customer screens' UI text (CustomersText.resx, CustomersText.vi.resx).</summary>
public sealed class CustomersText;
