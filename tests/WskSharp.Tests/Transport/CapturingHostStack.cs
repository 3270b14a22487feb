using WskSharp.Nt;
using WskSharp.Transport;

namespace WskSharp.Tests.Transport;

/// <summary>A host stack that passes everything to <paramref name="inner"/> and keeps the datagram sockets it makes, so a
/// test reaches what the contract does not show (a Linux socket's syscall counts, options by their Linux numbers).</summary>
internal sealed class CapturingHostStack(IHostStack inner) : IHostStack
{
    public List<IHostDatagramSocket> Datagrams { get; } = [];

    public string Name => inner.Name;

    public NtStatus CreateStreamSocket(ushort family, IHostSocketEvents events, out IHostSocket? socket)
        => inner.CreateStreamSocket(family, events, out socket);

    public NtStatus CreateDatagramSocket(ushort family, IHostSocketEvents events, out IHostDatagramSocket? socket)
    {
        NtStatus status = inner.CreateDatagramSocket(family, events, out socket);
        if (socket is not null)
        {
            Datagrams.Add(socket);
        }

        return status;
    }
}
