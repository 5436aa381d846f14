namespace CrmBlazor.Domain.Organization;

/// <summary>
/// The CRM side of a staff account: who the person is in the company (R7.1). Shares its id with the
/// sign-in account, which lives in the web layer (ASP.NET Core Identity).
/// </summary>
public sealed class StaffProfile
{
    private StaffProfile()
    {
        Id = string.Empty;
        UserName = string.Empty;
        FullName = string.Empty;
    }

    public StaffProfile(string id, string userName, string fullName, int departmentId, int permissionGroupId)
    {
        Id = id;
        UserName = userName.Trim();
        FullName = string.IsNullOrWhiteSpace(fullName) ? userName.Trim() : fullName.Trim();
        DepartmentId = departmentId;
        PermissionGroupId = permissionGroupId;
        IsActive = true;
    }

    public string Id { get; private set; }
    public string UserName { get; private set; }
    public string FullName { get; private set; }
    public string? Email { get; private set; }
    public string? Phone { get; private set; }
    public int DepartmentId { get; private set; }
    public Department? Department { get; private set; }
    public int PermissionGroupId { get; private set; }
    public PermissionGroup? PermissionGroup { get; private set; }
    public bool IsActive { get; private set; }

    /// <summary>IANA time zone the user's dates and times are shown in.</summary>
    public string TimeZone { get; private set; } = "Asia/Ho_Chi_Minh";

    /// <summary>UI culture, "vi-VN" or "en".</summary>
    public string Culture { get; private set; } = "vi-VN";

    public void Rename(string fullName)
    {
        if (!string.IsNullOrWhiteSpace(fullName))
        {
            FullName = fullName.Trim();
        }
    }

    public void SetContact(string? email, string? phone)
    {
        Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim();
        Phone = string.IsNullOrWhiteSpace(phone) ? null : phone.Trim();
    }

    public void PlaceIn(int departmentId, int permissionGroupId)
    {
        DepartmentId = departmentId;
        PermissionGroupId = permissionGroupId;
    }

    public void Deactivate() => IsActive = false;

    public void Reactivate() => IsActive = true;

    public void SetPreferences(string culture, string timeZone)
    {
        Culture = culture;
        TimeZone = timeZone;
    }
}
