using Bunit;
using CrmBlazor.Components.Layout;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace CrmBlazor.Tests.Components.Layout;

/// <summary>The app bar's menus (#25 memory): closed, a menu is one button and builds nothing else; a click opens its
/// entries, and a click on an entry, Escape or a click outside closes it again.</summary>
public sealed class LightMenuTests : MudTestContext, IAsyncLifetime
{
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services dispose only asynchronously.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private (IRenderedComponent<LightMenu> Menu, IRenderedComponent<MudPopoverProvider> Popovers, Func<int> Clicks) Render()
    {
        var popovers = Render<MudPopoverProvider>();
        var clicks = 0;
        var menu = Render<LightMenu>(p => p
            .Add(m => m.Label, "Ngôn ngữ")
            .Add(m => m.Activator, (RenderFragment)(b => b.AddMarkupContent(0, "<svg></svg>")))
            .Add(m => m.ChildContent, (RenderFragment)(b =>
            {
                b.OpenElement(0, "button");
                b.AddAttribute(1, "class", "light-menu-item");
                b.AddAttribute(2, "role", "menuitem");
                b.AddAttribute(3, "onclick", EventCallback.Factory.Create<MouseEventArgs>(this, () => clicks++));
                b.AddContent(4, "English");
                b.CloseElement();
            })));
        return (menu, popovers, () => clicks);
    }

    [Fact]
    public async Task A_closed_menu_is_one_button_and_a_click_opens_its_entries()
    {
        var (menu, popovers, _) = Render();
        var button = menu.Find("button[aria-haspopup=menu]");
        Assert.Equal("false", button.GetAttribute("aria-expanded"));
        Assert.Equal("Ngôn ngữ", button.GetAttribute("aria-label"));
        Assert.Empty(popovers.FindAll("[role=menuitem]"));
        Assert.Empty(menu.FindComponents<MudPopover>());

        await button.ClickAsync(new MouseEventArgs());
        Assert.Equal("true", menu.Find("button[aria-haspopup=menu]").GetAttribute("aria-expanded"));
        popovers.WaitForAssertion(() => Assert.Equal("English", popovers.Find("[role=menu] [role=menuitem]").TextContent));
    }

    [Fact]
    public async Task An_entry_acts_and_closes_the_menu_and_Escape_closes_it_too()
    {
        var (menu, popovers, clicks) = Render();
        await menu.Find("button[aria-haspopup=menu]").ClickAsync(new MouseEventArgs());
        await popovers.WaitForElement("[role=menuitem]").ClickAsync(new MouseEventArgs());
        Assert.Equal(1, clicks());
        menu.WaitForAssertion(() => Assert.Empty(menu.FindComponents<MudPopover>()));
        Assert.Equal("false", menu.Find("button[aria-haspopup=menu]").GetAttribute("aria-expanded"));

        await menu.Find("button[aria-haspopup=menu]").ClickAsync(new MouseEventArgs());
        await popovers.WaitForElement("[role=menu]").KeyDownAsync(new KeyboardEventArgs { Key = "Escape" });
        menu.WaitForAssertion(() => Assert.Empty(menu.FindComponents<MudPopover>()));
        Assert.Equal(1, clicks());
    }
}
