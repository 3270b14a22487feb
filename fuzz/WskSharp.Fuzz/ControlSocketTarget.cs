using System.Buffers.Binary;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Fuzz;

/// <summary>
/// <c>WskControlSocket</c>, through the dispatch of a socket made the way a driver makes one (WskRegister, WskCaptureProviderNPI,
/// WskSocket): a sequence of requests decoded from the input, on a socket that is fresh, reused from earlier inputs, or already
/// closed. Nothing connects, so no packet is sent. Every call must return (never throw) a documented status; an IRP given must
/// complete exactly once, inline, with that status and the returned size; sizes the buffers do not have are refused; and what
/// TCP_NODELAY / TCP_FASTOPEN set is what a get then reads.
/// </summary>
/// <remarks>
/// Input layout (missing bytes read as zero):
/// <code>
/// header   bits 0-1 category (0 connection, 1 listen, 2 stream, 3 connection), 2 IPv6, 3-4 lifetime (0 and 3 reused
///          across inputs, 1 fresh, 2 fresh and closed before the requests), 5 with a client event dispatch, 6 bound to loopback
///          port 0 (a listen socket then listens)
/// request  type     1 byte: below 0xF0 it is the byte modulo 4 (3 is no request type), else 4 raw bytes follow
///          code     1 byte: below 0x80 an index into the known codes, else 4 raw bytes follow; level likewise
///          input    1 byte: buffer length (modulo 64), then that many bytes; 1 byte: size skew
///          output   1 byte: buffer length (modulo 64); 1 byte: size skew
///          irp      1 byte: modulo 4: 0 none, 1 a new IRP, 2 the input's shared IRP, 3 the shared IRP after IoReuseIrp
/// </code>
/// A size skew <c>s</c> makes the size the buffer's length minus <c>s &amp; 7</c> (at least 0), or with bit 3 plus it: a size
/// the buffer does not have.
/// </remarks>
internal sealed class ControlSocketTarget : IFuzzTarget, IDisposable
{
    private const int MaxRequests = 32;

    private static readonly uint[] Codes =
    [
        Ws2Def.TCP_NODELAY, Ws2Def.TCP_FASTOPEN, Ws2Def.SO_WSK_EVENT_CALLBACK, WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT,
        Ws2Def.SO_KEEPALIVE, Ws2Def.SO_REUSEADDR, Ws2Def.SO_SNDBUF, Ws2Def.SO_RCVBUF, Ws2Def.TCP_KEEPALIVE, Ws2Def.TCP_MAXSEG,
        Ws2Def.TCP_KEEPCNT, Ws2Def.TCP_KEEPINTVL, 0, uint.MaxValue,
    ];

    private static readonly uint[] Levels = [Ws2Def.IPPROTO_TCP, Ws2Def.SOL_SOCKET, 0, Ws2Def.IPPROTO_IPV6, Ws2Def.IPPROTO_UDP];

    private static readonly uint[] Categories =
    [
        WskConstants.WSK_FLAG_CONNECTION_SOCKET, WskConstants.WSK_FLAG_LISTEN_SOCKET, WskConstants.WSK_FLAG_STREAM_SOCKET,
        WskConstants.WSK_FLAG_CONNECTION_SOCKET,
    ];

    private static readonly NtStatus[] Documented = [NtStatus.Success, NtStatus.InvalidParameter, NtStatus.NotSupported, NtStatus.BufferTooSmall];

    private readonly Lazy<(WskRegistration Registration, WskProviderNpi Npi)> _provider = new(Register);

    /// <summary>Sockets reused across inputs, by the header bits that made them, with what the model knows of each.</summary>
    private readonly Dictionary<int, (WskSocket Socket, SocketModel Model)> _pool = [];

    public string Name => "control";

    public void Run(ReadOnlySpan<byte> data)
    {
        var input = new FuzzInput(data);
        byte header = input.Byte();
        int lifetime = (header >> 3) & 3;
        WskSocket socket;
        SocketModel model;
        if (lifetime is 1 or 2)
        {
            socket = CreateSocket(header);
            model = new SocketModel();
            if (lifetime == 2)
            {
                Close(socket);
                model.Closed = true;
            }
        }
        else
        {
            int key = header & 0x67;
            if (!_pool.TryGetValue(key, out (WskSocket Socket, SocketModel Model) pooled))
            {
                pooled = (CreateSocket(header), new SocketModel());
                _pool[key] = pooled;
            }

            (socket, model) = pooled;
        }

        var sharedProbe = new IrpProbe();
        var control = ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket;
        try
        {
            for (int request = 0; request < MaxRequests && !input.IsEmpty; request++)
            {
                Call(control, socket, model, ref input, sharedProbe);
            }
        }
        finally
        {
            // Even after a violation: a fresh socket left open would leak a descriptor per crash, and WskDeregister waits
            // for every socket to close.
            if (lifetime == 1)
            {
                Close(socket);
            }
        }
    }

    private static void Call(PfnWskControlSocket control, WskSocket socket, SocketModel model, ref FuzzInput input, IrpProbe sharedProbe)
    {
        byte typeByte = input.Byte();
        var type = (WskControlSocketType)(typeByte < 0xF0 ? typeByte % 4 : (int)input.UInt32());
        byte codeByte = input.Byte();
        uint code = codeByte < 0x80 ? Codes[codeByte % Codes.Length] : input.UInt32();
        byte levelByte = input.Byte();
        uint level = levelByte < 0x80 ? Levels[levelByte % Levels.Length] : input.UInt32();
        byte[] inputBuffer = new byte[input.Byte() % 64];
        input.Take(inputBuffer.Length).CopyTo(inputBuffer);
        int inputSize = Skew(inputBuffer.Length, input.Byte());
        byte[] outputBuffer = new byte[input.Byte() % 64];
        outputBuffer.AsSpan().Fill(0xA5);
        int outputSize = Skew(outputBuffer.Length, input.Byte());
        int irpMode = input.Byte() % 4;
        IrpProbe? probe = irpMode switch
        {
            1 => new IrpProbe(),
            2 => sharedProbe,
            3 => sharedProbe.Reused(),
            _ => null,
        };
        long completionsBefore = probe?.Irp.CompletionCount ?? 0;
        int routineRunsBefore = probe?.RoutineRuns ?? 0;

        NtStatus status = control(socket, type, code, level, (nuint)inputSize, inputBuffer, (nuint)outputSize, outputBuffer,
            out nuint returned, probe?.Irp);

        string call = $"WskControlSocket({type}, 0x{code:X}, level 0x{level:X}, input {inputSize}/{inputBuffer.Length}, "
            + $"output {outputSize}/{outputBuffer.Length}, irp {irpMode}) on a {(model.Closed ? "closed " : "")}socket = {status}, {returned} bytes";
        ContractViolationException.Check(Array.IndexOf(Documented, status) >= 0 || (model.Closed && status == NtStatus.InvalidHandle),
            $"{call}: not a documented status");
        ContractViolationException.Check(!model.Closed || status != NtStatus.Success, $"{call}: succeeded on a closed socket");
        ContractViolationException.Check(returned <= (nuint)outputSize && returned <= (nuint)outputBuffer.Length, $"{call}: returned more than the output");
        ContractViolationException.Check(status == NtStatus.Success || returned == 0, $"{call}: returned bytes with a failure");
        ContractViolationException.Check(outputBuffer.AsSpan((int)returned).IndexOfAnyExcept((byte)0xA5) < 0,
            $"{call}: wrote past the bytes it returned");
        if ((inputSize > inputBuffer.Length || outputSize > outputBuffer.Length))
        {
            ContractViolationException.Check(status == NtStatus.InvalidParameter || status == NtStatus.InvalidHandle,
                $"{call}: accepted a size the buffer does not have");
        }

        if (probe is not null)
        {
            ContractViolationException.Check(!probe.Irp.IsPending, $"{call}: the IRP is still pending");
            ContractViolationException.Check(probe.Irp.CompletionCount == completionsBefore + 1 && probe.RoutineRuns == routineRunsBefore + 1,
                $"{call}: the IRP completed {probe.Irp.CompletionCount - completionsBefore} times, its routine ran {probe.RoutineRuns - routineRunsBefore} times");
            ContractViolationException.Check(probe.Irp.IoStatus.Status == status && probe.Irp.IoStatus.Information == returned,
                $"{call}: the IRP completed with {probe.Irp.IoStatus.Status}, {probe.Irp.IoStatus.Information}");
            ContractViolationException.Check(probe.SeenStatus == status, $"{call}: the completion routine saw {probe.SeenStatus}");
        }

        model.Check(type, code, level, inputBuffer.AsSpan(0, Math.Min(inputSize, inputBuffer.Length)), outputBuffer, status, returned, call);
    }

    private static int Skew(int length, byte skew)
    {
        int delta = skew & 7;
        return (skew & 8) != 0 ? length + delta : Math.Max(length - delta, 0);
    }

    private WskSocket CreateSocket(byte header)
    {
        (_, WskProviderNpi npi) = _provider.Value;
        uint category = Categories[header & 3];
        ushort family = (header & 0x04) != 0 ? Ws2Def.AF_INET6 : Ws2Def.AF_INET;
        object? clientDispatch = (header & 0x20) == 0 ? null : category switch
        {
            WskConstants.WSK_FLAG_LISTEN_SOCKET => new WskClientListenDispatch(RefuseAccept),
            WskConstants.WSK_FLAG_STREAM_SOCKET => new WskClientStreamDispatch(RefuseAccept, null, null, IgnoreReceive, IgnoreDisconnect, IgnoreBacklog),
            _ => new WskClientConnectionDispatch(IgnoreReceive, IgnoreDisconnect, IgnoreBacklog),
        };
        var irp = new Irp();
        NtStatus status = npi.Dispatch.WskSocket(npi.Client, family, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, category, null,
            clientDispatch, null, null, null, irp);
        if (status != NtStatus.Success || irp.IoStatus.Pointer is not WskSocket socket)
        {
            throw new ContractViolationException($"WskSocket(family {family}, category {category}) = {status}");
        }

        if ((header & 0x40) != 0)
        {
            SockAddr loopback = family == Ws2Def.AF_INET6
                ? SockAddr.Inet6(System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), 0)
                : SockAddr.Inet([127, 0, 0, 1], 0);
            PfnWskBind bind = socket.Dispatch switch
            {
                WskProviderListenDispatch listen => listen.WskBind,
                WskProviderStreamDispatch stream => stream.WskBind,
                _ => ((WskProviderConnectionDispatch)socket.Dispatch).WskBind,
            };
            status = bind(socket, loopback, 0, irp);
            ContractViolationException.Check(status == NtStatus.Success, $"WskBind(loopback, port 0) = {status}");
        }

        return socket;
    }

    private static void Close(WskSocket socket)
    {
        var irp = new Irp();
        NtStatus status = ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, irp);
        if (status == NtStatus.Pending)
        {
            status = irp.AsValueTask().AsTask().WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        }

        ContractViolationException.Check(status == NtStatus.Success, $"WskCloseSocket = {status}");
    }

    private static (WskRegistration, WskProviderNpi) Register()
    {
        NtStatus status = WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)), out WskRegistration? registration);
        ContractViolationException.Check(status == NtStatus.Success && registration is not null, $"WskRegister = {status}");
        status = WskApi.WskCaptureProviderNPI(registration!, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi);
        ContractViolationException.Check(status == NtStatus.Success && npi is not null, $"WskCaptureProviderNPI = {status}");
        return (registration!, npi!);
    }

    private static NtStatus RefuseAccept(object? socketContext, uint flags, in SockAddr localAddress, in SockAddr remoteAddress,
        WskSocket? acceptSocket, out object? acceptSocketContext, out object? acceptSocketDispatch)
    {
        acceptSocketContext = null;
        acceptSocketDispatch = null;
        return NtStatus.RequestNotAccepted;
    }

    private static NtStatus IgnoreReceive(object? socketContext, uint flags, WskDataIndication? dataIndication, nuint bytesIndicated,
        ref nuint bytesAccepted) => NtStatus.DataNotAccepted;

    private static NtStatus IgnoreDisconnect(object? socketContext, uint flags) => NtStatus.Success;

    private static NtStatus IgnoreBacklog(object? socketContext, nuint idealBacklogSize) => NtStatus.Success;

    public void Dispose()
    {
        foreach ((WskSocket socket, _) in _pool.Values)
        {
            Close(socket);
        }

        _pool.Clear();
        if (_provider.IsValueCreated)
        {
            WskApi.WskReleaseProviderNPI(_provider.Value.Registration);
            WskApi.WskDeregister(_provider.Value.Registration);
        }
    }

    public IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        byte[] on = [1, 0, 0, 0];
        byte[] eventControl = new byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE).WriteTo(eventControl);
        byte[] eventDisable = new byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_DISABLE)
            .WriteTo(eventDisable);

        yield return ("nodelay-set-get-fresh", Encode(Header(lifetime: 1),
            Request(WskControlSocketType.WskSetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, on, outputLength: 0, irp: 1),
            Request(WskControlSocketType.WskGetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, [], outputLength: 4, irp: 0)));
        yield return ("fastopen-set-get-reused-v6", Encode(Header(v6: true),
            Request(WskControlSocketType.WskSetOption, Ws2Def.TCP_FASTOPEN, Ws2Def.IPPROTO_TCP, on, outputLength: 0, irp: 2),
            Request(WskControlSocketType.WskGetOption, Ws2Def.TCP_FASTOPEN, Ws2Def.IPPROTO_TCP, [], outputLength: 8, irp: 3)));
        yield return ("fastopen-queue-on-listener", Encode(Header(category: 1, bound: true),
            Request(WskControlSocketType.WskSetOption, Ws2Def.TCP_FASTOPEN, Ws2Def.IPPROTO_TCP, [0x00, 0x01, 0, 0], outputLength: 0, irp: 1),
            Request(WskControlSocketType.WskGetOption, Ws2Def.TCP_FASTOPEN, Ws2Def.IPPROTO_TCP, [], outputLength: 4, irp: 1)));
        yield return ("fastopen-report-ioctl", Encode(Header(lifetime: 1),
            Request(WskControlSocketType.WskIoctl, WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT, 0, [], outputLength: WskFastOpenReport.Size, irp: 1),
            Request(WskControlSocketType.WskIoctl, WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT, 0, [], outputLength: WskFastOpenReport.Size - 1, irp: 0)));
        yield return ("event-callback-receive-with-dispatch", Encode(Header(lifetime: 1, withDispatch: true),
            Request(WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, eventControl, outputLength: 0, irp: 0),
            Request(WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, eventDisable, outputLength: 0, irp: 0)));
        yield return ("event-callback-no-dispatch-stream", Encode(Header(category: 2),
            Request(WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, eventControl, outputLength: 0, irp: 0),
            Request(WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, eventControl, outputLength: 0, irp: 1)));
        yield return ("unsupported-options", Encode(Header(lifetime: 1),
            Request(WskControlSocketType.WskSetOption, Ws2Def.SO_KEEPALIVE, Ws2Def.SOL_SOCKET, on, outputLength: 0, irp: 1),
            Request(WskControlSocketType.WskGetOption, Ws2Def.SO_RCVBUF, Ws2Def.SOL_SOCKET, [], outputLength: 4, irp: 0),
            Request((WskControlSocketType)3, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, on, outputLength: 0, irp: 1)));
        yield return ("overstated-sizes", Encode(Header(lifetime: 1),
            Request(WskControlSocketType.WskSetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, on, outputLength: 0, irp: 1, inputSkew: 0x09),
            Request(WskControlSocketType.WskGetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, [], outputLength: 2, irp: 1, outputSkew: 0x0A)));
        yield return ("known-f1-event-callback-output-size", Encode(Header(lifetime: 1, withDispatch: true),
            Request(WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, eventControl, outputLength: 0, irp: 0,
                outputSkew: 0x0C)));
        yield return ("closed-socket", Encode(Header(lifetime: 2),
            Request(WskControlSocketType.WskSetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, on, outputLength: 0, irp: 1),
            Request(WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, eventControl, outputLength: 0, irp: 0)));
    }

    private static byte Header(int category = 0, bool v6 = false, int lifetime = 0, bool withDispatch = false, bool bound = false)
        => (byte)(category | (v6 ? 0x04 : 0) | (lifetime << 3) | (withDispatch ? 0x20 : 0) | (bound ? 0x40 : 0));

    private static byte[] Request(WskControlSocketType type, uint code, uint level, byte[] input, int outputLength, int irp,
        byte inputSkew = 0, byte outputSkew = 0)
    {
        var bytes = new List<byte>();
        if ((int)type is >= 0 and < 4)
        {
            bytes.Add((byte)type);
        }
        else
        {
            bytes.Add(0xF0);
            bytes.AddRange(BitConverter.GetBytes((uint)type));
        }

        AddSelector(bytes, Codes, code);
        AddSelector(bytes, Levels, level);
        bytes.Add((byte)input.Length);
        bytes.AddRange(input);
        bytes.Add(inputSkew);
        bytes.Add((byte)outputLength);
        bytes.Add(outputSkew);
        bytes.Add((byte)irp);
        return [.. bytes];
    }

    private static void AddSelector(List<byte> bytes, uint[] known, uint value)
    {
        int index = Array.IndexOf(known, value);
        if (index >= 0)
        {
            bytes.Add((byte)index);
        }
        else
        {
            bytes.Add(0x80);
            bytes.AddRange(BitConverter.GetBytes(value));
        }
    }

    private static byte[] Encode(byte header, params byte[][] requests) => [header, .. requests.SelectMany(r => r)];

    /// <summary>What the model knows of one socket: whether it is closed, and the options as last set.</summary>
    private sealed class SocketModel
    {
        public bool Closed { get; set; }

        private bool _noDelay;
        private bool _fastOpen;

        public void Check(WskControlSocketType type, uint code, uint level, ReadOnlySpan<byte> input, ReadOnlySpan<byte> output,
            NtStatus status, nuint returned, string call)
        {
            bool tcpOption = level == Ws2Def.IPPROTO_TCP && code is Ws2Def.TCP_NODELAY or Ws2Def.TCP_FASTOPEN;
            if (type == WskControlSocketType.WskSetOption && tcpOption && status == NtStatus.Success)
            {
                ContractViolationException.Check(input.Length == sizeof(uint), $"{call}: set an option from {input.Length} bytes");
                bool on = BinaryPrimitives.ReadUInt32LittleEndian(input) != 0;
                if (code == Ws2Def.TCP_NODELAY)
                {
                    _noDelay = on;
                }
                else
                {
                    _fastOpen = on;
                }
            }
            else if (type == WskControlSocketType.WskGetOption && tcpOption && status == NtStatus.Success)
            {
                ContractViolationException.Check(returned == sizeof(uint), $"{call}: an option is a DWORD");
                bool expected = code == Ws2Def.TCP_NODELAY ? _noDelay : _fastOpen;
                ContractViolationException.Check(BinaryPrimitives.ReadUInt32LittleEndian(output) == (expected ? 1u : 0u),
                    $"{call}: read {BinaryPrimitives.ReadUInt32LittleEndian(output)}, last set {expected}");
            }
            else if (type == WskControlSocketType.WskIoctl && code == WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT && status == NtStatus.Success)
            {
                ContractViolationException.Check(returned == WskFastOpenReport.Size, $"{call}: a report is {WskFastOpenReport.Size} bytes");
            }
        }
    }
}
