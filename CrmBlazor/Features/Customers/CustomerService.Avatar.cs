using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;

namespace CrmBlazor.Features.Customers;

public sealed partial class CustomerService
{
    /// <summary>
    /// Sets a customer's avatar (R1.1) from an uploaded file: only for a user who may edit it (R7.4); the file must decode as
    /// an image of at most 5 MB (<see cref="AvatarCodes"/>), and is stored scaled down to 256×256 at most. Through the one
    /// write path (scope, version, log, one commit, live event); the previous upload's file is removed once the new one is
    /// committed, the new file when the save is refused.
    /// </summary>
    public async Task<FieldSaveResult> SetAvatarAsync(UserAccess user, int customerId, Stream upload, int seenVersion, CancellationToken ct = default)
    {
        var store = avatars ?? throw new InvalidOperationException("No avatar store is configured.");
        if (!user.Has(Rights.CustomersAccess) || !user.Has(Rights.CustomersEdit))
        {
            return FieldSaveResult.Denied("You may not edit customers.");
        }

        byte[] image;
        try
        {
            image = await AvatarStore.PrepareAsync(upload, ct);
        }
        catch (DomainException ex)
        {
            return new FieldSaveResult(SaveStatus.Invalid, ErrorCode: ex.Code, ErrorMessage: ex.Message);
        }

        var file = await store.SaveAsync(image, ct);
        string? previous = null;
        FieldSaveResult result;
        try
        {
            result = await WriteAsync(user, customerId, seenVersion, OriginDetail, nameof(Domain.Customers.Customer.AvatarUrl), q => q,
                (_, customer, now) =>
                {
                    previous = AvatarStore.FileOf(customer.Id, customer.AvatarUrl);
                    return Task.FromResult(customer.Update(DetailsOf(customer) with { AvatarUrl = AvatarStore.UrlOf(customer.Id, file) }, user.UserId, now));
                }, ct);
        }
        catch
        {
            store.Delete(file);
            throw;
        }

        if (result.Status == SaveStatus.Saved)
        {
            store.Delete(previous);
        }
        else
        {
            store.Delete(file);
        }

        return result;
    }
}
