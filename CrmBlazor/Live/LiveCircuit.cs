using Microsoft.AspNetCore.Components.Server.Circuits;

namespace CrmBlazor.Live;

/// <summary>
/// The connection state of one circuit (one per circuit scope). A closed tab or a lost connection leaves the circuit
/// kept on the server for minutes, waiting for a reconnect: live components release their subscriptions as soon as the
/// connection goes down (and presence says the user left), and take them up again with a full refresh when it returns.
/// </summary>
public sealed class LiveCircuit : CircuitHandler
{
    private readonly Lock _gate = new();
    private readonly List<Action<bool>> _listeners = [];

    public bool IsConnected { get; private set; } = true;

    /// <summary>Calls <paramref name="listener"/> with true when the connection comes back, false when it goes down or
    /// the circuit closes. Dispose the result to stop.</summary>
    public IDisposable OnConnectionChanged(Action<bool> listener)
    {
        lock (_gate)
        {
            _listeners.Add(listener);
        }

        return new Unsubscriber(this, listener);
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Raise(false);
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Raise(true);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Raise(false);
        return Task.CompletedTask;
    }

    private void Raise(bool connected)
    {
        Action<bool>[] listeners;
        lock (_gate)
        {
            if (IsConnected == connected)
            {
                return;
            }

            IsConnected = connected;
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener(connected);
        }
    }

    private sealed class Unsubscriber(LiveCircuit circuit, Action<bool> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (circuit._gate)
            {
                circuit._listeners.Remove(listener);
            }
        }
    }
}
