using System.Buffers.Binary;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Fuzz;

/// <summary>
/// <c>SockAddr.TryRead</c> on the raw input: it accepts exactly a SOCKADDR_IN (family 2, 16 bytes or more) or a
/// SOCKADDR_IN6 (family 23, 28 bytes or more), reads each field from its place in the Windows layout, and what it reads
/// writes back, re-reads and converts to an <see cref="System.Net.IPEndPoint"/> and back unchanged.
/// </summary>
internal sealed class SockAddrTarget : IFuzzTarget
{
    public string Name => "sockaddr";

    public void Run(ReadOnlySpan<byte> data)
    {
        NtStatus status = SockAddr.TryRead(data, out SockAddr address);

        // The rule, written independently of SockAddr.
        ushort family = data.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(data) : (ushort)0;
        bool valid = (family == Ws2Def.AF_INET && data.Length >= Ws2Def.SOCKADDR_IN_SIZE)
            || (family == Ws2Def.AF_INET6 && data.Length >= Ws2Def.SOCKADDR_IN6_SIZE);
        ContractViolationException.Check(status == (valid ? NtStatus.Success : NtStatus.InvalidParameter),
            $"TryRead of {data.Length} bytes, family {family}: {status}");
        if (!valid)
        {
            ContractViolationException.Check(address == default && address.Length == 0 && address.AddressLength == 0,
                "a refused SOCKADDR left a non-default value");
            _ = address.ToString();
            return;
        }

        bool v4 = family == Ws2Def.AF_INET;
        int size = v4 ? Ws2Def.SOCKADDR_IN_SIZE : Ws2Def.SOCKADDR_IN6_SIZE;
        ReadOnlySpan<byte> expectedAddress = v4 ? data.Slice(4, 4) : data.Slice(8, 16);
        ContractViolationException.Check(address.Family == family && address.Length == size, "family or length");
        ContractViolationException.Check(address.Port == BinaryPrimitives.ReadUInt16BigEndian(data[2..]), "port (network order)");
        ContractViolationException.Check(address.GetAddressBytes().AsSpan().SequenceEqual(expectedAddress), "address bytes");
        ContractViolationException.Check(address.FlowInfo == (v4 ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(data[4..])), "flow info");
        ContractViolationException.Check(address.ScopeId == (v4 ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(data[24..])), "scope id");
        ContractViolationException.Check(address.IsWildcard == (expectedAddress.IndexOfAnyExcept((byte)0) < 0), "IsWildcard");

        // Written back: the same bytes, except sin_zero, which is written as zeros.
        byte[] written = address.ToArray();
        ContractViolationException.Check(written.Length == size, "ToArray length");
        int significant = v4 ? 8 : size;
        ContractViolationException.Check(written.AsSpan(0, significant).SequenceEqual(data[..significant]), "written bytes differ from the read ones");
        ContractViolationException.Check(written.AsSpan(significant).IndexOfAnyExcept((byte)0) < 0, "sin_zero not zero");
        Span<byte> tooShort = stackalloc byte[size - 1];
        tooShort.Fill(0xA5);
        ContractViolationException.Check(address.WriteTo(tooShort) == 0 && tooShort.IndexOfAnyExcept((byte)0xA5) < 0,
            "WriteTo a short destination wrote something");

        ContractViolationException.Check(SockAddr.TryRead(written, out SockAddr again) == NtStatus.Success && again == address
            && again.GetHashCode() == address.GetHashCode(), "re-read differs");

        // Through IPEndPoint, which has no flow info.
        SockAddr viaEndPoint = SockAddr.FromEndPoint(address.ToEndPoint());
        SockAddr expected = v4 ? address : SockAddr.Inet6(expectedAddress, address.Port, 0, address.ScopeId);
        ContractViolationException.Check(viaEndPoint == expected, $"IPEndPoint round trip: {viaEndPoint} != {expected}");
        _ = address.ToString();
    }

    public IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        yield return ("ipv4-loopback-80", V4([127, 0, 0, 1], 80));
        yield return ("ipv4-any-0", V4([0, 0, 0, 0], 0));
        yield return ("ipv4-broadcast-65535", V4([255, 255, 255, 255], 65535));
        byte[] dirtyZero = V4([192, 0, 2, 1], 443);
        dirtyZero.AsSpan(8).Fill(0xEE); // sin_zero is not zero: still a valid SOCKADDR_IN.
        yield return ("ipv4-sin-zero-dirty", dirtyZero);
        yield return ("ipv4-short-15", V4([10, 0, 0, 1], 8080)[..15]);
        yield return ("ipv4-in-storage-128", Pad(V4([10, 1, 2, 3], 12345), Ws2Def.SOCKADDR_STORAGE_SIZE));
        yield return ("ipv6-loopback-80", V6(System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), 80, 0, 0));
        yield return ("ipv6-any-0", V6(new byte[16], 0, 0, 0));
        yield return ("ipv6-linklocal-scope-flow", V6([0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xFF, 0xFE, 0x33, 0x44, 0x55], 5353, 0x000ABCDE, 3));
        yield return ("ipv6-v4mapped", V6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1], 8443, 0, 0));
        yield return ("ipv6-short-27", V6(System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), 80, 0, 0)[..27]);
        yield return ("ipv6-in-storage-128", Pad(V6(System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), 1, 0, 0), Ws2Def.SOCKADDR_STORAGE_SIZE));
        byte[] linuxV6 = V6(System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), 80, 0, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(linuxV6, 10); // Linux's AF_INET6 is 10: not a Windows family.
        yield return ("linux-af-inet6-10", linuxV6);
        byte[] bigEndianFamily = V4([127, 0, 0, 1], 80);
        BinaryPrimitives.WriteUInt16BigEndian(bigEndianFamily, Ws2Def.AF_INET); // 512 read little-endian.
        yield return ("ipv4-family-big-endian", bigEndianFamily);
        yield return ("unspec-16", new byte[16]);
        yield return ("family-ffff", [0xFF, 0xFF, 0, 80, 127, 0, 0, 1]);
        yield return ("one-byte", [(byte)Ws2Def.AF_INET]); // (afl skips empty seeds, so none is given.)
    }

    private static byte[] V4(byte[] address, ushort port)
    {
        byte[] bytes = new byte[Ws2Def.SOCKADDR_IN_SIZE];
        SockAddr.Inet(address, port).WriteTo(bytes);
        return bytes;
    }

    private static byte[] V6(byte[] address, ushort port, uint flow, uint scope)
    {
        byte[] bytes = new byte[Ws2Def.SOCKADDR_IN6_SIZE];
        SockAddr.Inet6(address, port, flow, scope).WriteTo(bytes);
        return bytes;
    }

    private static byte[] Pad(byte[] bytes, int size)
    {
        byte[] padded = new byte[size];
        bytes.CopyTo(padded, 0);
        return padded;
    }
}
