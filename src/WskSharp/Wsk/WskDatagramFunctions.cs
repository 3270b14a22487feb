using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

// The PFN_WSK_* function types of a datagram socket (wsk.h). Parameters keep their documented order; each asynchronous call
// ends with the caller's IRP. An optional SOCKADDR is a nullable SockAddr; results the C API writes through pointers go into
// caller-owned boxes, filled before the IRP completes (reuse them, and the IRP, for a receive loop that allocates nothing).

/// <summary><c>PFN_WSK_SEND_TO</c>: sends one datagram to <paramref name="remoteAddress"/> (null: the fixed remote set with
/// <see cref="WskConstants.SIO_WSK_SET_REMOTE_ADDRESS"/> or <see cref="WskConstants.SIO_WSK_SET_SENDTO_ADDRESS"/>), with
/// optional control data (<c>IP_PKTINFO</c>/<c>IPV6_PKTINFO</c>: the source address and interface). <c>Information</c> is the
/// datagram's length once it is handed to the host.</summary>
public delegate NtStatus PfnWskSendTo(WskSocket socket, in WskBuf buffer, uint flags, SockAddr? remoteAddress, nuint controlInfoLength,
    ReadOnlySpan<byte> controlInfo, Irp irp);

/// <summary><c>PFN_WSK_RECEIVE_FROM</c>: receives one datagram. When the IRP completes, <paramref name="remoteAddress"/> holds the
/// sender, <paramref name="controlLength"/> (on input the room in <paramref name="controlInfo"/>) the bytes of control data
/// written, <paramref name="controlFlags"/> <see cref="Ws2Def.MSG_TRUNC"/>/<see cref="Ws2Def.MSG_CTRUNC"/>. A datagram
/// longer than the buffer completes with <c>STATUS_BUFFER_OVERFLOW</c>, <c>Information</c> = the bytes that fit.</summary>
public delegate NtStatus PfnWskReceiveFrom(WskSocket socket, in WskBuf buffer, uint flags, StrongBox<SockAddr>? remoteAddress,
    StrongBox<uint>? controlLength, Memory<byte> controlInfo, StrongBox<uint>? controlFlags, Irp irp);

/// <summary><c>PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST</c>: gives back the datagrams of indications the client kept (its
/// WskReceiveFromEvent returned STATUS_PENDING).</summary>
public delegate NtStatus PfnWskReleaseDatagramIndicationList(WskSocket socket, WskDatagramIndication datagramIndication);

/// <summary><c>PFN_WSK_SEND_MESSAGES</c>: sends each buffer of the list as one datagram, in order, to one remote. <c>Information</c>
/// is the bytes of them all once the last is handed to the host.</summary>
public delegate NtStatus PfnWskSendMessages(WskSocket socket, WskBufList bufferList, uint flags, SockAddr? remoteAddress,
    nuint controlInfoLength, ReadOnlySpan<byte> controlInfo, Irp irp);

/// <summary><c>PFN_WSK_RECEIVE_FROM_EVENT</c>: datagrams arrived on a datagram socket (a list of one here). Return
/// <see cref="NtStatus.Success"/> (consumed), <see cref="NtStatus.Pending"/> (the client keeps the list until WskRelease) or
/// <see cref="NtStatus.DataNotAccepted"/> (the provider keeps the datagram for the next WskReceiveFrom and indicates nothing
/// more until then). A null <paramref name="dataIndication"/> means the socket is no longer functional.</summary>
public delegate NtStatus PfnWskReceiveFromEvent(object? socketContext, uint flags, WskDatagramIndication? dataIndication);
