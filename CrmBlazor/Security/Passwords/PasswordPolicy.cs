using CrmBlazor.Data;
using Microsoft.AspNetCore.Identity;

namespace CrmBlazor.Security.Passwords;

/// <summary>
/// Passwords (issue #20, finding 9): at least <see cref="MinimumLength"/> characters and no composition rules; none of
/// the 100,000 most common passwords; not the current one. Hashes are PBKDF2-HMAC-SHA512 with
/// <see cref="Pbkdf2Iterations"/> iterations (OWASP's figure); a hash made with fewer is replaced on the next successful
/// sign-in (Identity's <see cref="PasswordVerificationResult.SuccessRehashNeeded"/> path in UserManager.CheckPasswordAsync).
/// </summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 12;
    public const int Pbkdf2Iterations = 210_000;

    public static IdentityBuilder AddCrmPasswordPolicy(this IdentityBuilder identity)
    {
        identity.Services.Configure<IdentityOptions>(o =>
        {
            o.Password.RequiredLength = MinimumLength;
            o.Password.RequireDigit = false;
            o.Password.RequireLowercase = false;
            o.Password.RequireUppercase = false;
            o.Password.RequireNonAlphanumeric = false;
            o.Password.RequiredUniqueChars = 1;
        });
        identity.Services.Configure<PasswordHasherOptions>(o =>
        {
            o.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            o.IterationCount = Pbkdf2Iterations;
        });
        identity.AddPasswordValidator<CrmPasswordValidator>();
        return identity;
    }

    /// <summary>The PBKDF2 iteration count stored in an Identity V3 hash (format marker 0x01, PRF, iterations big-endian).</summary>
    public static int IterationsOf(string passwordHash)
    {
        var bytes = Convert.FromBase64String(passwordHash);
        return bytes.Length < 9 || bytes[0] != 0x01 ? 0 : (bytes[5] << 24) | (bytes[6] << 16) | (bytes[7] << 8) | bytes[8];
    }
}
