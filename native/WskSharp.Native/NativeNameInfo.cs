using System.Runtime.CompilerServices;
using WskSharp.Nt;

namespace WskSharp.Native;

/// <summary>
/// A WskGetNameInfo request of the C face: the boxes the WSK layer fills and the client's <c>UNICODE_STRING</c>s. When the
/// request completes (before the driver's routine runs), each name asked for is copied into its string's Buffer with a
/// terminating NUL and Length set (in bytes, without the NUL), as Windows fills a caller's UNICODE_STRING. A name that
/// does not fit MaximumLength (NUL included), or a string with no buffer, fails the request with STATUS_BUFFER_TOO_SMALL
/// and Length 0, and nothing is written.
/// </summary>
internal sealed unsafe class NativeNameInfo
{
    private readonly CUnicodeString* _nodeOut;
    private readonly CUnicodeString* _serviceOut;

    public NativeNameInfo(CUnicodeString* nodeOut, CUnicodeString* serviceOut)
    {
        _nodeOut = nodeOut;
        _serviceOut = serviceOut;
        Node = nodeOut is null ? null : new StrongBox<string?>();
        Service = serviceOut is null ? null : new StrongBox<string?>();
    }

    /// <summary>What the WSK layer fills: null when the client asked for no host name.</summary>
    public StrongBox<string?>? Node { get; }

    /// <summary>What the WSK layer fills: null when the client asked for no service name.</summary>
    public StrongBox<string?>? Service { get; }

    /// <summary>Completion: the names into the client's strings; the request's status, or STATUS_BUFFER_TOO_SMALL.</summary>
    public static NtStatus WriteResult(NativeIrp request, NtStatus status)
    {
        var self = (NativeNameInfo)request.ResultState!;
        if (!status.IsSuccess)
        {
            return status;
        }

        if (!Fits(self._nodeOut, self.Node) || !Fits(self._serviceOut, self.Service))
        {
            Clear(self._nodeOut);
            Clear(self._serviceOut);
            return NtStatus.BufferTooSmall;
        }

        Copy(self._nodeOut, self.Node);
        Copy(self._serviceOut, self.Service);
        return status;
    }

    private static bool Fits(CUnicodeString* target, StrongBox<string?>? name)
        => target is null || (target->Buffer is not null && ((name?.Value?.Length ?? 0) + 1) * 2 <= target->MaximumLength);

    private static void Clear(CUnicodeString* target)
    {
        if (target is not null)
        {
            target->Length = 0;
        }
    }

    private static void Copy(CUnicodeString* target, StrongBox<string?>? name)
    {
        if (target is null)
        {
            return;
        }

        string value = name?.Value ?? string.Empty;
        value.AsSpan().CopyTo(new Span<char>(target->Buffer, value.Length));
        target->Buffer[value.Length] = '\0';
        target->Length = (ushort)(value.Length * 2);
    }
}
