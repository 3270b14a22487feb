using CsCheck;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// Byte-exact echo with WskSharp at both ends: random buffers split across random MDL chains (1 to 64 MDLs, a random
/// offset into the first), sent one way and received the other, with WSK_FLAG_WAITALL and without, over IPv4 and IPv6.
/// </summary>
public sealed class EchoPropertyTests : IDisposable
{
    private readonly WskTestClient _client = new();

    /// <summary>A chain over <paramref name="data"/> in <paramref name="cuts"/>+1 pieces, with <paramref name="lead"/> spare bytes
    /// before the data in the first MDL (the WSK_BUF's Offset).</summary>
    private static WskBuf Chain(byte[] data, int[] cuts, int lead)
    {
        byte[] first = new byte[lead + (cuts.Length > 0 ? cuts[0] : data.Length)];
        var parts = new List<Memory<byte>> { first };
        int start = cuts.Length > 0 ? cuts[0] : data.Length;
        data.AsSpan(0, start).CopyTo(first.AsSpan(lead));
        for (int i = 1; i <= cuts.Length; i++)
        {
            int end = i < cuts.Length ? cuts[i] : data.Length;
            parts.Add(data.AsMemory(start, end - start));
            start = end;
        }

        return new WskBuf(Mdl.Chain([.. parts]), (uint)lead, (nuint)data.Length);
    }

    private static readonly Gen<(byte[] Data, int[] SendCuts, int SendLead, int[] ReceiveCuts, int ReceiveLead)> Cases =
        from length in Gen.Int[1, 100_000]
        from data in Gen.Byte.Array[length]
        from sendCuts in Gen.Int[1, length].Array[0, Math.Min(63, length)]
        from receiveCuts in Gen.Int[1, length].Array[0, Math.Min(63, length)]
        from sendLead in Gen.Int[0, 32]
        from receiveLead in Gen.Int[0, 32]
        select (data, Cuts(sendCuts, length), sendLead, Cuts(receiveCuts, length), receiveLead);

    private static int[] Cuts(int[] raw, int length) => [.. raw.Where(c => c > 0 && c < length).Distinct().Order()];

    [Theory]
    [InlineData(Ws2Def.AF_INET, true)]
    [InlineData(Ws2Def.AF_INET, false)]
    [InlineData(Ws2Def.AF_INET6, true)]
    [InlineData(Ws2Def.AF_INET6, false)]
    public async Task Random_chains_arrive_byte_exact_both_ways(ushort family, bool waitAll)
    {
        var (listener, address) = _client.CreateListener(family);
        WskSocket a = await _client.ConnectAsync(address);
        WskSocket b = await _client.AcceptAsync(listener);
        await Cases.SampleAsync(async c =>
        {
            await Transfer(a, b, c.Data, Chain(c.Data, c.SendCuts, c.SendLead), c.ReceiveCuts, c.ReceiveLead, waitAll);
            await Transfer(b, a, c.Data, Chain(c.Data, c.ReceiveCuts, c.ReceiveLead), c.SendCuts, c.SendLead, waitAll);
        }, iter: 25, threads: 1, seed: null);
    }

    private static async Task Transfer(WskSocket from, WskSocket to, byte[] data, WskBuf sendBuffer, int[] receiveCuts, int receiveLead, bool waitAll)
    {
        var sendIrp = new Irp();
        NtStatus sending = WskTestClient.Connection(from).WskSend(from, sendBuffer, 0, sendIrp);

        byte[] target = new byte[data.Length];
        WskBuf receiveBuffer = Chain(target, receiveCuts, receiveLead);
        int received = 0;
        var receiveIrp = new Irp();
        while (received < data.Length)
        {
            // Without WAITALL a receive may complete with part: the rest goes into a chain over what is left.
            WskBuf rest = received == 0 ? receiveBuffer : new WskBuf(new Mdl(new byte[data.Length - received]), 0, (nuint)(data.Length - received));
            NtStatus status = await WskTestClient.Complete(WskTestClient.Connection(to).WskReceive(to, rest, waitAll ? WskConstants.WSK_FLAG_WAITALL : 0, receiveIrp), receiveIrp);
            Assert.Equal(NtStatus.Success, status);
            int n = (int)receiveIrp.IoStatus.Information;
            Assert.True(n > 0);
            if (received == 0)
            {
                Assert.True(!waitAll || n == data.Length, "WAITALL completed before its buffer was full");
                CopyOut(receiveBuffer, n).CopyTo(target.AsSpan());
            }
            else
            {
                CopyOut(rest, n).CopyTo(target.AsSpan(received));
            }

            received += n;
        }

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(sending, sendIrp));
        Assert.Equal((nuint)data.Length, sendIrp.IoStatus.Information);
        Assert.Equal(data, target);
    }

    /// <summary>The first <paramref name="count"/> bytes a receive wrote into a chain.</summary>
    private static byte[] CopyOut(WskBuf buffer, int count)
    {
        byte[] all = new byte[(int)buffer.Length];
        buffer.CopyTo(all);
        return all[..count];
    }

    public void Dispose() => _client.Dispose();
}
