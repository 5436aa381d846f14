using CrmBlazor.Domain.Organization;
using Microsoft.AspNetCore.Identity;

namespace CrmBlazor.Data;

/// <summary>The sign-in account (ASP.NET Core Identity). Its CRM profile shares the id.</summary>
public sealed class AppUser : IdentityUser
{
    public StaffProfile? Profile { get; set; }
}
