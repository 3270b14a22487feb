namespace WskSharp.Ws2;

/// <summary>
/// <c>ADDRINFOEXW</c>: one entry of the list <c>WskGetAddressInfo</c> returns (or the hints it takes). The list belongs to
/// the provider until <c>WskFreeAddressInfo</c>; here the garbage collector reclaims it, and freeing is a formality that
/// keeps WSK code portable.
/// </summary>
public sealed class WskAddrInfo
{
    /// <summary><c>ai_flags</c>: <see cref="Ws2Def.AI_PASSIVE"/>, <see cref="Ws2Def.AI_CANONNAME"/>,
    /// <see cref="Ws2Def.AI_NUMERICHOST"/>, ... (hints); in a result, as given in the hints.</summary>
    public int Flags { get; init; }

    /// <summary><c>ai_family</c>: <see cref="Ws2Def.AF_UNSPEC"/> (hints: any), <see cref="Ws2Def.AF_INET"/> or
    /// <see cref="Ws2Def.AF_INET6"/>.</summary>
    public ushort Family { get; init; }

    /// <summary><c>ai_socktype</c> (0 in hints: <see cref="Ws2Def.SOCK_STREAM"/> in the result).</summary>
    public ushort SocketType { get; init; }

    /// <summary><c>ai_protocol</c> (0 in hints: <see cref="Ws2Def.IPPROTO_TCP"/> in the result).</summary>
    public uint Protocol { get; init; }

    /// <summary><c>ai_canonname</c>: the canonical name, on the first entry when <see cref="Ws2Def.AI_CANONNAME"/> was asked for.
    /// Must be null in hints.</summary>
    public string? CanonicalName { get; init; }

    /// <summary><c>ai_addr</c> (with <c>ai_addrlen</c> its length): the address and port. Must be null in hints.</summary>
    public SockAddr? Address { get; init; }

    /// <summary><c>ai_next</c>: the next entry, or null. Must be null in hints.</summary>
    public WskAddrInfo? Next { get; init; }

    /// <summary>The entries from this one on, in order.</summary>
    public IEnumerable<WskAddrInfo> AsEnumerable()
    {
        for (WskAddrInfo? entry = this; entry is not null; entry = entry.Next)
        {
            yield return entry;
        }
    }
}
