using Bunit;
using CrmBlazor.Localization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>Shared bUnit base (MudBlazor's own test setup): MudBlazor services, loose JS interop, no snackbar transitions.</summary>
public abstract class MudTestContext : BunitContext
{
    protected MudTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
            o.PopoverOptions.CheckForPopoverProvider = false;
        });
        Services.AddLocalization();
        Services.AddSingleton<UserTime>();
        Services.AddLogging();
        Services.AddSingleton<CrmBlazor.Live.ILiveEventBus, CrmBlazor.Live.InProcessLiveEventBus>();
        // Pages show comment counts (new updates); the service resolves the database the test registers.
        Services.AddSingleton(new CrmBlazor.Features.Comments.AttachmentStore(Path.Combine(Path.GetTempPath(), "crm-bunit-attachments"), 1024 * 1024));
        Services.AddScoped<CrmBlazor.Features.Comments.CommentService>();
    }
}
