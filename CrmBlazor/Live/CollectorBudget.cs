namespace CrmBlazor.Live;

/// <summary>
/// The garbage collector's young-generation budget (#18). .NET sizes it from the last-level CPU cache; with two hundred
/// open circuits each save's refreshes allocate tens of megabytes, so a budget of a few megabytes (a 32 MB cache's) means
/// a collection or two per save, each pause stopping every request (the writer's too), and a virtual machine that hides
/// its cache (no <c>/sys/devices/system/cpu/cpu0/cache</c>) gets about 2 MB and several per save. The budget can only be
/// set before the runtime starts, by the environment variable <see cref="Variable"/> (runtimeconfig.json does not carry
/// it): README recommends <see cref="Recommended"/> for servers with many open pages, the app warns at start-up when it
/// is missing on a machine that hides its cache, and the circuits benchmark starts the app with it as README says.
/// </summary>
public static class CollectorBudget
{
    public const string Variable = "DOTNET_GCgen0size";

    /// <summary>64 MB, in the runtime's hexadecimal notation.</summary>
    public const string Recommended = "0x4000000";

    /// <summary>Whether the operating system tells the runtime the CPU's cache sizes (always assumed outside Linux).</summary>
    public static bool CacheReported(string cpuCacheFolder = "/sys/devices/system/cpu/cpu0/cache") =>
        !OperatingSystem.IsLinux()
        || (Directory.Exists(cpuCacheFolder)
            && Directory.EnumerateDirectories(cpuCacheFolder, "index*").Any(index => File.Exists(Path.Combine(index, "size"))));

    /// <summary>The value to give <see cref="Variable"/> here, or null when the runtime's own budget is right (the cache is
    /// reported) or the variable is set already.</summary>
    public static string? Advice(string cpuCacheFolder = "/sys/devices/system/cpu/cpu0/cache") =>
        CacheReported(cpuCacheFolder) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)) ? null : Recommended;
}
