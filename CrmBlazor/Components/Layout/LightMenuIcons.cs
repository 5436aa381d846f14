using Microsoft.AspNetCore.Components;

namespace CrmBlazor.Components.Layout;

/// <summary>A Material icon's SVG content (MudBlazor's Icons) as one piece of markup, for menus built without components.</summary>
public static class LightMenuIcons
{
    public static MarkupString Svg(string content) => new($"<svg viewBox=\"0 0 24 24\" aria-hidden=\"true\" focusable=\"false\">{content}</svg>");
}
