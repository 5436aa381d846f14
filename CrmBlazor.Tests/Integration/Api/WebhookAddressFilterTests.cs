using System.Net;
using System.Net.Sockets;
using CrmBlazor.Features.Webhooks;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>
/// The webhook address filter (issue #20, finding 4). Pure: names resolve through a fake resolver and connections go to
/// a fake connector that records what it was asked, so no test here opens a socket or asks DNS anything.
/// </summary>
public sealed class WebhookAddressFilterTests
{
    private readonly List<IPEndPoint> _connects = [];

    private WebhookAddressFilter Filter(string? allowList = null, Dictionary<string, string[]>? names = null) => new(
        allowList is null ? null : [allowList],
        (host, _) => names is not null && names.TryGetValue(host, out var a)
            ? Task.FromResult(a.Select(IPAddress.Parse).ToArray())
            : throw new SocketException((int)SocketError.HostNotFound),
        (endPoint, _) =>
        {
            _connects.Add(endPoint);
            return ValueTask.FromResult<Stream>(new MemoryStream());
        });

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] // AWS, GCP, Azure, OpenStack metadata
    [InlineData("169.254.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("100.100.100.200")] // Alibaba metadata
    [InlineData("168.63.129.16")] // Azure wire server
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("192.0.2.10")]
    [InlineData("198.18.0.1")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:7f00:1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:0.0.0.0")]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b:1::1")]
    [InlineData("2002:7f00:1::1")] // 6to4 of 127.0.0.1
    [InlineData("2002:a00:1::1")] // 6to4 of 10.0.0.1
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")] // Teredo
    [InlineData("2001:db8::1")]
    [InlineData("fc00::1")]
    [InlineData("fd00:ec2::254")] // AWS IPv6 metadata
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("100::1")]
    public void Internal_addresses_are_not_public(string address)
    {
        Assert.False(WebhookAddressFilter.IsPublic(IPAddress.Parse(address)));
        Assert.False(Filter().IsAllowed(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.216.34")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("169.253.255.255")]
    [InlineData("192.169.0.1")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void Public_addresses_are_allowed(string address)
    {
        Assert.True(WebhookAddressFilter.IsPublic(IPAddress.Parse(address)));
        Assert.True(Filter().IsAllowed(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.1", "127.0.0.1")]
    [InlineData("127.0.1", "127.0.0.1")]
    [InlineData("2130706433", "127.0.0.1")]
    [InlineData("0x7f.1", "127.0.0.1")]
    [InlineData("0x7F000001", "127.0.0.1")]
    [InlineData("0177.0.0.1", "127.0.0.1")]
    [InlineData("0177.1", "127.0.0.1")]
    [InlineData("017700000001", "127.0.0.1")]
    [InlineData("0", "0.0.0.0")]
    [InlineData("0x0", "0.0.0.0")]
    [InlineData("169.254.43518", "169.254.169.254")]
    [InlineData("2852039166", "169.254.169.254")]
    [InlineData("0xa9.0xfe.0xa9.0xfe", "169.254.169.254")]
    [InlineData("10.1", "10.0.0.1")]
    [InlineData("8.8.8.8", "8.8.8.8")]
    [InlineData("134744072", "8.8.8.8")]
    public void Numeric_hosts_are_read_like_the_network_stack_reads_them(string host, string expected)
    {
        Assert.True(WebhookAddressFilter.TryParseNumericIPv4(host, out var address, out var malformed));
        Assert.False(malformed);
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.256")]
    [InlineData("1.2.65536")]
    [InlineData("4294967296")]
    [InlineData("08.0.0.1")]
    [InlineData("0x1g.1")]
    [InlineData("example.123")]
    [InlineData("1..1")]
    [InlineData("0xffffffffffffffffffff")]
    public void Numbers_that_are_no_address_are_invalid(string host)
    {
        Assert.False(WebhookAddressFilter.TryParseNumericIPv4(host, out _, out var malformed));
        Assert.True(malformed);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("crm-hooks.example.vn")]
    [InlineData("1x.example")]
    public void Names_are_not_numbers(string host)
    {
        Assert.False(WebhookAddressFilter.TryParseNumericIPv4(host, out _, out var malformed));
        Assert.False(malformed);
    }

    [Theory]
    [InlineData("http://127.0.0.1/hook")]
    [InlineData("http://127.1/hook")]
    [InlineData("http://2130706433/hook")]
    [InlineData("http://0x7f.1/hook")]
    [InlineData("http://0177.0.0.1/hook")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("http://LOCALHOST./hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://[0:0:0:0:0:ffff:a9fe:a9fe]/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://instance-data/latest/")]
    [InlineData("http://10.0.0.5:22/")]
    [InlineData("https://192.168.1.1/")]
    [InlineData("http://0.0.0.0:5000/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://user:pw@127.0.0.1/")]
    [InlineData("http://internal.example/hook")] // resolves to a private address
    [InlineData("http://split.example/hook")] // one public and one loopback address: refused when saved
    public async Task Internal_urls_are_refused_when_saved(string url)
    {
        var filter = Filter(names: new() { ["internal.example"] = ["10.1.2.3"], ["split.example"] = ["93.184.216.34", "127.0.0.1"] });
        Assert.Equal(WebhookHostVerdict.Refused, await filter.CheckUrlAsync(new Uri(url)));
    }

    [Theory]
    [InlineData("https://hooks.example.vn/crm")]
    [InlineData("http://93.184.216.34/hook")]
    [InlineData("http://[2606:4700:4700::1111]/hook")]
    public async Task Public_urls_are_accepted(string url)
    {
        var filter = Filter(names: new() { ["hooks.example.vn"] = ["93.184.216.34", "2606:4700:4700::1111"] });
        Assert.Equal(WebhookHostVerdict.Allowed, await filter.CheckUrlAsync(new Uri(url)));
    }

    [Fact]
    public async Task Unknown_names_and_odd_numbers_are_not_accepted()
    {
        var filter = Filter();
        Assert.Equal(WebhookHostVerdict.NotFound, await filter.CheckUrlAsync(new Uri("https://no-such-host.example/")));
        Assert.Equal(WebhookHostVerdict.Invalid, (await filter.CheckHostAsync("1.2.3.4.5")).Verdict);
        Assert.Equal(WebhookHostVerdict.Invalid, (await filter.CheckHostAsync("example.0x7f")).Verdict);
        Assert.Equal(WebhookHostVerdict.Invalid, (await filter.CheckHostAsync(string.Empty)).Verdict);
    }

    [Fact]
    public async Task The_allow_list_admits_addresses_ranges_and_names_for_on_premise_receivers()
    {
        var filter = Filter("127.0.0.1/32, 10.20.0.0/16;receiver.corp.local", new() { ["receiver.corp.local"] = ["192.168.7.7"], ["other.corp.local"] = ["192.168.7.8"] });
        Assert.True(filter.IsAllowed(IPAddress.Parse("127.0.0.1")));
        Assert.True(filter.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(filter.IsAllowed(IPAddress.Parse("127.0.0.2")));
        Assert.False(filter.IsAllowed(IPAddress.Parse("::1")));
        Assert.True(filter.IsAllowed(IPAddress.Parse("10.20.255.1")));
        Assert.False(filter.IsAllowed(IPAddress.Parse("10.21.0.1")));
        Assert.False(filter.IsAllowed(IPAddress.Parse("169.254.169.254")));
        Assert.Equal(WebhookHostVerdict.Allowed, await filter.CheckUrlAsync(new Uri("http://127.0.0.1:5001/hook")));
        Assert.Equal(WebhookHostVerdict.Allowed, await filter.CheckUrlAsync(new Uri("http://127.1:5001/hook")));
        Assert.Equal(WebhookHostVerdict.Allowed, await filter.CheckUrlAsync(new Uri("http://receiver.corp.local/hook")));
        Assert.Equal(WebhookHostVerdict.Refused, await filter.CheckUrlAsync(new Uri("http://other.corp.local/hook")));
        Assert.Equal(WebhookHostVerdict.Refused, await filter.CheckUrlAsync(new Uri("http://localhost/hook"))); // ::1 is not on the list
        Assert.Throws<InvalidOperationException>(() => new WebhookAddressFilter(["10.0.0.0/33"]));
        Assert.Throws<InvalidOperationException>(() => new WebhookAddressFilter(["name/8"]));
    }

    [Fact]
    public async Task Connecting_to_a_name_that_now_resolves_to_an_internal_address_is_refused_before_any_socket()
    {
        // Saved while it pointed elsewhere; now the name answers with internal addresses (DNS rebinding).
        var filter = Filter(names: new() { ["rebind.example"] = ["127.0.0.1", "169.254.169.254"] });
        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(async () => await filter.ConnectAsync("rebind.example", 443, CancellationToken.None));
        Assert.Equal(WebhookHostVerdict.Refused, refused.Verdict);
        await Assert.ThrowsAsync<WebhookAddressRefusedException>(async () => await filter.ConnectAsync("2130706433", 80, CancellationToken.None));
        await Assert.ThrowsAsync<WebhookAddressRefusedException>(async () => await filter.ConnectAsync("[::1]", 80, CancellationToken.None));
        await Assert.ThrowsAsync<WebhookAddressRefusedException>(async () => await filter.ConnectAsync("metadata.google.internal", 80, CancellationToken.None));
        Assert.Empty(_connects);
    }

    [Fact]
    public async Task Connecting_uses_only_the_allowed_addresses_of_a_name()
    {
        var filter = Filter(names: new() { ["mixed.example"] = ["10.0.0.1", "93.184.216.34", "127.0.0.1"] });
        await using var stream = await filter.ConnectAsync("mixed.example", 443, CancellationToken.None);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("93.184.216.34"), 443)], _connects);
    }

    [Fact]
    public async Task The_webhook_handler_refuses_localhost_in_its_connect_callback_and_follows_no_redirect()
    {
        // No allow-list: "localhost" is loopback, so the ConnectCallback refuses it before a connection is made.
        var filter = Filter();
        using var handler = WebhookDispatcher.CreateHandler(filter);
        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseProxy);
        Assert.NotNull(handler.ConnectCallback);
        using var client = new HttpClient(handler);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("http://localhost:9/hook", new StringContent("{}")));
        Assert.IsType<WebhookAddressRefusedException>(error.InnerException);
        Assert.Empty(_connects);
    }
}
