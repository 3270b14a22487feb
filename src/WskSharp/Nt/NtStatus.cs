using System.Diagnostics;

namespace WskSharp.Nt;

/// <summary>
/// An NTSTATUS value: the 32-bit result of every WSK call and the <c>Status</c> of every completed IRP.
/// The named values are those of <c>ntstatus.h</c>; any other 32-bit value can be held too.
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public readonly struct NtStatus : IEquatable<NtStatus>
{
    /// <summary>The raw 32-bit value, as <c>ntstatus.h</c> defines it.</summary>
    public uint Value { get; }

    /// <summary>Wraps a raw NTSTATUS value.</summary>
    public NtStatus(uint value) => Value = value;

    /// <summary><c>NT_SUCCESS</c>: true for success and informational values (severity 0 or 1).</summary>
    public bool IsSuccess => (int)Value >= 0;

    /// <summary>True for warning values (severity 2), such as <see cref="BufferOverflow"/>.</summary>
    public bool IsWarning => Value >> 30 == 2;

    /// <summary>True for error values (severity 3).</summary>
    public bool IsError => Value >> 30 == 3;

#pragma warning disable CS1591 // The names are the documentation: each is the ntstatus.h constant of the same name.
    public static readonly NtStatus Success = new(0x00000000);
    public static readonly NtStatus Pending = new(0x00000103);
    public static readonly NtStatus EventPending = new(0x40000013);
    public static readonly NtStatus BufferOverflow = new(0x80000005);
    public static readonly NtStatus Unsuccessful = new(0xC0000001);
    public static readonly NtStatus NotImplemented = new(0xC0000002);
    public static readonly NtStatus InvalidHandle = new(0xC0000008);
    public static readonly NtStatus InvalidParameter = new(0xC000000D);
    public static readonly NtStatus InvalidDeviceRequest = new(0xC0000010);
    public static readonly NtStatus MoreProcessingRequired = new(0xC0000016);
    public static readonly NtStatus NoMemory = new(0xC0000017);
    public static readonly NtStatus AccessDenied = new(0xC0000022);
    public static readonly NtStatus ObjectTypeMismatch = new(0xC0000024);
    public static readonly NtStatus BufferTooSmall = new(0xC0000023);
    public static readonly NtStatus DeviceNotReady = new(0xC00000A3);
    public static readonly NtStatus InsufficientResources = new(0xC000009A);
    public static readonly NtStatus IoTimeout = new(0xC00000B5);
    public static readonly NtStatus InternalError = new(0xC00000E5);
    public static readonly NtStatus FileForcedClosed = new(0xC00000B6);
    public static readonly NtStatus RequestNotAccepted = new(0xC00000D0);
    public static readonly NtStatus NotSupported = new(0xC00000BB);
    public static readonly NtStatus TooManyOpenedFiles = new(0xC000011F);
    public static readonly NtStatus Cancelled = new(0xC0000120);
    public static readonly NtStatus InvalidAddress = new(0xC0000141);
    public static readonly NtStatus InvalidDeviceState = new(0xC0000184);
    public static readonly NtStatus InvalidAddressComponent = new(0xC0000207);
    public static readonly NtStatus AddressAlreadyExists = new(0xC000020A);
    public static readonly NtStatus ConnectionDisconnected = new(0xC000020C);
    public static readonly NtStatus ConnectionReset = new(0xC000020D);
    public static readonly NtStatus DataNotAccepted = new(0xC000021B);
    public static readonly NtStatus ConnectionRefused = new(0xC0000236);
    public static readonly NtStatus AddressAlreadyAssociated = new(0xC0000238);
    public static readonly NtStatus ConnectionActive = new(0xC000023B);
    public static readonly NtStatus NetworkUnreachable = new(0xC000023C);
    public static readonly NtStatus HostUnreachable = new(0xC000023D);
    public static readonly NtStatus ConnectionAborted = new(0xC0000241);
    public static readonly NtStatus NoInterface = new(0xC00002B9);
    public static readonly NtStatus NotFound = new(0xC0000225);
    public static readonly NtStatus PortUnreachable = new(0xC000023F);
#pragma warning restore CS1591

    /// <summary>The <c>ntstatus.h</c> name (<c>STATUS_…</c>), or null for a value without one here.</summary>
    public string? Name => Value switch
    {
        0x00000000 => "STATUS_SUCCESS",
        0x00000103 => "STATUS_PENDING",
        0x40000013 => "STATUS_EVENT_PENDING",
        0x80000005 => "STATUS_BUFFER_OVERFLOW",
        0xC0000001 => "STATUS_UNSUCCESSFUL",
        0xC0000002 => "STATUS_NOT_IMPLEMENTED",
        0xC0000008 => "STATUS_INVALID_HANDLE",
        0xC000000D => "STATUS_INVALID_PARAMETER",
        0xC0000010 => "STATUS_INVALID_DEVICE_REQUEST",
        0xC0000016 => "STATUS_MORE_PROCESSING_REQUIRED",
        0xC0000017 => "STATUS_NO_MEMORY",
        0xC0000022 => "STATUS_ACCESS_DENIED",
        0xC0000024 => "STATUS_OBJECT_TYPE_MISMATCH",
        0xC0000023 => "STATUS_BUFFER_TOO_SMALL",
        0xC000009A => "STATUS_INSUFFICIENT_RESOURCES",
        0xC00000A3 => "STATUS_DEVICE_NOT_READY",
        0xC00000B5 => "STATUS_IO_TIMEOUT",
        0xC00000B6 => "STATUS_FILE_FORCED_CLOSED",
        0xC00000BB => "STATUS_NOT_SUPPORTED",
        0xC00000E5 => "STATUS_INTERNAL_ERROR",
        0xC00000D0 => "STATUS_REQUEST_NOT_ACCEPTED",
        0xC000011F => "STATUS_TOO_MANY_OPENED_FILES",
        0xC0000120 => "STATUS_CANCELLED",
        0xC0000141 => "STATUS_INVALID_ADDRESS",
        0xC0000184 => "STATUS_INVALID_DEVICE_STATE",
        0xC0000207 => "STATUS_INVALID_ADDRESS_COMPONENT",
        0xC000020A => "STATUS_ADDRESS_ALREADY_EXISTS",
        0xC000020C => "STATUS_CONNECTION_DISCONNECTED",
        0xC000020D => "STATUS_CONNECTION_RESET",
        0xC000021B => "STATUS_DATA_NOT_ACCEPTED",
        0xC0000236 => "STATUS_CONNECTION_REFUSED",
        0xC0000238 => "STATUS_ADDRESS_ALREADY_ASSOCIATED",
        0xC000023B => "STATUS_CONNECTION_ACTIVE",
        0xC000023C => "STATUS_NETWORK_UNREACHABLE",
        0xC000023D => "STATUS_HOST_UNREACHABLE",
        0xC0000241 => "STATUS_CONNECTION_ABORTED",
        0xC00002B9 => "STATUS_NOINTERFACE",
        0xC0000225 => "STATUS_NOT_FOUND",
        0xC000023F => "STATUS_PORT_UNREACHABLE",
        _ => null,
    };

    /// <summary>The name and the hex value, e.g. <c>STATUS_BUFFER_OVERFLOW (0x80000005)</c>.</summary>
    public override string ToString() => Name is { } name ? $"{name} (0x{Value:X8})" : $"0x{Value:X8}";

    /// <inheritdoc/>
    public bool Equals(NtStatus other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NtStatus other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Value;

    /// <summary>Equality of the raw values.</summary>
    public static bool operator ==(NtStatus left, NtStatus right) => left.Value == right.Value;

    /// <summary>Inequality of the raw values.</summary>
    public static bool operator !=(NtStatus left, NtStatus right) => left.Value != right.Value;
}
