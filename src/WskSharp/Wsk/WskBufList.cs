using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary><c>WSK_BUF_LIST</c>: a list of buffers, each sent as one datagram by WskSendMessages.</summary>
public sealed class WskBufList : IDatagramBuffer
{
    /// <summary>An entry for <paramref name="buffer"/>.</summary>
    public WskBufList(WskBuf buffer) => Buffer = buffer;

    /// <summary>The next entry, or null.</summary>
    public WskBufList? Next { get; set; }

    /// <summary>This entry's datagram.</summary>
    public WskBuf Buffer { get; set; }

    IDatagramBuffer? IDatagramBuffer.NextDatagram => Next;

    Mdl? IDatagramBuffer.DatagramMdl => Buffer.Mdl;

    int IDatagramBuffer.DatagramOffset => (int)Buffer.Offset;

    int IDatagramBuffer.DatagramLength => (int)Buffer.Length;
}
