namespace CrmBlazor.Domain.Common;

/// <summary>
/// A business rule was broken. <see cref="Code"/> is stable and is what the UI localises;
/// the message is English for logs and API clients.
/// </summary>
public sealed class DomainException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>Stable codes of the rules the domain enforces.</summary>
public static class RuleCodes
{
    public const string NameRequired = "customer.name-required";
    public const string PhoneOrEmailRequired = "customer.phone-or-email-required";
    public const string PhoneInvalid = "customer.phone-invalid";
    public const string EmailInvalid = "customer.email-invalid";
    public const string FirstRelationshipUndeletable = "relationship.first-undeletable";
    public const string RelationshipInUse = "relationship.in-use";
    public const string RelationshipNameRequired = "relationship.name-required";
    public const string CommentEditWindowClosed = "comment.edit-window-closed";
    public const string CommentNotAuthor = "comment.not-author";
    public const string CommentEmpty = "comment.empty";
    public const string CommentTooLong = "comment.too-long";
    public const string ViewNameRequired = "view.name-required";
    public const string ViewNameTooLong = "view.name-too-long";
    public const string ViewQueryInvalid = "view.query-invalid";
    public const string DepartmentCycle = "department.cycle";
    public const string ContactNameRequired = "contact.name-required";
    /// <summary>The customer to merge is in the trash or already merged (R6.4).</summary>
    public const string MergeGone = "merge.gone";
    public const string MergeSelf = "merge.self";
    /// <summary>Followed by the field's API name (<see cref="FieldLimits"/>): "field.too-long:address".</summary>
    public const string TooLongPrefix = "field.too-long:";
}
