using CrmBlazor.Live;

namespace CrmBlazor.Tests.Components.Live;

/// <summary>#18: the collector's budget advice follows what the machine reports of its CPU cache.</summary>
public sealed class CollectorBudgetTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "crm-cache-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_machine_that_reports_its_cache_needs_no_advice()
    {
        var index = Directory.CreateDirectory(Path.Combine(_folder, "index3")).FullName;
        File.WriteAllText(Path.Combine(index, "size"), "32768K\n");

        Assert.True(CollectorBudget.CacheReported(_folder));
        Assert.Null(CollectorBudget.Advice(_folder));
    }

    [Fact]
    public void A_machine_that_hides_its_cache_is_told_the_budget_unless_it_is_set()
    {
        Assert.True(OperatingSystem.IsLinux(), "the cache check reads Linux's sysfs; CI runs on Linux");
        Directory.CreateDirectory(Path.Combine(_folder, "index0")); // a cache entry without its size
        Assert.False(CollectorBudget.CacheReported(_folder));
        Assert.False(CollectorBudget.CacheReported(Path.Combine(_folder, "missing")));

        var expected = string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CollectorBudget.Variable)) ? CollectorBudget.Recommended : null;
        Assert.Equal(expected, CollectorBudget.Advice(_folder));
        Assert.Equal("0x4000000", CollectorBudget.Recommended);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
