using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;

namespace CrmBlazor.Tests.Domain;

public class CustomerTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);

    private static CustomerDetails Details(string name = "Nguyễn Thị Ánh", string? phone = "0912 345 678", string? email = null) =>
        new() { Name = name, Phone = phone, Email = email };

    [Fact]
    public void R1_4_name_is_required()
    {
        var ex = Assert.Throws<DomainException>(() => Customer.Create(Details(name: "  "), 1, "u1", "u1", Now));
        Assert.Equal(RuleCodes.NameRequired, ex.Code);
    }

    [Fact]
    public void R1_4_phone_or_email_is_required()
    {
        var ex = Assert.Throws<DomainException>(() => Customer.Create(Details(phone: null, email: null), 1, "u1", "u1", Now));
        Assert.Equal(RuleCodes.PhoneOrEmailRequired, ex.Code);
    }

    [Theory]
    [InlineData("0912345678", null)]
    [InlineData(null, "anh@example.vn")]
    [InlineData("+84 912.345.678", "ANH@Example.VN")]
    public void R1_4_either_phone_or_email_is_enough(string? phone, string? email)
    {
        var c = Customer.Create(Details(phone: phone, email: email), 1, "u1", "u1", Now);
        Assert.True(c.Phone is not null || c.Email is not null);
        if (phone is not null)
        {
            Assert.Equal("+84912345678", c.Phone);
        }

        if (email is not null)
        {
            Assert.Equal("anh@example.vn", c.Email);
        }
    }

    [Fact]
    public void Invalid_phone_is_refused_not_dropped()
    {
        var ex = Assert.Throws<DomainException>(() => Customer.Create(Details(phone: "12abc"), 1, "u1", "u1", Now));
        Assert.Equal(RuleCodes.PhoneInvalid, ex.Code);
    }

    [Fact]
    public void Invalid_email_is_refused()
    {
        var ex = Assert.Throws<DomainException>(() => Customer.Create(Details(phone: null, email: "not-an-email"), 1, "u1", "u1", Now));
        Assert.Equal(RuleCodes.EmailInvalid, ex.Code);
    }

    [Fact]
    public void R1_1_code_is_generated_from_the_id_when_left_empty()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        Assert.Null(c.Code);
        typeof(Customer).GetProperty(nameof(Customer.Id))!.SetValue(c, 42);
        c.AssignGeneratedCode();
        Assert.Equal("KH000042", c.Code);
        Assert.Contains("kh000042", c.SearchText, StringComparison.Ordinal);
    }

    [Fact]
    public void R1_1_a_typed_code_is_kept_and_never_regenerated()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now, code: " VIP-001 ");
        typeof(Customer).GetProperty(nameof(Customer.Id))!.SetValue(c, 7);
        c.AssignGeneratedCode();
        Assert.Equal("VIP-001", c.Code);
    }

    [Theory]
    [InlineData("KH000001")]
    [InlineData("kh1234567")]
    public void Issue21_a_code_of_the_generated_form_from_the_old_system_is_kept_on_create(string code)
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now, code: code);
        typeof(Customer).GetProperty(nameof(Customer.Id))!.SetValue(c, 5);
        c.AssignGeneratedCode();
        Assert.Equal(code, c.Code);
    }

    [Fact]
    public void Issue21_a_code_of_the_generated_form_is_kept_on_update_too()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now, code: "VIP-01");
        c.SetCode("KH000777");
        Assert.Equal("KH000777", c.Code);
        Assert.Contains("kh000777", c.SearchText, StringComparison.Ordinal);
        c.SetCode("VIP-02");
        Assert.Equal("VIP-02", c.Code);
    }

    [Fact]
    public void Issue21_generation_skips_taken_codes_in_order()
    {
        var taken = new HashSet<string> { "KH000042", "KH000042-2" };
        Assert.Equal("KH000042-3", CustomerCode.FirstFree(42, taken.Contains));
        Assert.Equal("KH000043", CustomerCode.FirstFree(43, taken.Contains));
        Assert.Equal(["KH000042", "KH000042-2", "KH000042-3"], CustomerCode.Candidates(42).Take(3));
    }

    [Fact]
    public void Issue20_text_over_a_limit_is_refused_not_cut_and_a_refused_edit_changes_nothing()
    {
        var ex = Assert.Throws<DomainException>(() => Customer.Create(Details(name: new string('N', FieldLimits.Name + 1)), 1, "u1", "u1", Now));
        Assert.Equal("name", FieldLimits.FieldOf(ex.Code));

        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        var details = Details(name: "Tên mới") with { Website = new string('w', FieldLimits.Website + 1) };
        Assert.Equal("website", FieldLimits.FieldOf(Assert.Throws<DomainException>(() => c.Update(details, "u1", Now)).Code));
        Assert.NotEqual("Tên mới", c.Name);

        Assert.Equal("contacts.note", FieldLimits.FieldOf(Assert.Throws<DomainException>(() => new Contact("Chị Hoa", note: new string('x', FieldLimits.ContactNote + 1))).Code));
        Assert.Null(FieldLimits.FieldOf(RuleCodes.NameRequired));
    }

    [Fact]
    public void Search_keys_fold_case_and_diacritics()
    {
        var c = Customer.Create(Details(name: "ĐẶNG Thị Ánh", email: "Anh.Dang@Mail.vn"), 1, "u1", "u1", Now);
        Assert.Equal("dang thi anh", c.NameKey);
        Assert.Contains("dang thi anh", c.SearchText, StringComparison.Ordinal);
        Assert.Contains("0912345678", c.SearchText, StringComparison.Ordinal);
        Assert.Contains("anh.dang@mail.vn", c.SearchText, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_change_increments_the_version_and_reports_the_fields()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        Assert.Equal(1, c.Version);
        var changes = c.Update(Details(phone: "0987654321") with { Address = "12 Lê Lợi" }, "u2", Now.AddMinutes(5));
        Assert.Equal(2, c.Version);
        Assert.Equal("u2", c.UpdatedById);
        Assert.Contains(changes, ch => ch is { Field: "Phone", OldValue: "+84912345678", NewValue: "+84987654321" });
        Assert.Contains(changes, ch => ch is { Field: "Address", OldValue: null, NewValue: "12 Lê Lợi" });
        Assert.Equal(2, changes.Count);
    }

    [Fact]
    public void An_update_that_changes_nothing_keeps_the_version()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        var changes = c.Update(Details(phone: "+84 912 345 678"), "u2", Now);
        Assert.Empty(changes);
        Assert.Equal(1, c.Version);
    }

    [Fact]
    public void R2_6_moving_to_another_relationship_is_logged()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        var changes = c.MoveTo(3, "u1", Now);
        Assert.Equal(3, c.RelationshipId);
        Assert.Equal(new FieldChange("RelationshipId", "1", "3"), Assert.Single(changes));
        Assert.Empty(c.MoveTo(3, "u1", Now));
    }

    [Fact]
    public void R6_1_trash_and_restore()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        c.MoveToTrash("u2", Now);
        Assert.True(c.IsDeleted);
        Assert.Equal("u2", c.DeletedById);
        Assert.Equal(Now, c.DeletedAt);
        c.RestoreFromTrash("u1", Now);
        Assert.False(c.IsDeleted);
        Assert.Null(c.DeletedAt);
        Assert.Equal(3, c.Version);
    }

    [Fact]
    public void R1_2_exactly_one_contact_is_primary()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        var a = c.AddContact(new Contact("Anh Tuấn", phone: "0903000111"));
        var b = c.AddContact(new Contact("Chị Hoa"));
        Assert.True(a.IsPrimary);
        Assert.False(b.IsPrimary);
        c.MakePrimary(b);
        Assert.Single(c.Contacts, x => x.IsPrimary);
        Assert.True(b.IsPrimary);
        c.RemoveContact(b);
        Assert.True(a.IsPrimary);
        Assert.Equal("+84903000111", a.Phone);
    }

    [Fact]
    public void R4_2_last_contact_only_moves_forward()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        Assert.Null(c.DaysSinceLastContact(Now));
        c.RecordInteraction(Now.AddDays(-10), isContact: true);
        c.RecordContact(Now.AddDays(-20));
        Assert.Equal(10, c.DaysSinceLastContact(Now));
        Assert.Equal(1, c.InteractionCount);
    }

    [Fact]
    public void R1_1_referrer_is_a_customer_or_a_user_never_both()
    {
        var c = Customer.Create(Details(), 1, "u1", "u1", Now);
        Assert.Throws<ArgumentException>(() => c.SetReferrer(5, "u9", "u1", Now));
        var changes = c.SetReferrer(5, null, "u1", Now);
        Assert.Equal(5, c.ReferrerCustomerId);
        Assert.Single(changes);
    }
}
