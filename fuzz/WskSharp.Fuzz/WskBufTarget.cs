using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Fuzz;

/// <summary>
/// <c>WskBuf.Validate</c> on an MDL chain, offset and length decoded from the input; a valid buffer is then copied whole and
/// sliced (the rest of it, from any byte, as a new WSK_BUF on the MDL that byte lies in), and every copy is compared with a flat
/// model: the chain's bytes laid end to end.
/// </summary>
/// <remarks>
/// Input layout (missing bytes read as zero):
/// <code>
/// header  bits 0-2 MDL count (0 = null chain), 3 cyclic chain, 4 offset is 4 bytes (else 1), 5 length is 8 bytes (else 1),
///         6 MDLs are slices of one shared array (else one array each), 7 also check new WskBuf(chain)
/// per MDL size (1 byte), and with bit 6 its start in the shared array (1 byte)
/// bit 3   the index the last MDL links back to (1 byte, modulo the count)
/// offset, length, then a split byte (where to slice)
/// </code>
/// </remarks>
internal sealed class WskBufTarget : IFuzzTarget
{
    private const int SharedArraySize = 512;

    public string Name => "wskbuf";

    public void Run(ReadOnlySpan<byte> data)
    {
        var input = new FuzzInput(data);
        byte header = input.Byte();
        int count = header & 7;
        bool cyclic = (header & 0x08) != 0 && count > 0;
        bool shared = (header & 0x40) != 0;
        byte[]? sharedArray = shared ? Pattern(SharedArraySize, 0) : null;

        var mdls = new Mdl[count];
        for (int i = 0; i < count; i++)
        {
            int size = input.Byte();
            Memory<byte> memory;
            if (sharedArray is not null)
            {
                int start = input.Byte();
                memory = sharedArray.AsMemory(start, Math.Min(size, SharedArraySize - start));
            }
            else
            {
                memory = Pattern(size, 1 + (i * 61));
            }

            mdls[i] = new Mdl(memory);
            if (i > 0)
            {
                mdls[i - 1].Next = mdls[i];
            }
        }

        if (cyclic)
        {
            mdls[^1].Next = mdls[input.Byte() % count];
        }

        uint offset = (header & 0x10) != 0 ? input.UInt32() : input.Byte();
        nuint length = (header & 0x20) != 0 ? (nuint)input.UInt64() : input.Byte();
        int split = input.Byte();
        Mdl? chain = count == 0 ? null : mdls[0];

        // The flat model: the chain's bytes end to end (none for a cycle, which is never valid).
        byte[] flat = cyclic ? [] : [.. mdls.SelectMany(m => m.Memory.ToArray())];
        long total = flat.Length;
        bool valid = chain is null
            ? offset == 0 && length == 0
            : !cyclic
                && (offset < (uint)chain.ByteCount || (offset == 0 && length == 0))
                && (ulong)length <= (ulong)Math.Max(total - offset, 0)
                && (ulong)length <= int.MaxValue;

        var buffer = new WskBuf(chain, offset, length);
        NtStatus status = buffer.Validate(out int validLength);
        ContractViolationException.Check(status == (valid ? NtStatus.Success : NtStatus.InvalidParameter),
            $"Validate(count {count}, cyclic {cyclic}, offset {offset}, length {length}, total {total}) = {status}");
        if (!valid)
        {
            ContractViolationException.Check(validLength == 0, "an invalid WSK_BUF reported a length");
            ExpectArgumentException(buffer, 64);
        }
        else
        {
            ContractViolationException.Check(validLength == (int)length, "the valid length differs from Length");
            CheckCopy(buffer, flat.AsSpan((int)offset, validLength), "whole");
            if (validLength > 0)
            {
                ExpectArgumentException(buffer, validLength - 1); // A destination one byte short.
                CheckSlice(mdls, (int)offset, validLength, split % validLength, flat);
            }
        }

        if ((header & 0x80) != 0 && chain is not null)
        {
            // The whole-chain constructor: a cycle still yields a value, which Validate then refuses; so does the rule for a
            // chain whose first MDL is empty (offset 0 is not inside it) but whose later MDLs hold bytes.
            var whole = new WskBuf(chain);
            NtStatus wholeStatus = whole.Validate(out int wholeLength);
            bool wholeValid = !cyclic && (chain.ByteCount > 0 || total == 0);
            ContractViolationException.Check(wholeValid ? wholeStatus == NtStatus.Success && wholeLength == total
                : wholeStatus == NtStatus.InvalidParameter, $"new WskBuf(chain): {wholeStatus}, {wholeLength} of {total}");
            if (wholeValid)
            {
                CheckCopy(whole, flat, "whole chain");
            }
        }
    }

    /// <summary>The rest of a valid buffer from byte <paramref name="split"/> on, as a new WSK_BUF on the MDL holding that byte
    /// (found here by walking the chain, without WskSharp's walk).</summary>
    private static void CheckSlice(Mdl[] mdls, int offset, int length, int split, byte[] flat)
    {
        int position = offset + split, start = 0;
        foreach (Mdl mdl in mdls)
        {
            if (position < start + mdl.ByteCount)
            {
                var rest = new WskBuf(mdl, (uint)(position - start), (nuint)(length - split));
                NtStatus status = rest.Validate(out int restLength);
                ContractViolationException.Check(status == NtStatus.Success && restLength == length - split,
                    $"slice at {split}: {status}, {restLength}");
                CheckCopy(rest, flat.AsSpan(position, length - split), $"slice at {split}");
                var prefix = new WskBuf(mdls[0], (uint)offset, (nuint)split);
                if (prefix.Validate(out _) == NtStatus.Success)
                {
                    CheckCopy(prefix, flat.AsSpan(offset, split), $"prefix of {split}");
                }

                return;
            }

            start += mdl.ByteCount;
        }

        throw new ContractViolationException($"the model found no MDL for byte {position} of a valid buffer");
    }

    /// <summary>CopyTo into a larger destination: exactly the expected bytes, and nothing written past them.</summary>
    private static void CheckCopy(WskBuf buffer, ReadOnlySpan<byte> expected, string what)
    {
        byte[] destination = new byte[expected.Length + 8];
        destination.AsSpan().Fill(0xA5);
        int copied = buffer.CopyTo(destination);
        ContractViolationException.Check(copied == expected.Length, $"{what}: copied {copied} of {expected.Length}");
        ContractViolationException.Check(destination.AsSpan(0, copied).SequenceEqual(expected), $"{what}: copied bytes differ from the model");
        ContractViolationException.Check(destination.AsSpan(copied).IndexOfAnyExcept((byte)0xA5) < 0, $"{what}: wrote past the length");
    }

    private static void ExpectArgumentException(WskBuf buffer, int destinationLength)
    {
        try
        {
            buffer.CopyTo(new byte[destinationLength]);
        }
        catch (ArgumentException)
        {
            return;
        }

        throw new ContractViolationException($"CopyTo into {destinationLength} bytes did not refuse {buffer}");
    }

    /// <summary>Bytes that differ from their neighbours and from the other MDLs' (a period of 251, a prime), so a copy from
    /// the wrong place shows.</summary>
    private static byte[] Pattern(int size, int seed)
    {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)((seed + i) % 251);
        }

        return bytes;
    }

    public IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        yield return ("null-chain-empty", Encode([], offset: 0, length: 0));
        yield return ("null-chain-with-length", Encode([], offset: 0, length: 1));
        yield return ("one-mdl-whole", Encode([16], offset: 0, length: 16, split: 5));
        yield return ("one-mdl-offset-tail", Encode([16], offset: 15, length: 1));
        yield return ("one-mdl-offset-at-end", Encode([16], offset: 16, length: 0));
        yield return ("one-mdl-length-over", Encode([16], offset: 4, length: 13));
        yield return ("three-mdls-spanning", Encode([5, 7, 9], offset: 2, length: 19, split: 6));
        yield return ("zero-mdl-in-middle", Encode([4, 0, 0, 6], offset: 1, length: 9, split: 3));
        yield return ("first-mdl-empty-zero-zero", Encode([0, 8], offset: 0, length: 0));
        yield return ("first-mdl-empty-with-length", Encode([0, 8], offset: 0, length: 4));
        yield return ("seven-mdls-full", Encode([1, 2, 3, 4, 5, 6, 7], offset: 0, length: 28, split: 27, wholeChain: true));
        yield return ("shared-array-overlapping", Encode([32, 32, 32], offset: 3, length: 90, starts: [0, 16, 200], split: 40));
        yield return ("shared-array-long", Encode([255, 255], offset: 0, length: 200, starts: [255, 255]));
        yield return ("offset-32-bit", Encode([8], offset: uint.MaxValue, length: 0, wideOffset: true));
        yield return ("length-over-int-max", Encode([8], offset: 0, length: (ulong)int.MaxValue + 1, wideLength: true));
        yield return ("length-max", Encode([8, 8], offset: 1, length: ulong.MaxValue, wideLength: true));
        yield return ("cycle-to-head", Encode([4, 4, 4], offset: 0, length: 8, cycleTo: 0, wholeChain: true));
        yield return ("cycle-to-self", Encode([4], offset: 1, length: 2, cycleTo: 0, wholeChain: true));
    }

    private static byte[] Encode(int[] sizes, uint offset, ulong length, int[]? starts = null, int? cycleTo = null,
        bool wideOffset = false, bool wideLength = false, bool wholeChain = false, byte split = 0)
    {
        var bytes = new List<byte>
        {
            (byte)(sizes.Length | (cycleTo is null ? 0 : 0x08) | (wideOffset ? 0x10 : 0) | (wideLength ? 0x20 : 0)
                | (starts is null ? 0 : 0x40) | (wholeChain ? 0x80 : 0)),
        };
        for (int i = 0; i < sizes.Length; i++)
        {
            bytes.Add((byte)sizes[i]);
            if (starts is not null)
            {
                bytes.Add((byte)starts[i]);
            }
        }

        if (cycleTo is { } target)
        {
            bytes.Add((byte)target);
        }

        bytes.AddRange(wideOffset ? BitConverter.GetBytes(offset) : [(byte)offset]);
        bytes.AddRange(wideLength ? BitConverter.GetBytes(length) : [(byte)length]);
        bytes.Add(split);
        return [.. bytes];
    }
}
