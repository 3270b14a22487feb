using CsCheck;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// WSK_BUF against its MDL chain (WSK-REFERENCE.md, Buffers): Offset is into the first MDL only and smaller than its
/// byte count; Length bytes run from there across the chain; anything else is STATUS_INVALID_PARAMETER.
/// </summary>
public sealed class WskBufTests
{
    /// <summary>Two MDLs of 8 bytes: 16 bytes in all.</summary>
    private static Mdl TwoByEight() => Mdl.Chain(new byte[8], new byte[8])!;

    [Theory]
    [InlineData(8u, 0u)] // Offset equal to the first MDL's byte count, even with room in the next one.
    [InlineData(8u, 1u)]
    [InlineData(9u, 1u)]
    [InlineData(uint.MaxValue, 1u)]
    public void An_offset_at_or_past_the_first_MDLs_byte_count_is_STATUS_INVALID_PARAMETER(uint offset, uint length)
    {
        Assert.Equal(NtStatus.InvalidParameter, new WskBuf(TwoByEight(), offset, length).Validate(out int validated));
        Assert.Equal(0, validated);
    }

    [Theory]
    [InlineData(0u, 17u)]
    [InlineData(2u, 15u)]
    [InlineData(7u, 10u)]
    [InlineData(0u, (uint)int.MaxValue + 1)]
    public void A_length_beyond_the_chain_is_STATUS_INVALID_PARAMETER(uint offset, uint length)
    {
        Assert.Equal(NtStatus.InvalidParameter, new WskBuf(TwoByEight(), offset, length).Validate(out int validated));
        Assert.Equal(0, validated);
    }

    [Fact]
    public void A_length_beyond_the_chain_is_refused_even_when_nuint_is_huge() =>
        Assert.Equal(NtStatus.InvalidParameter, new WskBuf(TwoByEight(), 0, nuint.MaxValue).Validate(out _));

    [Theory]
    [InlineData(0u, 16u)] // Exactly the chain.
    [InlineData(2u, 14u)] // Exactly the rest of the chain after the offset.
    [InlineData(7u, 9u)]
    [InlineData(7u, 1u)] // The last byte of the first MDL.
    [InlineData(3u, 0u)] // Nothing, from inside the first MDL.
    public void A_buffer_that_fits_its_chain_is_valid_and_its_length_is_returned(uint offset, uint length)
    {
        Assert.Equal(NtStatus.Success, new WskBuf(TwoByEight(), offset, length).Validate(out int validated));
        Assert.Equal((int)length, validated);
    }

    [Fact]
    public void A_null_chain_with_a_length_is_STATUS_INVALID_PARAMETER() =>
        Assert.Equal(NtStatus.InvalidParameter, new WskBuf(null, 0, 1).Validate(out _));

    [Fact]
    public void The_empty_buffer_is_valid()
    {
        Assert.Equal(NtStatus.Success, new WskBuf(null, 0, 0).Validate(out int length));
        Assert.Equal(0, length);
        Assert.Equal(NtStatus.Success, default(WskBuf).Validate(out _));
        Assert.Equal(0, default(WskBuf).CopyTo([]));
    }

    [Fact]
    public void An_empty_first_MDL_cannot_take_an_offset_or_a_length()
    {
        Mdl chain = Mdl.Chain(Memory<byte>.Empty, new byte[4])!;
        Assert.Equal(NtStatus.InvalidParameter, new WskBuf(chain, 0, 1).Validate(out _)); // Offset 0 is not smaller than 0.
        Assert.Equal(NtStatus.Success, new WskBuf(chain, 0, 0).Validate(out _));
    }

    [Fact]
    public void The_whole_chain_constructor_covers_every_MDL()
    {
        var buffer = new WskBuf(Mdl.Chain(new byte[3], Memory<byte>.Empty, new byte[5])!);
        Assert.Equal(0u, buffer.Offset);
        Assert.Equal((nuint)8, buffer.Length);
        Assert.Equal(NtStatus.Success, buffer.Validate(out int length));
        Assert.Equal(8, length);
    }

    [Fact]
    public void CopyTo_refuses_an_invalid_buffer_or_a_short_destination()
    {
        Assert.Throws<ArgumentException>(() => new WskBuf(TwoByEight(), 0, 17).CopyTo(new byte[32]));
        Assert.Throws<ArgumentException>(() => new WskBuf(TwoByEight(), 0, 16).CopyTo(new byte[15]));
    }

    [Fact]
    public void CopyTo_crosses_MDL_boundaries_and_skips_empty_MDLs()
    {
        Mdl chain = Mdl.Chain(new byte[] { 0, 1, 2 }, Memory<byte>.Empty, new byte[] { 3 }, new byte[] { 4, 5, 6, 7 })!;
        var destination = new byte[6];

        Assert.Equal(5, new WskBuf(chain, 1, 5).CopyTo(destination));

        Assert.Equal([1, 2, 3, 4, 5, 0], destination);
    }

    /// <summary>A flat array, the same bytes split over 1-64 MDLs (each in an array of its own, with bytes around it
    /// that are not part of it), and a valid Offset/Length.</summary>
    private static readonly Gen<(byte[] Data, Mdl Chain, int Offset, int Length)> ChainedBuffers =
        from data in Gen.Byte.Array[1, 2048]
        from pieces in Gen.Int[1, 64]
        from cuts in Gen.Int[1, data.Length].Array[pieces - 1] // The first MDL is never empty; later ones may be.
        from padding in Gen.Int[0, 3]
        let bounds = cuts.Order().Prepend(0).Append(data.Length).ToArray()
        from offset in Gen.Int[0, bounds[1] - 1]
        from length in Gen.Int[0, data.Length - offset]
        select (data, Split(data, bounds, padding), offset, length);

    private static Mdl Split(byte[] data, int[] bounds, int padding)
    {
        var parts = new Memory<byte>[bounds.Length - 1];
        for (int i = 0; i < parts.Length; i++)
        {
            int count = bounds[i + 1] - bounds[i];
            var own = new byte[padding + count + padding];
            Array.Fill(own, (byte)0xA5);
            data.AsSpan(bounds[i], count).CopyTo(own.AsSpan(padding));
            parts[i] = own.AsMemory(padding, count);
        }

        return Mdl.Chain(parts)!;
    }

    [Fact]
    public void CopyTo_over_any_chain_equals_the_slice_of_the_flat_array() =>
        ChainedBuffers.Sample(sample =>
        {
            var buffer = new WskBuf(sample.Chain, (uint)sample.Offset, (nuint)sample.Length);
            Assert.Equal(NtStatus.Success, buffer.Validate(out int length));
            Assert.Equal(sample.Length, length);

            var destination = new byte[sample.Length + 1];
            destination[^1] = 0x5A;
            Assert.Equal(sample.Length, buffer.CopyTo(destination));

            Assert.Equal(sample.Data.AsSpan(sample.Offset, sample.Length), destination.AsSpan(0, sample.Length));
            Assert.Equal(0x5A, destination[^1]); // Not a byte more.
        });

    [Fact]
    public void A_length_one_past_what_any_chain_holds_is_refused() =>
        ChainedBuffers.Sample(sample =>
        {
            int available = sample.Data.Length - sample.Offset;
            Assert.Equal(NtStatus.InvalidParameter, new WskBuf(sample.Chain, (uint)sample.Offset, (nuint)(available + 1)).Validate(out _));
            Assert.Equal(NtStatus.Success, new WskBuf(sample.Chain, (uint)sample.Offset, (nuint)available).Validate(out _));
        });
}
