using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CrmBlazor.Features.Webhooks;

/// <summary>What the filter made of a webhook's host.</summary>
public enum WebhookHostVerdict
{
    /// <summary>Every address the host has is allowed.</summary>
    Allowed,

    /// <summary>The host is (or resolves to) a loopback, private, link-local, multicast, reserved or metadata address.</summary>
    Refused,

    /// <summary>Not a usable host name (e.g. a number that is no IPv4 address).</summary>
    Invalid,

    /// <summary>The name has no address.</summary>
    NotFound,
}

/// <summary>The host's verdict and the addresses a delivery may connect to (empty unless some are allowed).</summary>
public sealed record WebhookHostCheck(WebhookHostVerdict Verdict, IReadOnlyList<IPAddress> AllowedAddresses);

/// <summary>A webhook connection refused by <see cref="WebhookAddressFilter"/> before any socket was opened.</summary>
public sealed class WebhookAddressRefusedException(WebhookHostVerdict verdict)
    : Exception("The webhook's address is not allowed.")
{
    public WebhookHostVerdict Verdict { get; } = verdict;
}

/// <summary>
/// Keeps webhooks off internal addresses (issue #20, finding 4). A host is resolved (numeric forms such as
/// <c>127.1</c>, <c>2130706433</c>, <c>0x7f.1</c> or <c>0177.0.0.1</c> are read the way the network stack reads them)
/// and refused when an address is loopback, private, CGNAT, link-local, multicast, unspecified, broadcast, reserved,
/// one of those embedded in IPv6 (mapped, compatible, NAT64, 6to4) or a cloud metadata address. The same filter runs
/// when a webhook is saved and again in <see cref="ConnectAsync"/> (the HTTP handler's ConnectCallback), which
/// connects only to an address it has just checked, so a name that later resolves elsewhere (DNS rebinding) is
/// refused too. The allow-list (<c>Webhooks:AllowedHosts</c>: host names, addresses or CIDR ranges) admits
/// on-premise receivers.
/// </summary>
public sealed class WebhookAddressFilter
{
    /// <summary>Resolves a host name to its addresses (DNS by default; a fake in tests).</summary>
    public delegate Task<IPAddress[]> HostResolver(string host, CancellationToken ct);

    /// <summary>Opens a connection to one checked address (a socket by default; a fake in tests).</summary>
    public delegate ValueTask<Stream> Connector(IPEndPoint endPoint, CancellationToken ct);

    public const string AllowedHostsSetting = "Webhooks:AllowedHosts";

    /// <summary>Names of cloud metadata services, refused whatever they resolve to.</summary>
    private static readonly HashSet<string> MetadataNames = new(StringComparer.Ordinal)
    {
        "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    };

    /// <summary>Metadata addresses outside the reserved ranges (Azure's wire server; others are link-local, CGNAT or ULA).</summary>
    private static readonly IPAddress[] MetadataAddresses = [IPAddress.Parse("168.63.129.16")];

    private static readonly (uint Network, int Prefix)[] ForbiddenV4 =
    [
        (V4(0, 0, 0, 0), 8),        // "this network", 0.0.0.0 unspecified
        (V4(10, 0, 0, 0), 8),       // private
        (V4(100, 64, 0, 0), 10),    // carrier-grade NAT (and Alibaba's metadata 100.100.100.200)
        (V4(127, 0, 0, 0), 8),      // loopback
        (V4(169, 254, 0, 0), 16),   // link-local (169.254.169.254: AWS, GCP, Azure, OpenStack metadata)
        (V4(172, 16, 0, 0), 12),    // private
        (V4(192, 0, 0, 0), 24),     // IETF protocol assignments
        (V4(192, 0, 2, 0), 24),     // documentation
        (V4(192, 88, 99, 0), 24),   // 6to4 relay anycast
        (V4(192, 168, 0, 0), 16),   // private
        (V4(198, 18, 0, 0), 15),    // benchmarking
        (V4(198, 51, 100, 0), 24),  // documentation
        (V4(203, 0, 113, 0), 24),   // documentation
        (V4(224, 0, 0, 0), 4),      // multicast
        (V4(240, 0, 0, 0), 4),      // reserved, and 255.255.255.255 broadcast
    ];

    private readonly List<(byte[] Network, int Prefix, AddressFamily Family)> _allowedNetworks = [];
    private readonly HashSet<string> _allowedNames = new(StringComparer.Ordinal);
    private readonly HostResolver _resolve;
    private readonly Connector _connect;

    public WebhookAddressFilter(IEnumerable<string>? allowList = null, HostResolver? resolve = null, Connector? connect = null)
    {
        _resolve = resolve ?? ((host, ct) => Dns.GetHostAddressesAsync(host, ct));
        _connect = connect ?? ConnectSocketAsync;
        foreach (var raw in allowList ?? [])
        {
            foreach (var entry in raw.Split([',', ';', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                AddAllowed(entry);
            }
        }
    }

    /// <summary>The filter of <c>Webhooks:AllowedHosts</c> (a list, or one string separated by commas).</summary>
    public static WebhookAddressFilter FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(AllowedHostsSetting);
        var entries = section.GetChildren().Select(c => c.Value ?? string.Empty).Append(section.Value ?? string.Empty);
        return new WebhookAddressFilter(entries);
    }

    /// <summary>True when the address may receive webhooks without being on the allow-list.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var bytes = address.GetAddressBytes();
            return IsPublicV4(bytes) && !MetadataAddresses.Contains(address);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        // IPv4 embedded in IPv6: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d (also ::, ::1), NAT64 64:ff9b::a.b.c.d.
        if (AllZero(b, 0, 10) && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)))
        {
            return IsPublic(new IPAddress(b[12..16]));
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            // 64:ff9b::/96 carries a public IPv4 address; 64:ff9b:1::/48 is for local use.
            return AllZero(b, 4, 8) && IsPublic(new IPAddress(b[12..16]));
        }

        // Only global unicast 2000::/3; this leaves out ULA fc00::/7 (and AWS's fd00:ec2::254), link-local fe80::/10,
        // site-local fec0::/10, multicast ff00::/8 and discard 100::/64.
        if ((b[0] & 0xe0) != 0x20)
        {
            return false;
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            return false; // Teredo 2001::/32 hides an IPv4 address
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        {
            return false; // documentation 2001:db8::/32
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x02 && b[4] == 0 && b[5] == 0)
        {
            return false; // benchmarking 2001:2::/48
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublic(new IPAddress(b[2..6])); // 6to4 2002:a.b.c.d::/48
        }

        return true;
    }

    /// <summary>True when the address is public or on the allow-list.</summary>
    public bool IsAllowed(IPAddress address) => InAllowedNetwork(address) || IsPublic(address);

    /// <summary>
    /// Reads a host that ends in a number as an IPv4 address the way inet_aton does (one to four parts, each decimal,
    /// octal with a leading 0 or hexadecimal with 0x; the last part fills the remaining bytes). False for a host that
    /// is a name; <paramref name="malformed"/> is set for a number that is no address (e.g. <c>1.2.3.4.5</c>, <c>09</c>).
    /// </summary>
    public static bool TryParseNumericIPv4(string host, out IPAddress? address, out bool malformed)
    {
        address = null;
        malformed = false;
        var parts = host.Split('.');
        if (!LooksNumeric(parts[^1]))
        {
            return false; // a name (WHATWG: only a host whose last label is a number is an IPv4 address)
        }

        malformed = true;
        if (parts.Length > 4)
        {
            return false;
        }

        var values = new ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParsePart(parts[i], out values[i]))
            {
                return false;
            }
        }

        for (var i = 0; i < values.Length - 1; i++)
        {
            if (values[i] > 255)
            {
                return false;
            }
        }

        var lastBytes = 5 - values.Length;
        if (values[^1] >= 1UL << (8 * lastBytes))
        {
            return false;
        }

        ulong result = values[^1];
        for (var i = 0; i < values.Length - 1; i++)
        {
            result |= values[i] << (8 * (3 - i));
        }

        address = new IPAddress([(byte)(result >> 24), (byte)(result >> 16), (byte)(result >> 8), (byte)result]);
        malformed = false;
        return true;
    }

    /// <summary>Checks a webhook URL when it is saved: refused unless every address of its host is allowed.</summary>
    public async Task<WebhookHostVerdict> CheckUrlAsync(Uri url, CancellationToken ct = default)
    {
        var (verdict, addresses) = await ResolveAsync(url.Host, ct);
        return verdict != WebhookHostVerdict.Allowed ? verdict
            : addresses.All(IsAllowedFor(url.Host)) ? WebhookHostVerdict.Allowed : WebhookHostVerdict.Refused;
    }

    /// <summary>Resolves and filters a host: the addresses a connection may use.</summary>
    public async Task<WebhookHostCheck> CheckHostAsync(string host, CancellationToken ct = default)
    {
        var (verdict, addresses) = await ResolveAsync(host, ct);
        if (verdict != WebhookHostVerdict.Allowed)
        {
            return new WebhookHostCheck(verdict, []);
        }

        var allowed = addresses.Where(IsAllowedFor(host)).ToList();
        return allowed.Count == 0 ? new WebhookHostCheck(WebhookHostVerdict.Refused, []) : new WebhookHostCheck(WebhookHostVerdict.Allowed, allowed);
    }

    /// <summary>
    /// The HTTP handler's ConnectCallback: resolves the host, filters every address and connects only to an allowed
    /// one. Throws <see cref="WebhookAddressRefusedException"/> before any socket is opened when none is allowed.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(string host, int port, CancellationToken ct)
    {
        var check = await CheckHostAsync(host, ct);
        if (check.Verdict != WebhookHostVerdict.Allowed)
        {
            throw new WebhookAddressRefusedException(check.Verdict);
        }

        Exception? last = null;
        foreach (var address in check.AllowedAddresses)
        {
            try
            {
                return await _connect(new IPEndPoint(address, port), ct);
            }
            catch (SocketException ex)
            {
                last = ex;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostUnreachable);
    }

    /// <summary>For <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public ValueTask<Stream> ConnectCallback(SocketsHttpConnectionContext context, CancellationToken ct) =>
        ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, ct);

    /// <summary>Lower-case, without brackets or a trailing dot.</summary>
    public static string NormalizeHost(string host)
    {
        var h = host.Trim().ToLowerInvariant();
        if (h.StartsWith('[') && h.EndsWith(']'))
        {
            h = h[1..^1];
        }

        return h.TrimEnd('.');
    }

    private async Task<(WebhookHostVerdict Verdict, IReadOnlyList<IPAddress> Addresses)> ResolveAsync(string rawHost, CancellationToken ct)
    {
        var host = NormalizeHost(rawHost);
        if (host.Length == 0)
        {
            return (WebhookHostVerdict.Invalid, []);
        }

        if (host.Contains(':'))
        {
            var percent = host.IndexOf('%', StringComparison.Ordinal); // a zone (fe80::1%eth0) is refused with its address
            return IPAddress.TryParse(percent < 0 ? host : host[..percent], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                ? (WebhookHostVerdict.Allowed, [v6])
                : (WebhookHostVerdict.Invalid, []);
        }

        if (TryParseNumericIPv4(host, out var v4, out var malformed))
        {
            return (WebhookHostVerdict.Allowed, [v4!]);
        }

        if (malformed)
        {
            return (WebhookHostVerdict.Invalid, []);
        }

        if (_allowedNames.Contains(host))
        {
            return await LookUpAsync(host, ct);
        }

        if (MetadataNames.Contains(host))
        {
            return (WebhookHostVerdict.Refused, []);
        }

        if (host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return (WebhookHostVerdict.Allowed, [IPAddress.Loopback, IPAddress.IPv6Loopback]); // RFC 6761: never asked of DNS
        }

        return await LookUpAsync(host, ct);
    }

    private async Task<(WebhookHostVerdict, IReadOnlyList<IPAddress>)> LookUpAsync(string host, CancellationToken ct)
    {
        try
        {
            var found = await _resolve(host, ct);
            return found.Length == 0 ? (WebhookHostVerdict.NotFound, []) : (WebhookHostVerdict.Allowed, found);
        }
        catch (SocketException)
        {
            return (WebhookHostVerdict.NotFound, []);
        }
        catch (ArgumentException)
        {
            return (WebhookHostVerdict.Invalid, []);
        }
    }

    /// <summary>A host on the allow-list by name may use whatever it resolves to; others only allowed addresses.</summary>
    private Func<IPAddress, bool> IsAllowedFor(string host) =>
        _allowedNames.Contains(NormalizeHost(host)) ? _ => true : IsAllowed;

    private bool InAllowedNetwork(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        return _allowedNetworks.Any(n => n.Family == address.AddressFamily && PrefixMatches(bytes, n.Network, n.Prefix));
    }

    private void AddAllowed(string entry)
    {
        var text = entry.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = NormalizeHost(slash < 0 ? text : text[..slash]);
        if (IPAddress.TryParse(addressText, out var address) && (addressText.Contains(':') || addressText.Count(c => c == '.') == 3))
        {
            var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            var prefix = max;
            if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
            {
                throw new InvalidOperationException($"{AllowedHostsSetting}: '{entry}' is not an address or a CIDR range.");
            }

            _allowedNetworks.Add((address.GetAddressBytes(), prefix, address.AddressFamily));
            return;
        }

        if (slash >= 0)
        {
            throw new InvalidOperationException($"{AllowedHostsSetting}: '{entry}' is not an address or a CIDR range.");
        }

        _allowedNames.Add(addressText);
    }

    private static bool PrefixMatches(byte[] address, byte[] network, int prefix)
    {
        for (var i = 0; i < address.Length && prefix > 0; i++, prefix -= 8)
        {
            var mask = prefix >= 8 ? 0xff : (byte)(0xff << (8 - prefix));
            if ((address[i] & mask) != (network[i] & mask))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPublicV4(byte[] bytes)
    {
        var value = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        foreach (var (network, prefix) in ForbiddenV4)
        {
            var mask = uint.MaxValue << (32 - prefix);
            if ((value & mask) == network)
            {
                return false;
            }
        }

        return true;
    }

    private static uint V4(byte a, byte b, byte c, byte d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    private static bool AllZero(byte[] bytes, int start, int count) => bytes.AsSpan(start, count).IndexOfAnyExcept((byte)0) < 0;

    private static bool LooksNumeric(string part) =>
        part.Length > 0 && (part.All(char.IsAsciiDigit) || ((part.StartsWith("0x", StringComparison.Ordinal) || part.StartsWith("0X", StringComparison.Ordinal))
            && part[2..].All(char.IsAsciiHexDigit)));

    private static bool TryParsePart(string part, out ulong value)
    {
        value = 0;
        if (part.Length == 0 || part.Length > 34)
        {
            return false;
        }

        if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return part.Length == 2 || ulong.TryParse(part[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        if (part.Length > 1 && part[0] == '0')
        {
            foreach (var c in part[1..])
            {
                if (c is < '0' or > '7' || value > uint.MaxValue)
                {
                    return false;
                }

                value = (value * 8) + (ulong)(c - '0');
            }

            return true;
        }

        return part.All(char.IsAsciiDigit) && ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static async ValueTask<Stream> ConnectSocketAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
