using WskSharp.Nt;
using WskSharp.Wsk;
using System.Runtime.InteropServices;

namespace WskSharp.Native;

/// <summary><c>WskRegister</c>, <c>WskCaptureProviderNPI</c>, <c>WskReleaseProviderNPI</c>, <c>WskDeregister</c>: the C entry
/// points of the WSK layer's registration functions.</summary>
internal static unsafe class RegistrationExports
{
    private static readonly WskProviderOptions Options = new() { LoggerFactory = DbgPrintLoggerFactory.Instance };

    [UnmanagedCallersOnly(EntryPoint = "WskRegister")]
    public static int WskRegister(CClientNpi* clientNpi, CRegistration* registration)
    {
        if (clientNpi is null || clientNpi->Dispatch is null || registration is null)
        {
            return (int)NtStatus.InvalidParameter.Value;
        }

        // The C provider-level event callback (WskClientEvent) is not called: WskSharp raises no provider-level events.
        var dispatch = new WskClientDispatch(clientNpi->Dispatch->Version, clientNpi->Dispatch->Reserved);
        // The registration logs through DbgPrintEx (DbgPrintLoggerFactory): what the WSK layer reports reaches the driver's output.
        NtStatus status = WskApi.WskRegister(new WskClientNpi(clientNpi->ClientContext, dispatch), Options, out WskRegistration? managed);
        if (status.IsSuccess)
        {
            CShim.HeldRegister();
            registration->ReservedRegistrationState = 1;
            registration->ReservedRegistrationContext = NativeClient.Create(managed!).Handle;
        }

        return (int)status.Value;
    }

    [UnmanagedCallersOnly(EntryPoint = "WskCaptureProviderNPI")]
    public static int WskCaptureProviderNPI(CRegistration* registration, uint waitTimeout, CProviderNpi* providerNpi)
    {
        NativeClient? client = registration is null ? null : NativeClient.From(registration->ReservedRegistrationContext);
        if (client is null || providerNpi is null)
        {
            return (int)NtStatus.InvalidParameter.Value;
        }

        NtStatus status = WskApi.WskCaptureProviderNPI(client.Registration, waitTimeout, out WskProviderNpi? npi);
        if (status.IsSuccess)
        {
            client.Npi ??= npi;
            providerNpi->Client = client.Handle;
            providerNpi->Dispatch = DispatchTables.Provider;
        }

        return (int)status.Value;
    }

    [UnmanagedCallersOnly(EntryPoint = "WskReleaseProviderNPI")]
    public static void WskReleaseProviderNPI(CRegistration* registration)
    {
        if (registration is not null && NativeClient.From(registration->ReservedRegistrationContext) is { } client)
        {
            WskApi.WskReleaseProviderNPI(client.Registration);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "WskDeregister")]
    public static void WskDeregister(CRegistration* registration)
    {
        if (registration is null || NativeClient.From(registration->ReservedRegistrationContext) is not { } client)
        {
            return;
        }

        WskApi.WskDeregister(client.Registration); // Waits for every capture released and every socket closed, as on Windows.
        registration->ReservedRegistrationContext = 0;
        registration->ReservedRegistrationState = 0;
        client.Free();
    }

    [UnmanagedCallersOnly(EntryPoint = "WskQueryProviderCharacteristics")]
    public static int WskQueryProviderCharacteristics(CRegistration* registration, ushort* characteristics)
    {
        if (registration is null || characteristics is null || NativeClient.From(registration->ReservedRegistrationContext) is null)
        {
            return (int)NtStatus.InvalidParameter.Value;
        }

        characteristics[0] = WskConstants.WSK_V1_0; // HighestVersion
        characteristics[1] = WskConstants.WSK_V1_0; // LowestVersion
        return (int)NtStatus.Success.Value;
    }
}
