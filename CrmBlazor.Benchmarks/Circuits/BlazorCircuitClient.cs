using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrmBlazor.Benchmarks.Circuits;

/// <summary>A signed-in user of the app: the auth cookie, and an HttpClient that sends it (no redirects followed).</summary>
public sealed class CircuitUser(Uri baseAddress, string userName, CookieContainer cookies) : IDisposable
{
    public Uri BaseAddress { get; } = baseAddress;

    public string UserName { get; } = userName;

    public CookieContainer Cookies { get; } = cookies;

    public HttpClient Http { get; } = new(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false, UseCookies = true })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(120),
    };

    public void Dispose() => Http.Dispose();
}

/// <summary>
/// A headless Blazor Server client: one real circuit per instance, driven over the circuit protocol that
/// blazor.web.js speaks (.NET 10), without a browser. It GETs a page with the user's cookie, reads the prerendered
/// component markers (<c>&lt;!--Blazor:{"type":"server",…}--&gt;</c>) and the persisted component state, connects to
/// <c>/_blazor</c> with the "blazorpack" protocol, calls <c>StartCircuit</c> with no components and then
/// <c>UpdateRootComponents</c> with one "add" operation per marker, the way WebRootComponentManager does. Afterwards it
/// acknowledges every render batch (<c>OnRenderCompleted(id, null)</c>: the server holds back later batches and the
/// components' OnAfterRenderAsync until then), answers every JS interop call with success and a neutral result (a fake
/// object reference where .NET expects an IJSObjectReference, null otherwise) and reports <c>JS.Error</c> (the circuit
/// is dead then) on the console.
/// <para>Render batches carry every new string in UTF-8 (RenderBatchWriter's string table), so a text appears in the
/// page when its UTF-8 bytes appear in a batch: <see cref="WaitForTextAsync"/> searches the batch bytes for them.</para>
/// </summary>
public sealed partial class BlazorCircuitClient : IAsyncDisposable
{
    private readonly CircuitUser _user;
    private readonly HubConnection _connection;
    private readonly Lock _gate = new();
    private readonly List<(byte[] Pattern, TaskCompletionSource<long> Done)> _waiters = [];
    private readonly TaskCompletionSource _rootComponentsUpdated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _errors = [];
    private List<byte[]>? _recorded = [];
    private long _batches;
    private long _bytes;
    private long _jsCalls;
    private long _lastBatchAt = Stopwatch.GetTimestamp();
    private long _nextObjectId = 1_000_000;
    private bool _disposed;

    private BlazorCircuitClient(CircuitUser user, string path, string label)
    {
        _user = user;
        Path = path;
        Label = label;
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(user.BaseAddress, "_blazor"), o =>
            {
                o.Cookies = user.Cookies;
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .ConfigureLogging(l => l.ClearProviders().AddProvider(new ErrorLoggerProvider(this)).SetMinimumLevel(LogLevel.Warning));
        // The last IHubProtocol registered is the one the connection uses.
        builder.Services.AddSingleton<IHubProtocol>(new BlazorPackProtocol());
        _connection = builder.Build();
        _connection.HandshakeTimeout = TimeSpan.FromSeconds(60);
        _connection.ServerTimeout = TimeSpan.FromSeconds(120);
        Register();
    }

    /// <summary>Printed with every error and in the bench's progress lines.</summary>
    public string Label { get; }

    /// <summary>The page the circuit shows (path and query).</summary>
    public string Path { get; }

    /// <summary>The secret StartCircuit returned (what /_blazor/disconnect takes).</summary>
    public string? CircuitId { get; private set; }

    public long Batches => Interlocked.Read(ref _batches);

    public long BytesReceived => Interlocked.Read(ref _bytes);

    public long JsCalls => Interlocked.Read(ref _jsCalls);

    /// <summary>Errors from the server (JS.Error), the connection or the SignalR client; the circuit is unusable after JS.Error.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>True once the server reported a circuit error or the connection closed without <see cref="DisposeAsync"/>.</summary>
    public bool Failed { get; private set; }

    /// <summary>Raised on the connection's receive loop for each render batch (id, bytes), before it is acknowledged.</summary>
    public event Action<BlazorCircuitClient, long, ReadOnlyMemory<byte>>? BatchReceived;

    /// <summary>When false, errors are only collected in <see cref="Errors"/>, not printed.</summary>
    public bool PrintErrors { get; set; } = true;

    /// <summary>Signs in through the static login form (antiforgery token, <c>_handler=login</c>) and keeps the cookie.</summary>
    public static async Task<CircuitUser> SignInAsync(Uri baseAddress, string userName, string password, CancellationToken ct)
    {
        var user = new CircuitUser(baseAddress, userName, new CookieContainer());
        try
        {
            var page = await user.Http.GetStringAsync("/account/login", ct);
            var token = AntiforgeryToken().Match(page);
            if (!token.Success)
            {
                throw new InvalidOperationException("The login page has no antiforgery token.");
            }

            using var response = await user.Http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
                ["_handler"] = "login",
                ["Form.UserName"] = userName,
                ["Form.Password"] = password,
            }), ct);
            if (response.StatusCode != HttpStatusCode.Redirect || user.Cookies.GetCookies(baseAddress)["crm.auth"] is null)
            {
                throw new InvalidOperationException($"Sign-in as '{userName}' failed ({(int)response.StatusCode}, no auth cookie).");
            }

            return user;
        }
        catch
        {
            user.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> as <paramref name="user"/> in a new circuit and returns once the server has added
    /// the page's root components (JS.EndUpdateRootComponents). The page's data may still be loading: see
    /// <see cref="WaitForQuietAsync"/>.
    /// </summary>
    public static async Task<BlazorCircuitClient> ConnectAsync(CircuitUser user, string path, string label, CancellationToken ct)
    {
        using var response = await user.Http.GetAsync(path, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{label}: GET {path} answered {(int)response.StatusCode} {response.Headers.Location}");
        }

        var html = await response.Content.ReadAsStringAsync(ct);
        var markers = ServerMarkers(html);
        if (markers.Count == 0)
        {
            throw new InvalidOperationException($"{label}: GET {path} has no interactive server component markers.");
        }

        var state = ServerState().Match(html) is { Success: true } m ? m.Groups[1].Value : string.Empty;
        var client = new BlazorCircuitClient(user, path, label);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await client._connection.StartAsync(timeout.Token);
            var uri = new Uri(user.BaseAddress, path).AbsoluteUri;
            client.CircuitId = await client._connection.InvokeAsync<string?>("StartCircuit", user.BaseAddress.AbsoluteUri, uri, "[]", state, timeout.Token)
                ?? throw new InvalidOperationException($"{label}: StartCircuit returned no circuit ({string.Join("; ", client.Errors)}).");

            // One batch of "add" operations, ssrComponentId 1, 2, … in marker order (what WebRootComponentManager sends).
            var operations = new JsonArray();
            for (var i = 0; i < markers.Count; i++)
            {
                operations.Add(new JsonObject { ["type"] = "add", ["ssrComponentId"] = i + 1, ["marker"] = markers[i] });
            }

            var batch = new JsonObject { ["batchId"] = 1, ["operations"] = operations }.ToJsonString();
            await client._connection.SendAsync("UpdateRootComponents", batch, state, timeout.Token);
            await client._rootComponentsUpdated.Task.WaitAsync(timeout.Token);
            if (client.Failed)
            {
                throw new InvalidOperationException($"{label}: the circuit failed while starting: {string.Join("; ", client.Errors)}");
            }

            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Completes with the <see cref="Stopwatch"/> timestamp of the first render batch (received from now on, or
    /// still recorded, see <see cref="StopRecording"/>) whose bytes contain <paramref name="text"/> in UTF-8.
    /// </summary>
    public Task<long> WaitForTextAsync(string text, CancellationToken ct)
    {
        var pattern = Encoding.UTF8.GetBytes(text);
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_recorded?.Any(b => b.AsSpan().IndexOf(pattern) >= 0) == true)
            {
                return Task.FromResult(Stopwatch.GetTimestamp());
            }

            _waiters.Add((pattern, done));
        }

        if (ct.CanBeCanceled)
        {
            var registration = ct.Register(() =>
            {
                lock (_gate)
                {
                    _waiters.RemoveAll(w => w.Done == done);
                }

                done.TrySetCanceled(ct);
            });
            _ = done.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }

        return done.Task;
    }

    /// <summary>Whether a batch recorded so far (since connecting, until <see cref="StopRecording"/>) contains the text.</summary>
    public bool HasSeen(string text)
    {
        var pattern = Encoding.UTF8.GetBytes(text);
        lock (_gate)
        {
            return _recorded?.Any(b => b.AsSpan().IndexOf(pattern) >= 0) == true;
        }
    }

    /// <summary>The client keeps the batches it received since connecting (for <see cref="HasSeen"/>) until this is called.</summary>
    public void StopRecording()
    {
        lock (_gate)
        {
            _recorded = null;
        }
    }

    /// <summary>Waits until no render batch has arrived for <paramref name="quiet"/> (the page has loaded its data), at most <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForQuietAsync(TimeSpan quiet, TimeSpan timeout, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var since = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastBatchAt));
            if (since >= quiet)
            {
                return true;
            }

            await Task.Delay(quiet - since + TimeSpan.FromMilliseconds(10), ct);
        }

        return false;
    }

    /// <summary>Ends the circuit on the server at once (POST /_blazor/disconnect, as the browser does on unload) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await _connection.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or InvalidOperationException or IOException)
        {
            // Closing a broken connection: nothing to tell.
        }

        if (CircuitId is not null)
        {
            try
            {
                using var form = new MultipartFormDataContent { { new StringContent(CircuitId), "circuitId" } };
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                using var _ = await _user.Http.PostAsync("/_blazor/disconnect", form, cts.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // The app may be gone already; the server drops a disconnected circuit after its retention period anyway.
            }
        }

        await _connection.DisposeAsync();
        lock (_gate)
        {
            foreach (var (_, done) in _waiters)
            {
                done.TrySetCanceled();
            }

            _waiters.Clear();
        }
    }

    private void Register()
    {
        _connection.On("JS.RenderBatch", [typeof(long), typeof(byte[])], async (args, _) =>
        {
            var id = (long)args[0]!;
            var data = (byte[])args[1]!;
            OnBatch(id, data);
            await _connection.SendAsync("OnRenderCompleted", id, null);
        }, this);

        // (asyncHandle, identifier, argsJson, resultType, targetInstanceId, callType) in .NET 10.
        _connection.On("JS.BeginInvokeJS", [typeof(long), typeof(string), typeof(string), typeof(int), typeof(long), typeof(int)], async (args, _) =>
        {
            Interlocked.Increment(ref _jsCalls);
            var handle = (long)args[0]!;
            if (handle == 0)
            {
                return; // Fire and forget (InvokeVoidAsync without a result): nothing to answer.
            }

            var result = ResultFor((string)args[1]!, (int)args[3]!);
            var json = "[" + handle.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",true," + result + "]";
            await _connection.SendAsync("EndInvokeJSFromDotNet", handle, true, json);
        }, this);

        _connection.On("JS.EndInvokeDotNet", [typeof(string), typeof(bool), typeof(string)], (_, _) => Task.CompletedTask, this);
        _connection.On("JS.AttachComponent", [typeof(int), typeof(string)], (_, _) => Task.CompletedTask, this);
        _connection.On("JS.EndLocationChanging", [typeof(int), typeof(bool)], (_, _) => Task.CompletedTask, this);
        _connection.On("JS.ReceiveByteArray", [typeof(int), typeof(byte[])], (_, _) => Task.CompletedTask, this);
        _connection.On("JS.BeginTransmitStream", [typeof(long)], (_, _) =>
        {
            AddError("JS.BeginTransmitStream: the headless client reads no .NET streams");
            return Task.CompletedTask;
        }, this);
        _connection.On("JS.EndUpdateRootComponents", [typeof(long)], (_, _) =>
        {
            _rootComponentsUpdated.TrySetResult();
            return Task.CompletedTask;
        }, this);
        // Sent when the server pauses the circuit (.NET 10); the client keeps the state and says it did.
        _connection.On<string, string, string, bool>("JS.SavePersistedState", (_, _, _) => true);
        _connection.On("JS.Error", [typeof(string)], (args, _) =>
        {
            Failed = true;
            AddError("JS.Error: " + args[0]);
            _rootComponentsUpdated.TrySetResult();
            return Task.CompletedTask;
        }, this);
        _connection.Closed += ex =>
        {
            if (!_disposed)
            {
                Failed = true;
                AddError("connection closed: " + (ex?.Message ?? "by the server"));
                _rootComponentsUpdated.TrySetResult();
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// The JSON result of a JS call: an object reference for IJSObjectReference results (JSCallResultType 1, e.g.
    /// <c>import</c> of a module; later calls on it get null too), a stream reference for 2, null for void (3) and
    /// everything else (no call of the app's pages needs a value: none failed with null).
    /// </summary>
    private string ResultFor(string identifier, int resultType)
    {
        JsIdentifiers.AddOrUpdate(identifier, 1, (_, n) => n + 1);
        return resultType switch
        {
            1 => "{\"__jsObjectId\":" + Interlocked.Increment(ref _nextObjectId) + "}",
            2 => "{\"__jsObjectId\":" + Interlocked.Increment(ref _nextObjectId) + ",\"__jsStreamReferenceLength\":0}",
            _ => "null",
        };
    }

    /// <summary>Every JS function the server asked any client of this process to call (with a result), and how often.</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, long> JsIdentifiers { get; } = new();

    private void OnBatch(long id, byte[] data)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _bytes, data.Length);
        var at = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _lastBatchAt, at);
        lock (_gate)
        {
            _recorded?.Add(data);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (data.AsSpan().IndexOf(_waiters[i].Pattern) >= 0)
                {
                    _waiters[i].Done.TrySetResult(at);
                    _waiters.RemoveAt(i);
                }
            }
        }

        BatchReceived?.Invoke(this, id, data);
    }

    private void AddError(string message)
    {
        lock (_gate)
        {
            _errors.Add(message);
        }

        if (PrintErrors)
        {
            Console.WriteLine($"  ! circuit {Label} ({Path}): {message}");
        }
    }

    /// <summary>The interactive server components' start markers in document order (end markers carry no type).</summary>
    internal static List<JsonObject> ServerMarkers(string html)
    {
        var markers = new List<JsonObject>();
        foreach (Match m in Marker().Matches(html))
        {
            if (JsonNode.Parse(m.Groups[1].Value) is JsonObject o && (string?)o["type"] == "server")
            {
                markers.Add(o);
            }
        }

        return markers.OrderBy(o => (int?)o["sequence"] ?? 0).ToList();
    }

    [GeneratedRegex("<!--Blazor:(\\{.*?\\})-->", RegexOptions.Singleline)]
    private static partial Regex Marker();

    [GeneratedRegex("<!--Blazor-Server-Component-State:([A-Za-z0-9+/=]+)-->")]
    private static partial Regex ServerState();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    /// <summary>SignalR client warnings and errors (a message it could not bind, a broken transport) into the client's errors.</summary>
    private sealed class ErrorLoggerProvider(BlazorCircuitClient client) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(client);

        public void Dispose()
        {
        }

        private sealed class Logger(BlazorCircuitClient client) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel) && !client._disposed)
                {
                    client.AddError($"signalr {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " — " + exception.Message)}");
                }
            }
        }
    }
}
