using System.Globalization;
using Bunit;
using CrmBlazor.Features.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components.Web;

namespace CrmBlazor.Tests.Components.Customers;

/// <summary>The grid's editing cell (R5.3): double-click opens, Enter saves, Escape cancels, Tab moves on, errors show in the cell.</summary>
public sealed class EditableCellTests : MudTestContext
{
    public EditableCellTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    [Fact]
    public void Enter_commits_the_typed_draft_Escape_cancels_and_Tab_moves_on()
    {
        string? draft = "0912 345 678";
        var commits = 0;
        var cancels = 0;
        var tabs = 0;
        var cut = Render<EditableCell>(p => p
            .Add(c => c.Field, GridFields.Phone)
            .Add(c => c.Label, "Điện thoại")
            .Add(c => c.Draft, draft)
            .Add(c => c.DraftChanged, v => draft = v)
            .Add(c => c.OnCommit, () => commits++)
            .Add(c => c.OnCancel, () => cancels++)
            .Add(c => c.OnTab, () => tabs++));

        var input = cut.Find("input[aria-label='Điện thoại']");
        Assert.Equal("0912 345 678", input.GetAttribute("value"));
        input.Input("0977 888 999");
        Assert.Equal("0977 888 999", draft);

        input.KeyDown(new KeyboardEventArgs { Key = "a" });
        Assert.Equal((0, 0, 0), (commits, cancels, tabs));
        input.KeyDown(new KeyboardEventArgs { Key = "Enter" });
        Assert.Equal((1, 0, 0), (commits, cancels, tabs));
        input.KeyDown(new KeyboardEventArgs { Key = "Escape" });
        Assert.Equal((1, 1, 0), (commits, cancels, tabs));
        input.KeyDown(new KeyboardEventArgs { Key = "Tab" });
        Assert.Equal((1, 1, 1), (commits, cancels, tabs));
    }

    [Fact]
    public void A_validation_error_is_shown_in_the_cell_and_the_editor_stays_open()
    {
        var cut = Render<EditableCell>(p => p
            .Add(c => c.Field, GridFields.Phone)
            .Add(c => c.Label, "Điện thoại")
            .Add(c => c.Draft, "12ab")
            .Add(c => c.Error, "Đây không phải số điện thoại."));

        Assert.Equal("Đây không phải số điện thoại.", cut.Find("[role=alert]").TextContent.Trim());
        Assert.Equal("true", cut.Find("input").GetAttribute("aria-invalid"));
    }

    [Fact]
    public void A_conflict_offers_to_keep_theirs_or_apply_mine()
    {
        var keep = 0;
        var apply = 0;
        var cut = Render<EditableCell>(p => p
            .Add(c => c.Field, GridFields.Name)
            .Add(c => c.Draft, "Đặng Đức")
            .Add(c => c.Conflict, "Trần Quản Trị vừa sửa khách hàng này thành: “Đặng Văn Đức”.")
            .Add(c => c.OnKeepTheirs, () => keep++)
            .Add(c => c.OnApplyMine, () => apply++));

        Assert.Contains("Trần Quản Trị", cut.Find("[role=alert]").TextContent, StringComparison.Ordinal);
        cut.FindAll("button").Single(b => b.TextContent.Contains("Giữ giá trị của họ", StringComparison.Ordinal)).Click();
        cut.FindAll("button").Single(b => b.TextContent.Contains("Dùng giá trị của tôi", StringComparison.Ordinal)).Click();
        Assert.Equal((1, 1), (keep, apply));
    }

    [Fact]
    public void A_choice_cell_edits_with_a_list()
    {
        string? draft = "1";
        var cut = Render<EditableCell>(p => p
            .Add(c => c.Field, GridFields.Relationship)
            .Add(c => c.Label, "Mối quan hệ")
            .Add(c => c.Draft, draft)
            .Add(c => c.DraftChanged, v => draft = v)
            .Add(c => c.Options, new List<(string, string)> { ("1", "Tiềm năng"), ("2", "Đã mua hàng") }));

        var select = cut.Find("select[aria-label='Mối quan hệ']");
        Assert.Equal(2, cut.FindAll("option").Count);
        select.Change("2");
        Assert.Equal("2", draft);
    }
}
