using Microsoft.Extensions.Localization;
using MudBlazor;

namespace CrmBlazor.Localization;

/// <summary>
/// MudBlazor's own texts (grid pager, "select row", "sort", "required", date picker buttons…) in the user's language:
/// Vietnamese from <c>MudText.vi.resx</c>; anything not translated there keeps MudBlazor's English.
/// </summary>
public sealed class CrmMudLocalizer(IStringLocalizer<MudText> texts) : MudLocalizer
{
    public override LocalizedString this[string key]
    {
        get
        {
            var text = texts[key];
            return text.ResourceNotFound ? new LocalizedString(key, key, resourceNotFound: true) : text;
        }
    }
}
