using WskSharp.Nt;

namespace WskSharp.Tests.Nt;

public class NtStatusTests
{
    public static TheoryData<string, uint> ReferenceValues => new()
    {
        { "STATUS_SUCCESS", 0x00000000 }, { "STATUS_PENDING", 0x00000103 }, { "STATUS_BUFFER_OVERFLOW", 0x80000005 },
        { "STATUS_UNSUCCESSFUL", 0xC0000001 }, { "STATUS_NOT_IMPLEMENTED", 0xC0000002 }, { "STATUS_INVALID_HANDLE", 0xC0000008 },
        { "STATUS_INVALID_PARAMETER", 0xC000000D }, { "STATUS_INVALID_DEVICE_REQUEST", 0xC0000010 },
        { "STATUS_MORE_PROCESSING_REQUIRED", 0xC0000016 }, { "STATUS_NO_MEMORY", 0xC0000017 }, { "STATUS_ACCESS_DENIED", 0xC0000022 }, { "STATUS_OBJECT_TYPE_MISMATCH", 0xC0000024 }, { "STATUS_INTERNAL_ERROR", 0xC00000E5 },
        { "STATUS_BUFFER_TOO_SMALL", 0xC0000023 }, { "STATUS_INSUFFICIENT_RESOURCES", 0xC000009A }, { "STATUS_IO_TIMEOUT", 0xC00000B5 },
        { "STATUS_FILE_FORCED_CLOSED", 0xC00000B6 }, { "STATUS_NOT_SUPPORTED", 0xC00000BB }, { "STATUS_CANCELLED", 0xC0000120 },
        { "STATUS_INVALID_ADDRESS", 0xC0000141 }, { "STATUS_INVALID_DEVICE_STATE", 0xC0000184 },
        { "STATUS_CONNECTION_DISCONNECTED", 0xC000020C }, { "STATUS_CONNECTION_RESET", 0xC000020D },
        { "STATUS_DATA_NOT_ACCEPTED", 0xC000021B }, { "STATUS_CONNECTION_REFUSED", 0xC0000236 },
        { "STATUS_ADDRESS_ALREADY_ASSOCIATED", 0xC0000238 }, { "STATUS_NETWORK_UNREACHABLE", 0xC000023C },
        { "STATUS_HOST_UNREACHABLE", 0xC000023D }, { "STATUS_CONNECTION_ABORTED", 0xC0000241 },
        { "STATUS_ADDRESS_ALREADY_EXISTS", 0xC000020A }, { "STATUS_CONNECTION_ACTIVE", 0xC000023B },
        { "STATUS_INVALID_ADDRESS_COMPONENT", 0xC0000207 }, { "STATUS_TOO_MANY_OPENED_FILES", 0xC000011F },
    };

    [Theory]
    [MemberData(nameof(ReferenceValues))]
    public void Every_reference_value_has_its_ntstatus_h_name(string name, uint value)
    {
        var status = new NtStatus(value);
        Assert.Equal(name, status.Name);
        Assert.Equal($"{name} (0x{value:X8})", status.ToString());
    }

    [Theory]
    [MemberData(nameof(ReferenceValues))]
    public void Named_members_hold_the_reference_values(string name, uint value)
    {
        // STATUS_FILE_FORCED_CLOSED -> FileForcedClosed, and so on.
        string member = string.Concat(name["STATUS_".Length..].Split('_').Select(w => w[0] + w[1..].ToLowerInvariant()));
        var field = typeof(NtStatus).GetField(member);
        Assert.NotNull(field);
        Assert.Equal(value, ((NtStatus)field.GetValue(null)!).Value);
    }

    [Fact]
    public void Severity_follows_NT_SUCCESS()
    {
        Assert.True(NtStatus.Success.IsSuccess);
        Assert.True(NtStatus.Pending.IsSuccess);
        Assert.False(NtStatus.BufferOverflow.IsSuccess);
        Assert.True(NtStatus.BufferOverflow.IsWarning);
        Assert.True(NtStatus.InvalidParameter.IsError);
        Assert.False(NtStatus.InvalidParameter.IsSuccess);
    }

    [Fact]
    public void An_unnamed_value_prints_as_hex()
    {
        Assert.Null(new NtStatus(0xC0001234).Name);
        Assert.Equal("0xC0001234", new NtStatus(0xC0001234).ToString());
    }
}
