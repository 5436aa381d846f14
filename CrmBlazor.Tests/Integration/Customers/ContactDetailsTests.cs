using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.CustomerDetail;
using CrmBlazor.Features.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>A contact's birthday and gender (R1.2) are saved by the form, shown by the detail and logged (R4.5).</summary>
public sealed class ContactDetailsTests : IAsyncLifetime
{
    private GridWorld _w = null!;

    public async Task InitializeAsync() => _w = await GridWorld.CreateAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task A_contact_with_birthday_and_gender_is_saved_shown_and_logged_and_so_is_a_change_of_them()
    {
        var form = (await _w.Service.GetFormAsync(_w.Lan, _w.LanCustomer))!;
        form.Contacts.Add(new ContactForm { Name = "Phạm Thu Hà", Salutation = "Chị", Phone = "0988 111 222", Birthday = new DateTime(1990, 3, 15), Gender = Gender.Female, IsPrimary = true });
        var saved = await _w.Service.SaveFormAsync(_w.Lan, form);
        Assert.Equal(SaveStatus.Saved, saved.Status);

        var details = new CustomerDetailService(_w.Db.Factory);
        var contact = Assert.Single((await details.GetAsync(_w.Lan, _w.LanCustomer))!.Contacts);
        Assert.Equal((new DateOnly(1990, 3, 15), Gender.Female, true), (contact.Birthday, contact.Gender, contact.IsPrimary));

        // The form opened again carries them, and a change of the gender alone is a change of the contact.
        var again = (await _w.Service.GetFormAsync(_w.Lan, _w.LanCustomer))!;
        var edited = Assert.Single(again.Contacts);
        Assert.Equal((new DateTime(1990, 3, 15), Gender.Female), (edited.Birthday, edited.Gender));
        edited.Gender = Gender.Other;
        edited.Birthday = new DateTime(1991, 4, 1);
        Assert.Equal(SaveStatus.Saved, (await _w.Service.SaveFormAsync(_w.Lan, again)).Status);

        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var logs = await db.ChangeLog.Where(l => l.CustomerId == _w.LanCustomer && l.Field == CustomerService.ContactField).OrderBy(l => l.Id).ToListAsync();
        Assert.Equal(2, logs.Count);
        Assert.Null(logs[0].OldValue);
        Assert.Equal("Chị Phạm Thu Hà · 0988 111 222 · 15/03/1990 · Nữ", logs[0].NewValue);
        Assert.Equal(("Chị Phạm Thu Hà · 0988 111 222 · 15/03/1990 · Nữ", "Chị Phạm Thu Hà · 0988 111 222 · 01/04/1991 · Khác"), (logs[1].OldValue, logs[1].NewValue));
        Assert.Equal(new DateOnly(1991, 4, 1), (await db.Contacts.SingleAsync(c => c.CustomerId == _w.LanCustomer)).Birthday);

        // The stream carries them, newest first, for the page to word them ("added contact", "changed contact").
        var stream = new CommentService(_w.Db.Factory, _w.Bus, TimeProvider.System, new AttachmentStore(Path.Combine(Path.GetTempPath(), "crm-contact-tests"), 1024));
        var fields = (await stream.GetStreamAsync(_w.Lan, _w.LanCustomer, StreamFilter.Logs)).Select(i => i.Log!.Field).ToList();
        Assert.Equal([CustomerService.ContactField, CustomerService.ContactField], fields);
    }
}
