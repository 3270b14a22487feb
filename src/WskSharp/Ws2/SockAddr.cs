using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WskSharp.Nt;

namespace WskSharp.Ws2;

/// <summary>
/// A <c>SOCKADDR_IN</c> (16 bytes, <see cref="Ws2Def.AF_INET"/>) or <c>SOCKADDR_IN6</c> (28 bytes,
/// <see cref="Ws2Def.AF_INET6"/> = 23), held by value (no allocation) and read from or written to its Windows
/// binary layout: family little-endian, port and address in network order.
/// </summary>
public readonly struct SockAddr : IEquatable<SockAddr>
{
    private readonly Address16 _address;

    private SockAddr(ushort family, ushort port, uint flowInfo, ReadOnlySpan<byte> address, uint scopeId)
    {
        Family = family;
        Port = port;
        FlowInfo = flowInfo;
        ScopeId = scopeId;
        address.CopyTo(_address);
    }

    /// <summary><c>sin_family</c>/<c>sin6_family</c>: <see cref="Ws2Def.AF_INET"/> or <see cref="Ws2Def.AF_INET6"/>
    /// (<see cref="Ws2Def.AF_UNSPEC"/> for a default value).</summary>
    public ushort Family { get; }

    /// <summary>The port, in host order (the binary layout holds it in network order).</summary>
    public ushort Port { get; }

    /// <summary><c>sin6_flowinfo</c> (IPv6 only).</summary>
    public uint FlowInfo { get; }

    /// <summary><c>sin6_scope_id</c> (IPv6 only).</summary>
    public uint ScopeId { get; }

    /// <summary>The size of the binary structure: 16, 28, or 0 for <see cref="Ws2Def.AF_UNSPEC"/>.</summary>
    public int Length => Family switch
    {
        Ws2Def.AF_INET => Ws2Def.SOCKADDR_IN_SIZE,
        Ws2Def.AF_INET6 => Ws2Def.SOCKADDR_IN6_SIZE,
        _ => 0,
    };

    /// <summary>The length of the address: 4 for IPv4, 16 for IPv6, 0 otherwise.</summary>
    public int AddressLength => Family switch
    {
        Ws2Def.AF_INET => 4,
        Ws2Def.AF_INET6 => 16,
        _ => 0,
    };

    /// <summary>Copies the address bytes (network order) into <paramref name="destination"/>; returns <see cref="AddressLength"/>.</summary>
    public int CopyAddressTo(Span<byte> destination)
    {
        Address16 copy = _address;
        int length = AddressLength;
        ((ReadOnlySpan<byte>)copy)[..length].CopyTo(destination);
        return length;
    }

    /// <summary>The address bytes (network order) as a new array.</summary>
    public byte[] GetAddressBytes()
    {
        var bytes = new byte[AddressLength];
        CopyAddressTo(bytes);
        return bytes;
    }

    /// <summary>True for the wildcard address (0.0.0.0 or ::).</summary>
    public bool IsWildcard
    {
        get
        {
            Address16 copy = _address;
            return ((ReadOnlySpan<byte>)copy)[..AddressLength].IndexOfAnyExcept((byte)0) < 0;
        }
    }

    /// <summary>
    /// True for an address no connection can be made to because it names no host: the wildcard of either family, with any
    /// scope id, and IPv4's wildcard mapped into IPv6 (<c>::ffff:0.0.0.0</c>, which Linux would take for this host). The
    /// one rule behind WskConnectEx's STATUS_INVALID_ADDRESS_COMPONENT and the .NET face's ArgumentException.
    /// </summary>
    internal bool IsWildcardDestination
    {
        get
        {
            if (IsWildcard)
            {
                return true;
            }

            Address16 copy = _address;
            ReadOnlySpan<byte> bytes = copy;
            return Family == Ws2Def.AF_INET6 && bytes[..10].IndexOfAnyExcept((byte)0) < 0 && bytes[10] == 0xff && bytes[11] == 0xff
                && bytes[12..16].IndexOfAnyExcept((byte)0) < 0;
        }
    }

    /// <summary>An IPv4 address (<c>SOCKADDR_IN</c>).</summary>
    public static SockAddr Inet(ReadOnlySpan<byte> address4, ushort port)
    {
        if (address4.Length != 4)
        {
            throw new ArgumentException("An IPv4 address is 4 bytes.", nameof(address4));
        }

        return new SockAddr(Ws2Def.AF_INET, port, 0, address4, 0);
    }

    /// <summary>An IPv6 address (<c>SOCKADDR_IN6</c>).</summary>
    public static SockAddr Inet6(ReadOnlySpan<byte> address16, ushort port, uint flowInfo = 0, uint scopeId = 0)
    {
        if (address16.Length != 16)
        {
            throw new ArgumentException("An IPv6 address is 16 bytes.", nameof(address16));
        }

        return new SockAddr(Ws2Def.AF_INET6, port, flowInfo, address16, scopeId);
    }

    /// <summary>The <c>SOCKADDR</c> for <paramref name="endPoint"/> (IPv4 or IPv6).</summary>
    /// <exception cref="ArgumentException">The address family is neither IPv4 nor IPv6.</exception>
    public static SockAddr FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        if (!endPoint.Address.TryWriteBytes(bytes, out int written))
        {
            throw new ArgumentException("The address could not be written.", nameof(endPoint));
        }

        return endPoint.AddressFamily switch
        {
            AddressFamily.InterNetwork => Inet(bytes[..written], (ushort)endPoint.Port),
            AddressFamily.InterNetworkV6 => Inet6(bytes[..written], (ushort)endPoint.Port, 0, (uint)endPoint.Address.ScopeId),
            _ => throw new ArgumentException("Only IPv4 and IPv6 endpoints have a SOCKADDR here.", nameof(endPoint)),
        };
    }

    /// <summary>The <see cref="IPEndPoint"/> for this address.</summary>
    /// <exception cref="InvalidOperationException">The family is neither AF_INET nor AF_INET6.</exception>
    public IPEndPoint ToEndPoint()
    {
        return Family switch
        {
            Ws2Def.AF_INET => new IPEndPoint(new IPAddress(GetAddressBytes()), Port),
            Ws2Def.AF_INET6 => new IPEndPoint(new IPAddress(GetAddressBytes(), ScopeId), Port),
            _ => throw new InvalidOperationException($"A SOCKADDR of family {Family} has no IPEndPoint."),
        };
    }

    /// <summary>
    /// Reads a <c>SOCKADDR_IN</c> or <c>SOCKADDR_IN6</c> from its binary layout. Too few bytes for the family, or a
    /// family other than AF_INET/AF_INET6, is <see cref="NtStatus.InvalidParameter"/>.
    /// </summary>
    public static NtStatus TryRead(ReadOnlySpan<byte> bytes, out SockAddr address)
    {
        address = default;
        if (bytes.Length < 2)
        {
            return NtStatus.InvalidParameter;
        }

        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        ushort port;
        switch (family)
        {
            case Ws2Def.AF_INET when bytes.Length >= Ws2Def.SOCKADDR_IN_SIZE:
                port = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
                address = Inet(bytes.Slice(4, 4), port);
                return NtStatus.Success;
            case Ws2Def.AF_INET6 when bytes.Length >= Ws2Def.SOCKADDR_IN6_SIZE:
                port = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
                uint flow = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
                uint scope = BinaryPrimitives.ReadUInt32LittleEndian(bytes[24..]);
                address = Inet6(bytes.Slice(8, 16), port, flow, scope);
                return NtStatus.Success;
            default:
                return NtStatus.InvalidParameter;
        }
    }

    /// <summary>Writes the binary layout into <paramref name="destination"/>; returns the bytes written
    /// (<see cref="Length"/>), or 0 if the destination is too short or the family has no layout.</summary>
    public int WriteTo(Span<byte> destination)
    {
        int length = Length;
        if (length == 0 || destination.Length < length)
        {
            return 0;
        }

        destination[..length].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Family);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Port);
        if (Family == Ws2Def.AF_INET)
        {
            CopyAddressTo(destination[4..]);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], FlowInfo);
            CopyAddressTo(destination[8..]);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], ScopeId);
        }

        return length;
    }

    /// <summary>The binary layout as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    /// <inheritdoc/>
    public bool Equals(SockAddr other)
    {
        Address16 mine = _address, theirs = other._address;
        return Family == other.Family && Port == other.Port && FlowInfo == other.FlowInfo && ScopeId == other.ScopeId
            && ((ReadOnlySpan<byte>)mine).SequenceEqual(theirs);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SockAddr other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(Family);
        hash.Add(Port);
        Address16 copy = _address;
        hash.AddBytes(copy);
        return hash.ToHashCode();
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(SockAddr left, SockAddr right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(SockAddr left, SockAddr right) => !left.Equals(right);

    /// <summary>The address as <c>a.b.c.d:port</c> or <c>[v6]:port</c>.</summary>
    public override string ToString() => Family is Ws2Def.AF_INET or Ws2Def.AF_INET6 ? ToEndPoint().ToString() : $"SOCKADDR(family {Family})";

    [InlineArray(16)]
    private struct Address16
    {
        private byte _element0;
    }
}
