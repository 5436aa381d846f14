using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>A real redis-server on a free loopback port, for the life of a test. Fails loudly when Redis is missing.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    public static async Task<RedisServer> StartAsync()
    {
        var exe = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : throw new InvalidOperationException("redis-server is required (test.sh installs it: apt-get install redis-server).");
        var port = FreePort();
        var process = Process.Start(new ProcessStartInfo(exe, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        var server = new RedisServer(process, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        server.Dispose();
        throw new InvalidOperationException($"redis-server did not listen on {port}.");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
