namespace CrmBlazor.Domain.Customers;

/// <summary>Gender of a customer or contact (R1.1, R1.2). Words are parsed by <see cref="Common.GenderWords"/>.</summary>
public enum Gender
{
    Unknown = 0,
    Male = 1,
    Female = 2,
    Other = 3,
}
