using System.Buffers.Binary;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// WskControlSocket: the options WskSharp provides (TCP_FASTOPEN and TCP_NODELAY at IPPROTO_TCP, a DWORD each way),
/// the Fast Open report I/O control, and the refusals, each with and without the optional IRP (with one, the request
/// completes inline and Information is the bytes returned).
/// </summary>
public sealed class ControlSocketTests : IDisposable
{
    private readonly WskTestClient _client = new();

    private static PfnWskControlSocket Control(WskSocket socket) => WskTestClient.Connection(socket).Basic.WskControlSocket;

    private static NtStatus Set(WskSocket socket, uint option, uint value, Irp? irp = null)
    {
        Span<byte> input = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        NtStatus status = Control(socket)(socket, WskControlSocketType.WskSetOption, option, Ws2Def.IPPROTO_TCP, 4, input, 0, default,
            out nuint returned, irp);
        Assert.Equal(0u, returned);
        return status;
    }

    private static uint Get(WskSocket socket, uint option, Irp? irp = null)
    {
        Span<byte> output = stackalloc byte[4];
        output.Fill(0xCC);
        Assert.Equal(NtStatus.Success, Control(socket)(socket, WskControlSocketType.WskGetOption, option, Ws2Def.IPPROTO_TCP, 0, default,
            4, output, out nuint returned, irp));
        Assert.Equal((nuint)4, returned);
        return BinaryPrimitives.ReadUInt32LittleEndian(output);
    }

    /// <summary>Calls with and without an IRP and asserts both give <paramref name="expected"/> (and the IRP holds it).</summary>
    private static void AssertBothWays(NtStatus expected, Func<Irp?, NtStatus> call)
    {
        Assert.Equal(expected, call(null));
        var probe = new IrpProbe();
        Assert.Equal(expected, call(probe.Irp));
        Assert.Equal(expected, probe.Irp.IoStatus.Status);
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        Assert.Equal(1, probe.Count);
        Assert.False(probe.Irp.IsPending);
    }

    [Theory]
    [InlineData(Ws2Def.TCP_NODELAY)]
    [InlineData(Ws2Def.TCP_FASTOPEN)]
    public void A_DWORD_option_set_reads_back_without_an_IRP(uint option)
    {
        WskSocket socket = _client.CreateSocket();
        Assert.Equal(0u, Get(socket, option)); // Off by default.

        Assert.Equal(NtStatus.Success, Set(socket, option, 1));
        Assert.Equal(1u, Get(socket, option));

        Assert.Equal(NtStatus.Success, Set(socket, option, 7)); // Any non-zero DWORD is on.
        Assert.Equal(1u, Get(socket, option));

        Assert.Equal(NtStatus.Success, Set(socket, option, 0));
        Assert.Equal(0u, Get(socket, option));
    }

    [Theory]
    [InlineData(Ws2Def.TCP_NODELAY)]
    [InlineData(Ws2Def.TCP_FASTOPEN)]
    public void With_an_IRP_a_control_completes_inline_and_Information_is_the_bytes_returned(uint option)
    {
        WskSocket socket = _client.CreateSocket(Ws2Def.AF_INET6);
        var probe = new IrpProbe();

        Assert.Equal(NtStatus.Success, Set(socket, option, 1, probe.Irp));
        Assert.Equal(NtStatus.Success, probe.Irp.IoStatus.Status);
        Assert.Equal(0u, probe.Irp.IoStatus.Information); // A set returns no bytes.
        Assert.Equal(1, probe.Count);
        Assert.False(probe.Irp.IsPending);

        probe.Arm();
        Assert.Equal(1u, Get(socket, option, probe.Irp));
        Assert.Equal(NtStatus.Success, probe.Irp.IoStatus.Status);
        Assert.Equal((nuint)4, probe.Irp.IoStatus.Information);
        Assert.Equal(2, probe.Count);
        Assert.Equal(2, probe.Irp.CompletionCount);
    }

    [Fact]
    public async Task TCP_NODELAY_can_be_set_on_a_connected_socket()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        Assert.Equal(NtStatus.Success, Set(connection.Socket, Ws2Def.TCP_NODELAY, 1));
        Assert.Equal(1u, Get(connection.Socket, Ws2Def.TCP_NODELAY));
    }

    [Theory]
    [InlineData(WskControlSocketType.WskSetOption, Ws2Def.IPPROTO_TCP, 99u)]
    [InlineData(WskControlSocketType.WskGetOption, Ws2Def.IPPROTO_TCP, 99u)]
    [InlineData(WskControlSocketType.WskSetOption, Ws2Def.SOL_SOCKET, 0x3006u)] // SO_PORT_SCALABILITY: Windows only.
    [InlineData(WskControlSocketType.WskGetOption, Ws2Def.SOL_SOCKET, 0x3005u)] // SO_RANDOMIZE_PORT: Windows only.
    [InlineData(WskControlSocketType.WskSetOption, Ws2Def.IPPROTO_TCP, Ws2Def.TCP_MAXSEG)]
    [InlineData(WskControlSocketType.WskSetOption, Ws2Def.SOL_SOCKET, Ws2Def.TCP_NODELAY)] // The right code at the wrong level.
    [InlineData(WskControlSocketType.WskIoctl, 0u, 0x12345678u)]
    public void An_option_or_control_code_WskSharp_does_not_provide_is_STATUS_NOT_SUPPORTED(WskControlSocketType type, uint level, uint code)
    {
        WskSocket socket = _client.CreateSocket();
        var buffer = new byte[16];
        AssertBothWays(NtStatus.NotSupported, irp =>
        {
            NtStatus status = Control(socket)(socket, type, code, level, 4, buffer, 4, buffer, out nuint returned, irp);
            Assert.Equal(0u, returned);
            return status;
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void A_DWORD_option_with_an_input_size_other_than_4_is_STATUS_INVALID_PARAMETER(int inputSize)
    {
        WskSocket socket = _client.CreateSocket();
        var input = new byte[8];
        input[0] = 1;
        AssertBothWays(NtStatus.InvalidParameter, irp =>
            Control(socket)(socket, WskControlSocketType.WskSetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, (nuint)inputSize, input,
                0, default, out _, irp));
        Assert.Equal(0u, Get(socket, Ws2Def.TCP_NODELAY)); // Nothing was set.
    }

    [Fact]
    public void An_input_size_larger_than_the_input_buffer_is_STATUS_INVALID_PARAMETER()
    {
        WskSocket socket = _client.CreateSocket();
        var input = new byte[] { 1, 0 };
        AssertBothWays(NtStatus.InvalidParameter, irp =>
            Control(socket)(socket, WskControlSocketType.WskSetOption, Ws2Def.TCP_FASTOPEN, Ws2Def.IPPROTO_TCP, 4, input, 0, default, out _, irp));
        Assert.Equal(0u, Get(socket, Ws2Def.TCP_FASTOPEN));
    }

    [Fact]
    public void An_output_size_larger_than_the_output_buffer_is_STATUS_INVALID_PARAMETER()
    {
        WskSocket socket = _client.CreateSocket();
        var output = new byte[2];
        AssertBothWays(NtStatus.InvalidParameter, irp =>
            Control(socket)(socket, WskControlSocketType.WskGetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, 0, default, 4, output, out _, irp));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void An_output_too_small_for_a_get_is_STATUS_BUFFER_TOO_SMALL(int outputSize)
    {
        WskSocket socket = _client.CreateSocket();
        var output = new byte[4];
        AssertBothWays(NtStatus.BufferTooSmall, irp =>
        {
            NtStatus status = Control(socket)(socket, WskControlSocketType.WskGetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, 0, default,
                (nuint)outputSize, output, out nuint returned, irp);
            Assert.Equal(0u, returned);
            return status;
        });
        Assert.Equal(new byte[4], output); // Nothing was written.
    }

    [Fact]
    public void The_Fast_Open_report_before_any_connect_is_all_zero()
    {
        WskSocket socket = _client.CreateSocket();
        var output = new byte[WskFastOpenReport.Size];
        output.AsSpan().Fill(0xCC);
        var probe = new IrpProbe();

        NtStatus status = Control(socket)(socket, WskControlSocketType.WskIoctl, WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT, 0, 0, default,
            WskFastOpenReport.Size, output, out nuint returned, probe.Irp);

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal((nuint)WskFastOpenReport.Size, returned);
        Assert.Equal((nuint)WskFastOpenReport.Size, probe.Irp.IoStatus.Information);
        Assert.Equal(NtStatus.Success, probe.Irp.IoStatus.Status);
        Assert.Equal(new byte[WskFastOpenReport.Size], output);
        WskFastOpenReport report = WskFastOpenReport.Read(output);
        Assert.Equal(WskFastOpenFlags.None, report.Flags);
        Assert.Equal(default, report);

        Assert.Equal(NtStatus.Success, WskFastOpen.QueryReport(socket, out WskFastOpenReport typed)); // The typed helper agrees.
        Assert.Equal(report, typed);
    }

    [Fact]
    public void The_Fast_Open_report_into_one_byte_less_than_its_size_is_STATUS_BUFFER_TOO_SMALL()
    {
        WskSocket socket = _client.CreateSocket();
        var output = new byte[WskFastOpenReport.Size - 1];
        AssertBothWays(NtStatus.BufferTooSmall, irp =>
            Control(socket)(socket, WskControlSocketType.WskIoctl, WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT, 0, 0, default,
                (nuint)output.Length, output, out _, irp));
        Assert.Equal(new byte[output.Length], output); // Nothing was written.
    }

    [Fact]
    public async Task After_a_plain_connect_the_report_is_final_and_says_Fast_Open_was_not_requested()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        Assert.Equal(NtStatus.Success, WskFastOpen.QueryReport(connection.Socket, out WskFastOpenReport report));
        Assert.Equal(WskFastOpenFlags.Completed, report.Flags);
        Assert.Equal(0u, report.BytesInSyn);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(-1)]
    public void A_request_type_outside_WSK_CONTROL_SOCKET_TYPE_is_STATUS_INVALID_PARAMETER(int type)
    {
        WskSocket socket = _client.CreateSocket();
        var buffer = new byte[4];
        AssertBothWays(NtStatus.InvalidParameter, irp =>
            Control(socket)(socket, (WskControlSocketType)type, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, 4, buffer, 4, buffer, out _, irp));
    }

    [Fact]
    public void A_null_socket_is_STATUS_INVALID_PARAMETER()
    {
        WskSocket socket = _client.CreateSocket();
        AssertBothWays(NtStatus.InvalidParameter, irp =>
            Control(socket)(null!, WskControlSocketType.WskGetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, 0, default, 4, new byte[4], out _, irp));
    }

    [Theory]
    [InlineData(WskControlSocketType.WskSetOption, Ws2Def.TCP_NODELAY)]
    [InlineData(WskControlSocketType.WskSetOption, Ws2Def.TCP_FASTOPEN)]
    [InlineData(WskControlSocketType.WskGetOption, Ws2Def.TCP_NODELAY)]
    [InlineData(WskControlSocketType.WskIoctl, WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT)]
    [InlineData(WskControlSocketType.WskSetOption, 99u)]
    [InlineData((WskControlSocketType)7, Ws2Def.TCP_NODELAY)]
    public void After_WskCloseSocket_every_control_is_STATUS_INVALID_HANDLE(WskControlSocketType type, uint code)
    {
        WskSocket socket = _client.CreateSocket();
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(socket).Basic.WskCloseSocket(socket, new Irp()));
        var input = new byte[] { 1, 0, 0, 0 };
        var output = new byte[WskFastOpenReport.Size];
        uint level = type == WskControlSocketType.WskIoctl ? 0 : Ws2Def.IPPROTO_TCP;

        AssertBothWays(NtStatus.InvalidHandle, irp =>
            Control(socket)(socket, type, code, level, 4, input, (nuint)output.Length, output, out _, irp));
        Assert.Equal(new byte[WskFastOpenReport.Size], output);
    }

    public void Dispose() => _client.Dispose();
}
