using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Nt;

/// <summary>MDL chains: how they are built, and that a chain no caller means (a cycle) is refused, never walked forever.</summary>
public sealed class MdlTests
{
    [Fact]
    public void Chain_links_the_parts_in_order()
    {
        byte[] a = [1, 2], b = [3], c = [4, 5, 6];

        Mdl? head = Mdl.Chain(a, b, c);

        Assert.NotNull(head);
        Assert.Equal(a, head.Memory.ToArray());
        Assert.NotNull(head.Next);
        Assert.Equal(b, head.Next.Memory.ToArray());
        Assert.NotNull(head.Next.Next);
        Assert.Equal(c, head.Next.Next.Memory.ToArray());
        Assert.Null(head.Next.Next.Next);
        Assert.Equal([2, 1, 3], new[] { head.ByteCount, head.Next.ByteCount, head.Next.Next.ByteCount });
    }

    [Fact]
    public void Chain_describes_the_callers_memory_without_copying_it()
    {
        var memory = new byte[4];
        Mdl head = Mdl.Chain(memory.AsMemory(0, 2), memory.AsMemory(2, 2))!;

        head.Next!.Memory.Span[0] = 42;

        Assert.Equal(42, memory[2]);
    }

    [Fact]
    public void Chain_of_nothing_is_null() => Assert.Null(Mdl.Chain());

    [Fact]
    public void An_MDL_over_part_of_an_array_describes_exactly_that_part()
    {
        byte[] array = [0, 1, 2, 3, 4, 5, 6, 7];

        var mdl = new Mdl(array, 2, 3);

        Assert.Equal(3, mdl.ByteCount);
        Assert.Equal([2, 3, 4], mdl.Memory.ToArray());
        Assert.Null(mdl.Next);
        Assert.Equal(8, new Mdl(array).ByteCount);
    }

    [Fact]
    public async Task A_chain_that_loops_on_itself_is_refused_not_walked_forever()
    {
        var mdl = new Mdl(new byte[8]);
        mdl.Next = mdl;

        NtStatus status = await Task.Run(() => new WskBuf(mdl, 0, 8).Validate(out _), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.Equal(NtStatus.InvalidParameter, status);
    }

    [Fact]
    public async Task A_longer_cycle_is_refused_too_and_CopyTo_throws_instead_of_hanging()
    {
        var a = new Mdl(new byte[4]);
        var b = new Mdl(new byte[4]);
        var c = new Mdl(new byte[4]);
        a.Next = b;
        b.Next = c;
        c.Next = a;

        await Task.Run(() =>
        {
            Assert.Equal(NtStatus.InvalidParameter, new WskBuf(a, 1, 5).Validate(out int length));
            Assert.Equal(0, length);
            Assert.Equal(NtStatus.InvalidParameter, new WskBuf(a).Validate(out _)); // The whole-chain constructor terminates too.
            Assert.Throws<ArgumentException>(() => new WskBuf(a, 0, 4).CopyTo(new byte[4]));
        }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_cyclic_chain_given_to_WskSend_is_STATUS_INVALID_PARAMETER()
    {
        using var client = new WskTestClient();
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(client);
        var mdl = new Mdl(new byte[8]);
        mdl.Next = mdl;
        var probe = new IrpProbe();

        NtStatus returned = await Task.Run(() => connection.Dispatch.WskSend(connection.Socket, new WskBuf(mdl, 0, 8), 0, probe.Irp),
            TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.Equal(NtStatus.InvalidParameter, returned);
        Assert.Equal(NtStatus.InvalidParameter, probe.Irp.IoStatus.Status);
        Assert.Equal(1, probe.Count);
    }

    [Fact]
    public void The_longest_chain_walked_is_accepted_and_one_more_MDL_is_refused()
    {
        var backing = new byte[WskBuf.MaxChainLength + 1];
        Mdl head = new(backing, 0, 1);
        Mdl tail = head;
        for (int i = 1; i < WskBuf.MaxChainLength; i++)
        {
            tail.Next = new Mdl(backing, i, 1);
            tail = tail.Next;
        }

        Assert.Equal(NtStatus.Success, new WskBuf(head, 0, (nuint)WskBuf.MaxChainLength).Validate(out int length));
        Assert.Equal(WskBuf.MaxChainLength, length);

        tail.Next = new Mdl(backing, WskBuf.MaxChainLength, 1);
        Assert.Equal(NtStatus.InvalidParameter, new WskBuf(head, 0, 1).Validate(out _));
    }
}
