using System.IO.Compression;

namespace CrmBlazor.Security.Passwords;

/// <summary>
/// The 100,000 most common passwords (SecLists' "10-million-password-list-top-100000", MIT; shipped gzip-compressed as
/// an embedded resource, see NOTICE.md beside it), read once into a set. Compared without regard to case: "PASSWORD"
/// is as guessable as "password".
/// </summary>
public static class CommonPasswords
{
    public const string ResourceName = "CrmBlazor.Security.Passwords.common-passwords-100k.txt.gz";

    private static readonly Lazy<HashSet<string>> Set = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static int Count => Set.Value.Count;

    public static bool Contains(string password) => Set.Value.Contains(password);

    private static HashSet<string> Load()
    {
        using var compressed = typeof(CommonPasswords).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var set = new HashSet<string>(110_000, StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                set.Add(line);
            }
        }

        return set;
    }
}
