namespace CrmBlazor.Domain.Customers;

/// <summary>Membership of a customer in a group (many to many, R1.1).</summary>
public sealed class CustomerGroupMember
{
    private CustomerGroupMember()
    {
    }

    public CustomerGroupMember(int customerId, int groupId)
    {
        CustomerId = customerId;
        GroupId = groupId;
    }

    public int CustomerId { get; private set; }
    public int GroupId { get; private set; }
}

/// <summary>A staff user related to a customer (người liên quan): they see it as their own (R7.3).</summary>
public sealed class CustomerRelatedUser
{
    private CustomerRelatedUser()
    {
        UserId = string.Empty;
    }

    public CustomerRelatedUser(int customerId, string userId)
    {
        CustomerId = customerId;
        UserId = userId;
    }

    public int CustomerId { get; private set; }
    public string UserId { get; private set; }
}
