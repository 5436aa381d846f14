using System.Globalization;
using Bunit;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Features.Automation;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Components.Automation;

/// <summary>The run log is stored as codes and read in the reader's language (vi-VN, en); a row stored before the codes
/// (English text) still reads as it was stored.</summary>
public sealed class AutomationRunListTests : MudTestContext, IAsyncLifetime
{
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are disposed asynchronously only.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private static readonly string Done = AutomationNote.Write([new(AutomationNote.RelationshipSet), new(AutomationNote.Notified, ["1200"]),
        new(AutomationNote.LogWritten)]);

    private static readonly string Stopped = AutomationNote.Write([new(AutomationNote.ChainLimit, ["3"])]);

    [Theory]
    [InlineData("vi-VN", "Đã đặt mối quan hệ; Đã thông báo cho 1.200 người; Đã ghi nhật ký", "Đã dừng: chuỗi 3 thay đổi do luật gây ra đã chạm giới hạn.")]
    [InlineData("en", "Relationship set; 1,200 people notified; Log entry written", "Stopped: a chain of 3 rule changes reached the limit.")]
    public void The_same_runs_read_in_the_readers_language_and_an_old_English_row_as_stored(string culture, string done, string stopped)
    {
        var (ui, format) = (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture);
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo(culture);
        try
        {
            var at = new DateTime(2026, 12, 1, 3, 0, 0, DateTimeKind.Utc);
            var list = Render<AutomationRunList>(p => p.Add(c => c.Runs, new List<AutomationRunView>
            {
                new(1, 7, "Đơn mới", 5, "Công ty Hạ Long", at, AutomationRunOutcome.Done, Done),
                new(2, 7, "Đơn mới", 5, "Công ty Hạ Long", at, AutomationRunOutcome.Skipped, Stopped),
                new(3, 7, "Đơn mới", 5, "Công ty Hạ Long", at, AutomationRunOutcome.Done, "relationship set; log written"),
            }));

            var details = list.FindAll("[data-testid=run-row]").Select(r => r.QuerySelectorAll("td").Last().TextContent).ToList();
            Assert.Equal([done, stopped, "relationship set; log written"], details);
        }
        finally
        {
            (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture) = (ui, format);
        }
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("[not json", "[not json")]
    [InlineData("[{\"code\":\"from-a-newer-version\"}]", "from-a-newer-version")]
    public void A_detail_that_is_not_the_neutral_form_or_an_unknown_code_is_shown_as_it_is(string? stored, string shown)
    {
        var t = Services.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<AutomationText>>();
        Assert.Equal(shown, AutomationText.Detail(t, stored));
    }
}
