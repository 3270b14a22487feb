using System.Runtime.CompilerServices;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// What a datagram request on a C IRP carries besides its buffer: where WskReceiveFrom writes the sender, the control
/// length and the control flags (C pointers, written when the request completes, before the driver's routine runs), and
/// the extra MDL chains of a WskSendMessages list. Made once per IRP and reused, so a receive loop on a resubmitted IRP
/// allocates nothing managed.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "NativeMemoryManager holds nothing to dispose: it points at the client's memory")]
internal sealed unsafe class NativeDatagramRequest
{
    /// <summary>The longest WSK_BUF_LIST the C face maps (a longer one, or a cycle, is refused).</summary>
    public const int MaxListEntries = 1024;

    private readonly StrongBox<SockAddr> _remote = new();
    private readonly StrongBox<uint> _controlLength = new();
    private readonly StrongBox<uint> _controlFlags = new();
    private readonly NativeMemoryManager _control = new();
    private readonly List<(WskBufList Entry, NativeMdlChain Chain)> _list = [];
    private int _listUsed;
    private byte* _remoteOut;
    private uint* _controlLengthOut;
    private uint* _controlFlagsOut;
    private bool _receiving;

    /// <summary>Arms a WskReceiveFrom: the boxes the WSK layer fills and the C memory they go to at completion.</summary>
    public void ArmReceive(byte* remoteOut, uint* controlLength, byte* controlInfo, uint* controlFlags,
        out StrongBox<SockAddr>? remote, out StrongBox<uint>? length, out Memory<byte> control, out StrongBox<uint>? flags)
    {
        _receiving = true;
        _remoteOut = remoteOut;
        _controlLengthOut = controlLength;
        _controlFlagsOut = controlFlags;
        _remote.Value = default;
        remote = remoteOut is null ? null : _remote;
        length = null;
        control = Memory<byte>.Empty;
        if (controlLength is not null)
        {
            _controlLength.Value = *controlLength;
            length = _controlLength;
            _control.Reset(controlInfo, controlInfo is null ? 0 : (int)Math.Min(*controlLength, int.MaxValue));
            control = _control.Memory;
        }

        _controlFlags.Value = 0;
        flags = controlFlags is null ? null : _controlFlags;
    }

    /// <summary>A WSK_BUF_LIST as the WSK layer's list, each entry over its C MDL chain; null for a null list, or for one
    /// longer than <see cref="MaxListEntries"/> (a cycle), in which case <paramref name="tooLong"/> is set.</summary>
    public WskBufList? MapList(CWskBufList* list, out bool tooLong)
    {
        tooLong = false;
        WskBufList? head = null, tail = null;
        _listUsed = 0;
        for (CWskBufList* c = list; c is not null; c = c->Next)
        {
            if (_listUsed == MaxListEntries)
            {
                tooLong = true;
                Release();
                return null;
            }

            if (_listUsed == _list.Count)
            {
                _list.Add((new WskBufList(default), new NativeMdlChain()));
            }

            (WskBufList entry, NativeMdlChain chain) = _list[_listUsed++];
            entry.Buffer = chain.Map(&c->Buffer) ?? default;
            entry.Next = null;
            if (tail is null)
            {
                head = entry;
            }
            else
            {
                tail.Next = entry;
            }

            tail = entry;
        }

        return head;
    }

    /// <summary>The request completed: a receive's results go to the C memory; every mapped
    /// chain lets go of the client's memory.</summary>
    public void Complete()
    {
        if (_receiving)
        {
            _receiving = false;
            if (_remoteOut is not null && _remote.Value.Length != 0)
            {
                NativeAddress.Write(_remoteOut, _remote.Value); // The sender (or, for STATUS_PORT_UNREACHABLE, the destination).
            }

            if (_controlLengthOut is not null)
            {
                *_controlLengthOut = _controlLength.Value; // The bytes of control data written (the room, if refused before I/O).
            }

            if (_controlFlagsOut is not null)
            {
                *_controlFlagsOut = _controlFlags.Value;
            }

            _remoteOut = null;
            _controlLengthOut = _controlFlagsOut = null;
            _control.Reset(null, 0);
        }

        Release();
    }

    /// <summary>The IRP is freed with a request the WSK layer never took (refused before it started): nothing is written.</summary>
    public void Abandon()
    {
        _receiving = false;
        _remoteOut = null;
        _controlLengthOut = _controlFlagsOut = null;
        _control.Reset(null, 0);
        Release();
    }

    private void Release()
    {
        for (int i = 0; i < _listUsed; i++)
        {
            _list[i].Chain.Release();
            _list[i].Entry.Buffer = default;
            _list[i].Entry.Next = null;
        }

        _listUsed = 0;
    }
}
