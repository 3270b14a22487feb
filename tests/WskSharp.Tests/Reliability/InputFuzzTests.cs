using System.Buffers.Binary;
using CsCheck;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// Random inputs (CsCheck, a few thousand each: well under a second) for the three parsers of caller data:
/// SockAddr.TryRead, WskBuf.Validate and WskControlSocket. None may throw; each answers as an independent model of its
/// documented rule says, and what parses round-trips.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class InputFuzzTests : IDisposable
{
    private readonly WskTestClient _client = new();

    /// <summary>Bytes of 0-40, the family biased towards AF_INET, AF_INET6 and Linux's AF_INET6.</summary>
    private static readonly Gen<byte[]> SockAddrBytes =
        from length in Gen.Int[0, 40]
        from bytes in Gen.Byte.Array[length]
        from family in Gen.OneOf<ushort>(Ws2Def.AF_INET, Ws2Def.AF_INET6, 10, 0, 0xFFFF, 2 + 256)
        from keep in Gen.Bool
        select Family(bytes, family, keep);

    private static byte[] Family(byte[] bytes, ushort family, bool keepRandom)
    {
        if (!keepRandom && bytes.Length >= 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, family);
        }

        return bytes;
    }

    [Fact]
    public void SockAddr_TryRead_accepts_exactly_the_documented_layouts_and_what_it_reads_round_trips() =>
        SockAddrBytes.Sample(bytes =>
        {
            NtStatus status = SockAddr.TryRead(bytes, out SockAddr address);
            ushort family = bytes.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : (ushort)0;
            bool valid = (family == Ws2Def.AF_INET && bytes.Length >= Ws2Def.SOCKADDR_IN_SIZE)
                || (family == Ws2Def.AF_INET6 && bytes.Length >= Ws2Def.SOCKADDR_IN6_SIZE);
            Assert.Equal(valid ? NtStatus.Success : NtStatus.InvalidParameter, status);
            if (!valid)
            {
                Assert.Equal(default, address);
                return;
            }

            byte[] written = address.ToArray();
            Assert.Equal(address.Length, written.Length);
            if (family == Ws2Def.AF_INET)
            {
                Assert.Equal(bytes.AsSpan(0, 8), written.AsSpan(0, 8)); // family, port, address; sin_zero is written as zeros
                Assert.All(written[8..], b => Assert.Equal(0, b));
            }
            else
            {
                Assert.Equal(bytes[..Ws2Def.SOCKADDR_IN6_SIZE], written);
            }

            Assert.Equal(NtStatus.Success, SockAddr.TryRead(written, out SockAddr again));
            Assert.Equal(address, again);
            SockAddr viaEndPoint = SockAddr.FromEndPoint(address.ToEndPoint()); // An IPEndPoint has no flow info.
            Assert.Equal(family == Ws2Def.AF_INET6 ? SockAddr.Inet6(address.GetAddressBytes(), address.Port, 0, address.ScopeId) : address,
                viaEndPoint);
        }, iter: 20_000);

    /// <summary>A chain of 0-6 MDLs (null for none) of 0-16 bytes each, and any Offset/Length, the small values likelier.</summary>
    private static readonly Gen<(Mdl? Chain, int[] Sizes, uint Offset, nuint Length)> AnyBuffer =
        from sizes in Gen.Int[0, 16].Array[0, 6]
        from offset in Gen.Frequency((4, Gen.UInt[0, 20]), (1, Gen.UInt))
        from length in Gen.Frequency((4, Gen.ULong[0, 100]), (1, Gen.ULong))
        select (Mdl.Chain([.. sizes.Select(s => new Memory<byte>(new byte[s]))]), sizes, offset, (nuint)length);

    [Fact]
    public void WskBuf_Validate_follows_the_rule_for_any_chain_offset_and_length_and_never_throws() =>
        AnyBuffer.Sample(sample =>
        {
            var buffer = new WskBuf(sample.Chain, sample.Offset, sample.Length);
            NtStatus status = buffer.Validate(out int length);

            // The rule, written independently: a null chain takes nothing; the offset lies inside the first MDL (or both are
            // 0); the length fits what the chain holds from there, and an int.
            long total = sample.Sizes.Sum(s => (long)s);
            bool valid = sample.Chain is null
                ? sample.Offset == 0 && sample.Length == 0
                : (sample.Offset < (uint)sample.Sizes[0] || (sample.Offset == 0 && sample.Length == 0))
                    && (ulong)sample.Length <= (ulong)Math.Max(total - sample.Offset, 0) && (ulong)sample.Length <= int.MaxValue;
            Assert.Equal(valid ? NtStatus.Success : NtStatus.InvalidParameter, status);
            if (valid)
            {
                Assert.Equal((int)sample.Length, length);
                Assert.Equal(length, buffer.CopyTo(new byte[length]));
            }
            else
            {
                Assert.Equal(0, length);
                Assert.Throws<ArgumentException>(() => buffer.CopyTo(new byte[64]));
            }
        }, iter: 20_000);

    private static readonly NtStatus[] ControlStatuses =
        [NtStatus.Success, NtStatus.InvalidParameter, NtStatus.NotSupported, NtStatus.BufferTooSmall];

    /// <summary>A request type (valid or not), a code and level (the provided ones likelier), input and output buffers
    /// with sizes that may overstate them, and an IRP or none.</summary>
    private static readonly Gen<(int Type, uint Code, uint Level, byte[] Input, int InputSize, int OutputLength, int OutputSize, bool WithIrp)> AnyControl =
        from type in Gen.Frequency((6, Gen.Int[0, 2]), (1, Gen.Int))
        from code in Gen.Frequency((6, Gen.OneOf<uint>(Ws2Def.TCP_NODELAY, Ws2Def.TCP_FASTOPEN, Ws2Def.SO_WSK_EVENT_CALLBACK,
            WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT, Ws2Def.SO_KEEPALIVE)), (1, Gen.UInt))
        from level in Gen.Frequency((6, Gen.OneOf<uint>(Ws2Def.IPPROTO_TCP, Ws2Def.SOL_SOCKET, 0u)), (1, Gen.UInt))
        from input in Gen.Byte.Array[0, 40]
        from inputSize in Gen.Int[0, input.Length + 4]
        from outputLength in Gen.Int[0, 80]
        from outputSize in Gen.Int[0, outputLength + 4]
        from withIrp in Gen.Bool
        select (type, code, level, input, inputSize, outputLength, outputSize, withIrp);

    [Fact]
    public void WskControlSocket_answers_any_request_with_a_documented_status_and_never_throws()
    {
        WskSocket socket = _client.CreateSocket();
        PfnWskControlSocket control = WskTestClient.Connection(socket).Basic.WskControlSocket;
        AnyControl.Sample(sample =>
        {
            IrpProbe? probe = sample.WithIrp ? new IrpProbe() : null;
            byte[] output = new byte[sample.OutputLength];
            NtStatus status = control(socket, (WskControlSocketType)sample.Type, sample.Code, sample.Level, (nuint)sample.InputSize,
                sample.Input, (nuint)sample.OutputSize, output, out nuint returned, probe?.Irp);

            Assert.Contains(status, ControlStatuses);
            Assert.True(returned <= (nuint)sample.OutputSize, $"{returned} bytes returned into {sample.OutputSize}");
            Assert.True(status == NtStatus.Success || returned == 0, $"{returned} bytes returned with {status}");
            if (sample.InputSize > sample.Input.Length || sample.OutputSize > sample.OutputLength)
            {
                Assert.Equal(NtStatus.InvalidParameter, status); // A size the buffer does not have.
            }

            if (probe is not null)
            {
                Assert.Equal(1, probe.Count);
                Assert.Equal(status, probe.Irp.IoStatus.Status);
                Assert.Equal(returned, probe.Irp.IoStatus.Information);
            }
        }, iter: 5_000, threads: 1);
    }

    public void Dispose() => _client.Dispose();
}
