using CrmBlazor.Data;
using Microsoft.AspNetCore.Identity;

namespace CrmBlazor.Security.Passwords;

/// <summary>
/// Besides Identity's length rule (12 characters, no composition rules, as NIST SP 800-63B and OWASP advise): refuses
/// the 100,000 most common passwords and, on a change or reset, the account's current password.
/// </summary>
public sealed class CrmPasswordValidator : IPasswordValidator<AppUser>
{
    public const string TooCommonCode = "PasswordTooCommon";
    public const string SameAsCurrentCode = "PasswordSameAsCurrent";

    public Task<IdentityResult> ValidateAsync(UserManager<AppUser> manager, AppUser user, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(IdentityResult.Success);
        }

        if (CommonPasswords.Contains(password) || CommonPasswords.Contains(password.Trim()))
        {
            return Task.FromResult(IdentityResult.Failed(new IdentityError { Code = TooCommonCode, Description = "This password is one of the most common passwords." }));
        }

        // Identity validates before it replaces the hash: PasswordHash is still the current password's.
        if (user.PasswordHash is { Length: > 0 } hash && manager.PasswordHasher.VerifyHashedPassword(user, hash, password) != PasswordVerificationResult.Failed)
        {
            return Task.FromResult(IdentityResult.Failed(new IdentityError { Code = SameAsCurrentCode, Description = "The new password must differ from the current one." }));
        }

        return Task.FromResult(IdentityResult.Success);
    }
}
