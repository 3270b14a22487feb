using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// C <c>WSK_DATA_INDICATION</c> lists over the WSK layer's received buffers: built for a receive event and findable by
/// WskRelease from then on; freed when the event returns, or kept (with the buffers pinned) when the client returned
/// STATUS_PENDING, until its WskRelease.
/// </summary>
internal static unsafe class DataIndications
{
    private static readonly ConcurrentDictionary<nint, Kept> KeptLists = new();

    /// <summary>A C list and what it holds: the managed indications and the pins of their buffers.</summary>
    internal sealed class Kept(CDataIndication* c, WskDataIndication managed, MemoryHandle[] pins)
    {
        public CDataIndication* C { get; } = c;

        public WskDataIndication Managed { get; } = managed;

        public MemoryHandle[] Pins { get; } = pins;
    }

    /// <summary>One C entry (indication + MDL) per managed entry, each MDL over the pinned buffer.</summary>
    public static Kept Build(WskDataIndication managed)
    {
        int count = 0;
        for (WskDataIndication? i = managed; i is not null; i = i.Next)
        {
            count++;
        }

        nuint entry = (nuint)(sizeof(CDataIndication) + sizeof(CMdl));
        byte* block = (byte*)NativeMemory.AllocZeroed(entry * (nuint)count);
        var pins = new MemoryHandle[count];
        CDataIndication* previous = null;
        int index = 0;
        for (WskDataIndication? i = managed; i is not null; i = i.Next, index++)
        {
            var c = (CDataIndication*)(block + (entry * (nuint)index));
            var mdl = (CMdl*)(c + 1);
            Memory<byte> memory = i.Buffer.Mdl?.Memory ?? Memory<byte>.Empty;
            pins[index] = memory.Pin();
            mdl->StartVa = (nint)pins[index].Pointer & ~(nint)0xFFF; // StartVa is page aligned; ByteOffset finds the bytes.
            mdl->ByteOffset = (uint)((nint)pins[index].Pointer & 0xFFF);
            mdl->ByteCount = (uint)memory.Length;
            mdl->MappedSystemVa = (nint)pins[index].Pointer;
            mdl->MdlFlags = 0x0004 | 0x0002; // MDL_SOURCE_IS_NONPAGED_POOL | MDL_PAGES_LOCKED
            mdl->Size = (short)sizeof(CMdl);
            c->Buffer.Mdl = mdl;
            c->Buffer.Offset = i.Buffer.Offset;
            c->Buffer.Length = i.Buffer.Length;
            if (previous is not null)
            {
                previous->Next = c;
            }

            previous = c;
        }

        return new Kept((CDataIndication*)block, managed, pins);
    }

    public static void Keep(Kept list) => KeptLists[(nint)list.C] = list;

    /// <summary>Takes back a list <see cref="Keep"/> registered: false if a WskRelease took it first.</summary>
    public static bool Forget(Kept list) => KeptLists.TryRemove((nint)list.C, out _);

    /// <summary>Lists kept and not released yet (the verifier reports them).</summary>
    public static int KeptCount => KeptLists.Count;

    public static void Free(Kept list)
    {
        foreach (MemoryHandle pin in list.Pins)
        {
            pin.Dispose();
        }

        NativeMemory.Free(list.C);
    }

    /// <summary>WskRelease: the kept list whose first entry is <paramref name="c"/> goes back to the WSK layer.</summary>
    public static NtStatus Release(WskSocket? socket, CDataIndication* c)
    {
        if (socket is null || c is null || !KeptLists.TryRemove((nint)c, out Kept? list))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = WskProvider.Release(socket, list.Managed);
        Free(list);
        return status;
    }
}
