using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>C <c>SOCKADDR</c>s in their Windows binary layout, read and written through the WSK layer's <see cref="SockAddr"/>.</summary>
internal static unsafe class NativeAddress
{
    /// <summary>The address at <paramref name="address"/>: as many bytes as its family's structure has. A null pointer or
    /// a family without a layout gives the default address (AF_UNSPEC), which the WSK layer refuses as a family mismatch.</summary>
    public static SockAddr Read(byte* address)
    {
        if (address is null)
        {
            return default;
        }

        ushort family = *(ushort*)address;
        int length = family == Ws2Def.AF_INET6 ? Ws2Def.SOCKADDR_IN6_SIZE : Ws2Def.SOCKADDR_IN_SIZE;
        return SockAddr.TryRead(new ReadOnlySpan<byte>(address, length), out SockAddr result).IsSuccess ? result : default;
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="destination"/> (16 or 28 bytes), if both are there.</summary>
    public static void Write(byte* destination, in SockAddr value)
    {
        if (destination is not null && value.Length != 0)
        {
            value.WriteTo(new Span<byte>(destination, value.Length));
        }
    }

    /// <summary>Fills a whole SOCKADDR_STORAGE (C memory): zeroed, then the address, so no stale bytes follow it.</summary>
    public static void WriteStorage(byte* storage, in SockAddr value)
    {
        new Span<byte>(storage, Ws2Def.SOCKADDR_STORAGE_SIZE).Clear();
        Write(storage, value);
    }
}
