using WskSharp.Nt;

namespace WskSharp.Internal;

/// <summary>One datagram of a list a send of several takes (WskSendMessages' <c>WSK_BUF_LIST</c>), validated by the WSK
/// layer before the engine sees it: an MDL chain, an offset into its first MDL and a length.</summary>
internal interface IDatagramBuffer
{
    /// <summary>The next datagram of the list, or null.</summary>
    IDatagramBuffer? NextDatagram { get; }

    /// <summary>The first MDL of the datagram's bytes.</summary>
    Mdl? DatagramMdl { get; }

    /// <summary>Offset into the first MDL.</summary>
    int DatagramOffset { get; }

    /// <summary>The datagram's length.</summary>
    int DatagramLength { get; }
}
