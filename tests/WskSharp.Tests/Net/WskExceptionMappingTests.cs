using System.Net.Sockets;
using WskSharp.Net;
using WskSharp.Nt;

namespace WskSharp.Tests.Net;

/// <summary>The one NTSTATUS → exception table of the .NET face.</summary>
public sealed class WskExceptionMappingTests
{
    public static TheoryData<uint, SocketError> Mapped => new()
    {
        { NtStatus.ConnectionRefused.Value, SocketError.ConnectionRefused },
        { NtStatus.ConnectionReset.Value, SocketError.ConnectionReset },
        { NtStatus.ConnectionAborted.Value, SocketError.ConnectionAborted },
        { NtStatus.ConnectionDisconnected.Value, SocketError.Shutdown },
        { NtStatus.IoTimeout.Value, SocketError.TimedOut },
        { NtStatus.NetworkUnreachable.Value, SocketError.NetworkUnreachable },
        { NtStatus.HostUnreachable.Value, SocketError.HostUnreachable },
        { NtStatus.AddressAlreadyAssociated.Value, SocketError.AddressAlreadyInUse },
        { NtStatus.InvalidAddress.Value, SocketError.AddressNotAvailable },
        { NtStatus.ConnectionActive.Value, SocketError.IsConnected },
        { NtStatus.InvalidDeviceState.Value, SocketError.NotConnected },
        { NtStatus.Cancelled.Value, SocketError.OperationAborted },
        { NtStatus.InsufficientResources.Value, SocketError.NoBufferSpaceAvailable },
        { NtStatus.TooManyOpenedFiles.Value, SocketError.TooManyOpenSockets },
        { NtStatus.AccessDenied.Value, SocketError.AccessDenied },
        { NtStatus.InvalidParameter.Value, SocketError.InvalidArgument },
        { NtStatus.BufferOverflow.Value, SocketError.MessageSize },
        { NtStatus.NotSupported.Value, SocketError.OperationNotSupported },
        { 0xC0FFEE01, SocketError.SocketError },
    };

    [Theory]
    [MemberData(nameof(Mapped))]
    public void Each_status_maps_to_the_SocketError_NET_reports_for_the_same_failure(uint value, SocketError expected)
    {
        var status = new NtStatus(value);
        var ex = new WskException(status, "WskSend");
        Assert.Equal(status, ex.Status);
        Assert.Equal(expected, ex.SocketErrorCode);
        Assert.Equal("WskSend", ex.Call);
        Assert.StartsWith("WskSend failed: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"0x{value:X8}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(unchecked((int)(0x10000000 | value)), ex.HResult);
        SocketException asSocketException = ex; // code that catches SocketException sees it, with the same SocketError
        Assert.Equal(expected, asSocketException.SocketErrorCode);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public void A_WskException_is_a_SocketException_with_the_Linux_error_number_as_NativeErrorCode()
    {
        var ex = new WskException(NtStatus.ConnectionRefused, "WskConnectEx");
        Assert.IsType<SocketException>(ex, exactMatch: false);
        Assert.Equal(111, ex.NativeErrorCode); // ECONNREFUSED, what .NET's Socket reports for the same failure on Linux
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
        Assert.Equal(new SocketException((int)SocketError.ConnectionRefused).NativeErrorCode, ex.NativeErrorCode);
    }

    [Fact]
    public void Every_named_error_status_has_its_own_words()
    {
        foreach (System.Reflection.FieldInfo field in typeof(NtStatus).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            var status = (NtStatus)field.GetValue(null)!;
            if (status.IsError || status.IsWarning)
            {
                (SocketError error, string meaning) = WskStatusMapping.Describe(status);
                Assert.True(meaning != "it failed" || status == NtStatus.Unsuccessful || status == NtStatus.MoreProcessingRequired
                    || status == NtStatus.DataNotAccepted || status == NtStatus.RequestNotAccepted || status == NtStatus.NoInterface,
                    $"{status} has no description of its own ({error})");
            }
        }
    }

    [Fact]
    public void A_cancellation_by_the_caller_s_token_is_an_OperationCanceledException_otherwise_a_WskException()
    {
        using var cts = new CancellationTokenSource();
        Assert.IsType<WskException>(WskStatusMapping.ToException(NtStatus.Cancelled, "WskReceive", null, cts.Token));
        cts.Cancel();
        var oce = Assert.IsType<OperationCanceledException>(WskStatusMapping.ToException(NtStatus.Cancelled, "WskReceive", null, cts.Token));
        Assert.Equal(cts.Token, oce.CancellationToken);
        Assert.IsType<WskException>(WskStatusMapping.ToException(NtStatus.ConnectionReset, "WskReceive", null, cts.Token));
    }

    [Fact]
    public void A_closed_socket_is_an_ObjectDisposedException_in_the_NET_face()
    {
        var ex = Assert.IsType<ObjectDisposedException>(WskStatusMapping.ToException(NtStatus.InvalidHandle, "WskSend", null, TestContext.Current.CancellationToken));
        Assert.Contains("STATUS_INVALID_HANDLE", ex.Message, StringComparison.Ordinal);
    }
}
