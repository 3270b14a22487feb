using WskSharp.Nt;

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

    /// <summary>Under the lock: whether the change may be made in <paramref name="state"/> (STATUS_INVALID_PARAMETER for both
    /// on, STATUS_INVALID_DEVICE_STATE for exclusive use changed after the bind); if so, the caller sets the host's
    /// SO_REUSEADDR to <paramref name="reuse"/> and, that done, calls <see cref="Set"/>.</summary>
    public readonly NtStatus Check(SocketState state, bool reuse, bool exclusive) =>
        reuse && exclusive ? NtStatus.InvalidParameter
        : exclusive != Exclusive && state != SocketState.Open ? NtStatus.InvalidDeviceState
        : NtStatus.Success;

    /// <summary>Under the lock, once the host took the change.</summary>
    public void Set(bool reuse, bool exclusive)
    {
        Reuse = reuse;
        Exclusive = exclusive;
    }
}
