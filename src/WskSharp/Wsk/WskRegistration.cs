using WskSharp.Transport;

namespace WskSharp.Wsk;

/// <summary><c>WSK_REGISTRATION</c>: one client's registration with the provider.</summary>
public sealed class WskRegistration
{
    private readonly object _lock = new();
    private int _captures;
    private volatile bool _deregistering;

    internal WskRegistration(WskClientNpi clientNpi, IHostStack stack, IDisposable? ownedStack, WskProviderOptions options)
    {
        ClientNpi = clientNpi;
        Client = new WskClient(this, stack, options);
        OwnedStack = ownedStack;
    }

    /// <summary>The client NPI given to WskRegister.</summary>
    public WskClientNpi ClientNpi { get; }

    internal WskClient Client { get; }

    internal IDisposable? OwnedStack { get; }

    internal bool IsDeregistering => _deregistering;

    internal bool TryCapture()
    {
        lock (_lock)
        {
            if (_deregistering)
            {
                return false;
            }

            _captures++;
            return true;
        }
    }

    internal void Release()
    {
        lock (_lock)
        {
            if (_captures > 0)
            {
                _captures--;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Refuses new captures and sockets, then waits until every capture is released.</summary>
    internal void BeginDeregister()
    {
        lock (_lock)
        {
            _deregistering = true;
            while (_captures > 0)
            {
                Monitor.Wait(_lock);
            }
        }
    }
}
