namespace CrmBlazor.Domain.Organization;

/// <summary>Stable codes of the organisation rules (R7.1, R7.2); the admin pages localise them.</summary>
public static class OrganizationRules
{
    public const string DepartmentHasUsers = "department.has-users";
    public const string DepartmentHasChildren = "department.has-children";
    public const string DepartmentNeedsParent = "department.needs-parent";
    public const string DepartmentNotFound = "department.not-found";
    public const string GroupInUse = "permission-group.in-use";
    public const string GroupBuiltIn = "permission-group.built-in";
    public const string GroupNameTaken = "permission-group.name-taken";
    public const string GroupNotFound = "permission-group.not-found";
    public const string LastAdministrator = "user.last-administrator";
    public const string LoginNameTaken = "user.login-name-taken";
    public const string LoginNameInvalid = "user.login-name-invalid";
    public const string PasswordRejected = "user.password-rejected";
    public const string PasswordSameAsCurrent = "user.password-same-as-current";
    public const string UserNotFound = "user.not-found";
    public const string NameRequired = "organization.name-required";
    public const string CannotDeactivateSelf = "user.cannot-deactivate-self";
}
