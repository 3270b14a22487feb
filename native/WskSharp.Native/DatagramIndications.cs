using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// C <c>WSK_DATAGRAM_INDICATION</c> lists for a WskReceiveFromEvent: one native block per list holding, for each datagram,
/// the indication, its MDL, its sender (a SOCKADDR in the Windows layout), its control data and its bytes. The bytes are
/// copied (unlike a stream's receive event, which pins), so an event allocates nothing managed. Freed when the event
/// returns, or kept when the client returned STATUS_PENDING, until its WskRelease; a WskRelease that comes while the event
/// still runs (a worker was handed the list) is taken, and the block freed once the event returns.
/// </summary>
internal static unsafe class DatagramIndications
{
    // By a list's first C entry: the managed list behind it while its event runs, and once kept (STATUS_PENDING) until
    // WskRelease; and the lists released while their event still ran. Plain collections under one lock: an entry removed
    // leaves its slot for the next, so a steady stream of events allocates nothing here.
    private static readonly Lock Sync = new();
    private static readonly Dictionary<nint, WskDatagramIndication> Indicating = [];
    private static readonly Dictionary<nint, WskDatagramIndication> KeptLists = [];
    private static readonly HashSet<nint> ReleasedEarly = [];

    private const int AddressRoom = 32; // SOCKADDR_IN6 is 28 bytes
    private static readonly nuint Fixed = (nuint)(sizeof(CDatagramIndication) + sizeof(CMdl) + AddressRoom);

    /// <summary>The C list for <paramref name="managed"/>.</summary>
    public static CDatagramIndication* Build(WskDatagramIndication managed)
    {
        nuint total = 0;
        for (WskDatagramIndication? i = managed; i is not null; i = i.Next)
        {
            total += Fixed + Align(i.ControlInfoLength) + Align(i.Buffer.Length);
        }

        byte* block = (byte*)NativeMemory.AllocZeroed(total);
        byte* next = block;
        CDatagramIndication* previous = null;
        for (WskDatagramIndication? i = managed; i is not null; i = i.Next)
        {
            var c = (CDatagramIndication*)next;
            var mdl = (CMdl*)(c + 1);
            byte* address = (byte*)(mdl + 1);
            byte* control = address + AddressRoom;
            byte* data = control + Align(i.ControlInfoLength);
            next = data + Align(i.Buffer.Length);

            int length = (int)i.Buffer.Length;
            i.Buffer.CopyTo(new Span<byte>(data, length));
            mdl->StartVa = (nint)data & ~(nint)0xFFF; // StartVa is page aligned; ByteOffset finds the bytes.
            mdl->ByteOffset = (uint)((nint)data & 0xFFF);
            mdl->ByteCount = (uint)length;
            mdl->MappedSystemVa = (nint)data;
            mdl->MdlFlags = 0x0004 | 0x0002; // MDL_SOURCE_IS_NONPAGED_POOL | MDL_PAGES_LOCKED
            mdl->Size = (short)sizeof(CMdl);
            c->Buffer.Mdl = mdl;
            c->Buffer.Offset = 0;
            c->Buffer.Length = (nuint)length;
            NativeAddress.Write(address, i.RemoteAddress);
            c->RemoteAddress = address;
            if (i.ControlInfoLength != 0)
            {
                i.ControlInfo.Span[..(int)i.ControlInfoLength].CopyTo(new Span<byte>(control, (int)i.ControlInfoLength));
                c->ControlInfo = control;
                c->ControlInfoLength = i.ControlInfoLength;
            }

            if (previous is not null)
            {
                previous->Next = c;
            }

            previous = c;
        }

        return (CDatagramIndication*)block;
    }

    /// <summary>The event is about to be given <paramref name="c"/>: from now on a WskRelease of it (from a worker the event
    /// handed it to, before the event has returned) is taken.</summary>
    public static void Indicate(CDatagramIndication* c, WskDatagramIndication managed)
    {
        lock (Sync)
        {
            Indicating[(nint)c] = managed;
        }
    }

    /// <summary>The event returned <paramref name="status"/>: with STATUS_PENDING the list lives until its WskRelease, unless
    /// that came already while the event ran; otherwise (or then) its block is freed.</summary>
    public static void Returned(CDatagramIndication* c, NtStatus status)
    {
        bool keep;
        lock (Sync)
        {
            Indicating.Remove((nint)c, out WskDatagramIndication? managed);
            keep = !ReleasedEarly.Remove((nint)c) && status == NtStatus.Pending;
            if (keep)
            {
                KeptLists[(nint)c] = managed!;
            }
        }

        if (!keep)
        {
            NativeMemory.Free(c);
        }
    }

    /// <summary>Lists kept and not released yet (the verifier reports them).</summary>
    public static int KeptCount
    {
        get
        {
            lock (Sync)
            {
                return KeptLists.Count;
            }
        }
    }

    /// <summary>WskRelease: the kept list whose first entry is <paramref name="c"/> goes back to the WSK layer, its block
    /// freed; one whose event still runs goes back too, its block freed when the event returns. A list not kept (never, or
    /// released already) is STATUS_INVALID_PARAMETER, as the WSK layer answers for its own lists.</summary>
    public static NtStatus Release(WskSocket? socket, CDatagramIndication* c)
    {
        WskDatagramIndication? managed;
        bool free;
        lock (Sync)
        {
            if (socket is null || c is null)
            {
                return NtStatus.InvalidParameter;
            }

            free = KeptLists.Remove((nint)c, out managed);
            if (!free && (!Indicating.TryGetValue((nint)c, out managed) || !ReleasedEarly.Add((nint)c)))
            {
                return NtStatus.InvalidParameter;
            }
        }

        NtStatus status = WskProvider.ReleaseDatagrams(socket, managed!);
        if (free)
        {
            NativeMemory.Free(c);
        }

        return status;
    }

    private static nuint Align(nuint length) => (length + 7) & ~(nuint)7;

    private static nuint Align(uint length) => Align((nuint)length);
}
