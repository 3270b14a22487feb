using System.Runtime.InteropServices;

namespace WskSharp.Native;

// The C structures the bridge reads and writes, at their Windows x64 offsets (native/include/wsksharp/nt/io.h and wsk.h
// assert the same numbers on the C side). Only the fields the bridge touches are named.

/// <summary><c>IRP</c> (0xD0 bytes; its stack locations follow it).</summary>
[StructLayout(LayoutKind.Explicit, Size = 0xD0)]
internal unsafe struct CIrp
{
    [FieldOffset(0x30)] public int Status;
    [FieldOffset(0x38)] public nuint Information;
    [FieldOffset(0x41)] public byte PendingReturned;
    [FieldOffset(0x42)] public sbyte StackCount;
    [FieldOffset(0x43)] public sbyte CurrentLocation;
    [FieldOffset(0x44)] public byte Cancel;
    [FieldOffset(0x47)] public byte AllocationFlags;
    [FieldOffset(0xB8)] public CStackLocation* CurrentStackLocation;

    /// <summary>In <c>AllocationFlags</c>: IoAllocateIrp put a pairing block before this IRP (native/shim/pairing.h).</summary>
    public const byte Paired = 0x80;

    /// <summary>The pairing block's magic ("WSWSKIRP").</summary>
    public const ulong PairingMagic = 0x5052494b53575357UL;
}

/// <summary><c>IO_STACK_LOCATION</c> (0x48 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 0x48)]
internal struct CStackLocation
{
    [FieldOffset(0x03)] public byte Control;
    [FieldOffset(0x38)] public nint CompletionRoutine;
    [FieldOffset(0x40)] public nint Context;

    public const byte PendingReturned = 0x01;
}

/// <summary>The block IoAllocateIrp puts in the 16 bytes before an IRP.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CIrpPairing
{
    public nint Managed;
    public ulong Magic;
}

/// <summary>
/// The 16 bytes IoAllocateMdl puts before an MDL (native/shim/pairing.h, WSKSHARP_MDL_HEADER): how many pending requests
/// use the MDL, so that IoFreeMdl catches an MDL freed under one.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CMdlHeader
{
    public const ulong Magic = 0x4c444d4b53575357UL;

    public int InUse;
    public uint Reserved;
    public ulong HeaderMagic;
}

/// <summary><c>MDL</c> (0x30 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 0x30)]
internal unsafe struct CMdl
{
    /// <summary><c>MDL_ALLOCATED_FIXED_SIZE</c>: set by IoAllocateMdl (which puts a <see cref="CMdlHeader"/> before it).</summary>
    public const short AllocatedFixedSize = 0x0008;

    [FieldOffset(0x00)] public CMdl* Next;
    [FieldOffset(0x08)] public short Size;
    [FieldOffset(0x0A)] public short MdlFlags;
    [FieldOffset(0x18)] public nint MappedSystemVa;
    [FieldOffset(0x20)] public nint StartVa;
    [FieldOffset(0x28)] public uint ByteCount;
    [FieldOffset(0x2C)] public uint ByteOffset;
}

/// <summary><c>UNICODE_STRING</c> (16 bytes): lengths in bytes, the buffer at 8.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal unsafe struct CUnicodeString
{
    [FieldOffset(0)] public ushort Length;
    [FieldOffset(2)] public ushort MaximumLength;
    [FieldOffset(8)] public char* Buffer;
}

/// <summary><c>WSK_BUF</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CWskBuf
{
    public CMdl* Mdl;
    public uint Offset;
    public nuint Length;
}

/// <summary><c>WSK_DATA_INDICATION</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CDataIndication
{
    public CDataIndication* Next;
    public CWskBuf Buffer;
}

/// <summary><c>WSK_SOCKET</c> as WskSharp allocates it: the documented <c>Dispatch</c>, then the handle of the managed
/// socket it stands for (memory the client never writes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CWskSocket
{
    public nint Dispatch;
    public nint Managed;
}

/// <summary><c>WSK_CLIENT_NPI</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CClientNpi
{
    public nint ClientContext;
    public CClientDispatch* Dispatch;
}

/// <summary><c>WSK_CLIENT_DISPATCH</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CClientDispatch
{
    public ushort Version;
    public ushort Reserved;
    public nint WskClientEvent;
}

/// <summary><c>WSK_PROVIDER_NPI</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CProviderNpi
{
    public nint Client;
    public nint Dispatch;
}

/// <summary><c>WSK_REGISTRATION</c> (24 bytes): WskSharp keeps its handle in <c>ReservedRegistrationContext</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CRegistration
{
    public ulong ReservedRegistrationState;
    public nint ReservedRegistrationContext;
    public nuint ReservedRegistrationLock;
}

/// <summary><c>WSK_CLIENT_CONNECTION_DISPATCH</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CClientConnectionDispatch
{
    public nint WskReceiveEvent;
    public nint WskDisconnectEvent;
    public nint WskSendBacklogEvent;
}

/// <summary><c>WSK_CLIENT_LISTEN_DISPATCH</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CClientListenDispatch
{
    public nint WskAcceptEvent;
    public nint WskInspectEvent;
    public nint WskAbortEvent;
}

/// <summary><c>WSK_CLIENT_STREAM_DISPATCH</c>: the listen table, then the connection table.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CClientStreamDispatch
{
    public CClientListenDispatch* Listen;
    public CClientConnectionDispatch* Connect;
}

/// <summary><c>WSK_DATAGRAM_INDICATION</c> (0x38 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CDatagramIndication
{
    public CDatagramIndication* Next;
    public CWskBuf Buffer;
    public byte* ControlInfo;
    public uint ControlInfoLength;
    public byte* RemoteAddress;
}

/// <summary><c>WSK_BUF_LIST</c> (0x20 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CWskBufList
{
    public CWskBufList* Next;
    public CWskBuf Buffer;
}

/// <summary><c>WSK_CLIENT_DATAGRAM_DISPATCH</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CClientDatagramDispatch
{
    public nint WskReceiveFromEvent;
}

/// <summary><c>WSK_INSPECT_ID</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CInspectId
{
    public nuint Key;
    public uint SerialNumber;
}
