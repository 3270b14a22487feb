using WskSharp.Nt;

namespace WskSharp.Ws2;

/// <summary>
/// <c>WSK_BUF</c>: <see cref="Length"/> bytes of an MDL chain, starting <see cref="Offset"/> bytes into its
/// first MDL.
/// </summary>
/// <param name="Mdl">The first MDL of the chain (null only when <see cref="Length"/> is 0).</param>
/// <param name="Offset">Offset into the first MDL only; must be smaller than its byte count.</param>
/// <param name="Length">Bytes that run from there across the chain.</param>
public readonly record struct WskBuf(Mdl? Mdl, uint Offset, nuint Length)
{
    /// <summary>A buffer over the whole of <paramref name="mdl"/>'s chain.</summary>
    public WskBuf(Mdl mdl) : this(mdl, 0, (nuint)ChainLength(mdl))
    {
    }

    /// <summary>
    /// Checks the buffer against its chain: the one place that does. An offset at or past the first MDL's
    /// byte count, a null chain with a length, or a length beyond what the chain holds is
    /// <see cref="NtStatus.InvalidParameter"/> (where Windows may bug-check, WskSharp refuses).
    /// </summary>
    /// <param name="length">The length as an int, when valid.</param>
    public NtStatus Validate(out int length)
    {
        length = 0;
        if (Mdl is null)
        {
            return Length == 0 && Offset == 0 ? NtStatus.Success : NtStatus.InvalidParameter;
        }

        if (Offset >= (uint)Mdl.ByteCount && !(Length == 0 && Offset == 0))
        {
            return NtStatus.InvalidParameter;
        }

        long available = -(long)Offset;
        int hops = 0;
        for (Mdl? m = Mdl; m is not null; m = m.Next)
        {
            available += m.ByteCount;
            if (++hops > MaxChainLength)
            {
                return NtStatus.InvalidParameter; // A cycle, or a chain no caller means.
            }
        }

        if (Length > (nuint)Math.Max(available, 0) || Length > int.MaxValue)
        {
            return NtStatus.InvalidParameter;
        }

        length = (int)Length;
        return NtStatus.Success;
    }

    /// <summary>Copies the buffer's bytes into <paramref name="destination"/> (which must be long enough).</summary>
    /// <exception cref="ArgumentException">The buffer is not valid (see <see cref="Validate"/>) or the destination is short.</exception>
    public int CopyTo(Span<byte> destination)
    {
        if (Validate(out int length) != NtStatus.Success || destination.Length < length)
        {
            throw new ArgumentException("The WSK_BUF is not valid for its MDL chain, or the destination is too short.");
        }

        var cursor = new MdlCursor(Mdl, (int)Offset);
        return cursor.Gather(destination[..length]);
    }

    /// <summary>The longest chain WskSharp walks (a guard against cyclic chains).</summary>
    public const int MaxChainLength = 1 << 16;

    private static int ChainLength(Mdl mdl)
    {
        long total = 0;
        int hops = 0;
        for (Mdl? m = mdl; m is not null && hops < MaxChainLength; m = m.Next, hops++)
        {
            total += m.ByteCount;
        }

        return (int)Math.Min(total, int.MaxValue);
    }
}
