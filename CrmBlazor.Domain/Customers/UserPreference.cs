namespace CrmBlazor.Domain.Customers;

/// <summary>A per-user setting of the customer list (e.g. the chosen columns), stored as text under a key.</summary>
public sealed class UserPreference
{
    private UserPreference()
    {
        UserId = string.Empty;
        Key = string.Empty;
        Value = string.Empty;
    }

    public UserPreference(string userId, string key, string value)
    {
        UserId = userId;
        Key = key;
        Value = value;
    }

    public string UserId { get; private set; }
    public string Key { get; private set; }
    public string Value { get; private set; }

    public void Set(string value) => Value = value;
}
