using WskSharp.Nt;
using WskSharp.Transport;

namespace WskSharp.Internal;

/// <summary>
/// The option half of the engine: socket options passed to the host under the engine's lock, and the two address-sharing
/// settings the engine keeps itself, because its own listener bind (which lets a restarted listener take a port that
/// connections still hold in TIME_WAIT) shares the host's SO_REUSEADDR with them.
/// </summary>
internal sealed partial class SocketEngine
{
    private AddressSharing _sharing;

    /// <summary>Sets a host option. <see cref="HostSocketOption.Ipv6Only"/> only before the bind (STATUS_INVALID_DEVICE_STATE
    /// after: the host fixes what the address takes when it binds).</summary>
    public NtStatus SetOption(HostSocketOption option, int value)
    {
        lock (_lock)
        {
            if (_host is null)
            {
                return StateError(_state);
            }

            if (option == HostSocketOption.Ipv6Only && _state != SocketState.Open)
            {
                return NtStatus.InvalidDeviceState;
            }

            return _host.SetOption(option, value);
        }
    }

    /// <summary>Reads a host option.</summary>
    public NtStatus GetOption(HostSocketOption option, out int value)
    {
        lock (_lock)
        {
            value = 0;
            return _host is null ? StateError(_state) : _host.GetOption(option, out value);
        }
    }

    /// <summary>Whether the socket shares its address: SO_REUSEADDR as the client set it (the listener bind may set the
    /// host's own for its TIME_WAIT ports; that is not the client's setting).</summary>
    public bool ReuseAddress
    {
        get
        {
            lock (_lock)
            {
                return _sharing.Reuse;
            }
        }
    }

    /// <summary>Whether no other socket may share the address, not even a restarted listener while this one's connections
    /// are in TIME_WAIT.</summary>
    public bool ExclusiveAddressUse
    {
        get
        {
            lock (_lock)
            {
                return _sharing.Exclusive;
            }
        }
    }

    /// <summary>Address sharing: <paramref name="reuse"/> and <paramref name="exclusive"/> exclude each other
    /// (STATUS_INVALID_PARAMETER to turn one on while the other is on); exclusive use only before the bind.</summary>
    public NtStatus SetAddressSharing(bool reuse, bool exclusive)
    {
        lock (_lock)
        {
            return _host is null ? StateError(_state) : _sharing.Change(_host, _state, reuse, exclusive);
        }
    }
}
