using WskSharp.Nt;
using WskSharp.Transport;

namespace WskSharp.Internal;

/// <summary>
/// A socket's address sharing as its client set it, SO_REUSEADDR and SO_EXCLUSIVEADDRUSE, and the rules both engines
/// apply to a change: the two exclude each other, and exclusive use changes only before the bind. On the host,
/// exclusive use means SO_REUSEADDR stays off. Guarded by the engine's lock.
/// </summary>
internal struct AddressSharing
{
    /// <summary>SO_REUSEADDR as the client set it.</summary>
    public bool Reuse { readonly get; private set; }

    /// <summary>SO_EXCLUSIVEADDRUSE as the client set it.</summary>
    public bool Exclusive { readonly get; private set; }

    /// <summary>Under the lock: the client's change, made on <paramref name="host"/> (its SO_REUSEADDR) and kept if the host
    /// took it; STATUS_INVALID_PARAMETER for both on, STATUS_INVALID_DEVICE_STATE for exclusive use changed after the bind
    /// (<paramref name="state"/> not Open).</summary>
    public NtStatus Change(IHostSocketOptions host, SocketState state, bool reuse, bool exclusive)
    {
        NtStatus status = reuse && exclusive ? NtStatus.InvalidParameter
            : exclusive != Exclusive && state != SocketState.Open ? NtStatus.InvalidDeviceState
            : host.SetOption(HostSocketOption.ReuseAddress, reuse ? 1 : 0);
        if (status == NtStatus.Success)
        {
            Reuse = reuse;
            Exclusive = exclusive;
        }

        return status;
    }
}
