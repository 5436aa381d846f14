using System.Net.Mail;

namespace CrmBlazor.Domain.Common;

/// <summary>Email validation and canonical form (trimmed, lower-case) used by forms, import and dedupe.</summary>
public static class EmailAddress
{
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return null;
        }

        var trimmed = input.Trim();
        if (trimmed.Length > 254 || trimmed.Contains(' ', StringComparison.Ordinal) || !MailAddress.TryCreate(trimmed, out var parsed))
        {
            return null;
        }

        // MailAddress accepts display-name forms ("A <a@b.c>"); only a bare address is an email here.
        if (!string.Equals(parsed.Address, trimmed, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var at = trimmed.LastIndexOf('@');
        var domain = trimmed[(at + 1)..];
        if (!domain.Contains('.', StringComparison.Ordinal) || domain.StartsWith('.') || domain.EndsWith('.'))
        {
            return null;
        }

        return trimmed.ToLowerInvariant();
    }

    public static bool IsValid(string? input) => Normalize(input) is not null;
}
