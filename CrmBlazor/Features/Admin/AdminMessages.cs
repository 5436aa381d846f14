using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Features.Admin;

/// <summary>Turns a refused admin operation into a message for the user, in their language.</summary>
public static class AdminMessages
{
    public static string Describe(Exception ex, IStringLocalizer<AdminText> t) => ex switch
    {
        AccessDeniedException => t["You do not have the right to do this."],
        DomainException d => d.Code switch
        {
            OrganizationRules.DepartmentHasUsers => t["This department still has users. Move them to another department first."],
            OrganizationRules.DepartmentHasChildren => t["This department has departments below it. Move or delete them first."],
            OrganizationRules.DepartmentNeedsParent => t["Choose the parent department."],
            OrganizationRules.DepartmentNotFound => t["The department no longer exists."],
            RuleCodes.DepartmentCycle => t["A department cannot be moved below itself."],
            OrganizationRules.GroupInUse => t["This permission group still has members. Move them to another group first."],
            OrganizationRules.GroupBuiltIn => t["The built-in Administrators group cannot be deleted."],
            OrganizationRules.GroupNameTaken => t["A permission group with this name already exists."],
            OrganizationRules.GroupNotFound => t["The permission group no longer exists."],
            OrganizationRules.LastAdministrator => t["This is the last active administrator. Make someone else an administrator first."],
            OrganizationRules.LoginNameTaken => t["This login name is already taken."],
            OrganizationRules.LoginNameInvalid => t["A login name is 1–64 characters: letters, digits, dot, dash, underscore, @ or +; no spaces."],
            OrganizationRules.PasswordRejected => t["The password is too weak: it needs at least 12 characters and must not be a common password."],
            OrganizationRules.PasswordSameAsCurrent => t["The new password must differ from the current one."],
            OrganizationRules.UserNotFound => t["The user no longer exists."],
            OrganizationRules.NameRequired => t["A name is required."],
            OrganizationRules.CannotDeactivateSelf => t["You cannot deactivate your own account."],
            ProfileRules.WrongCurrentPassword => t["The current password is not correct."],
            RuleCodes.EmailInvalid => t["The email address is not valid."],
            RuleCodes.PhoneInvalid => t["The phone number is not valid."],
            _ => d.Message,
        },
        _ => t["Something went wrong. Please try again."],
    };

    /// <summary>The rights shown in the permission matrix, in the order of R7.2, with their labels.</summary>
    public static readonly (Rights Right, string Label, string Section)[] RightLabels =
    [
        (Rights.CustomersAccess, "Customers: access", "Customers"),
        (Rights.CustomersAdd, "Customers: add", "Customers"),
        (Rights.CustomersEdit, "Customers: edit", "Customers"),
        (Rights.CustomersDelete, "Customers: delete", "Customers"),
        (Rights.CustomersPurge, "Customers: purge", "Customers"),
        (Rights.CustomersExport, "Customers: download (export)", "Customers"),
        (Rights.CustomersImport, "Customers: upload (import)", "Customers"),
        (Rights.Orders, "Customers: orders (create, change, pay)", "Customers"),
        (Rights.CustomersSubDepartment, "Customers of sub-departments", "Visibility"),
        (Rights.CustomersViewAll, "View all customers", "Visibility"),
        (Rights.CrmSettings, "CRM settings (relationships, sources, groups, custom fields)", "Administration"),
        (Rights.UserAdmin, "Users and permissions administration", "Administration"),
        (Rights.ViewKpi, "Reports: view KPI", "Reports"),
    ];
}
