using System.Runtime.InteropServices;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// A C client's registration: the WSK layer's <see cref="WskRegistration"/>, kept by handle in the C
/// <c>WSK_REGISTRATION</c>'s reserved context, and the <c>PWSK_CLIENT</c> that WskCaptureProviderNPI hands out (the
/// handle of this object, so a provider call finds its client in one step).
/// </summary>
internal sealed class NativeClient
{
    private static int s_registered;
    private GCHandle _handle;

    private NativeClient(WskRegistration registration)
    {
        Registration = registration;
        _handle = GCHandle.Alloc(this);
        Interlocked.Increment(ref s_registered);
    }

    /// <summary>Registrations not deregistered yet (the verifier reports them at unload).</summary>
    public static int Registered => Volatile.Read(ref s_registered);

    public WskRegistration Registration { get; }

    /// <summary>The provider NPI of the first capture (the same client for every capture).</summary>
    public WskProviderNpi? Npi { get; set; }

    /// <summary>This object's handle: the C registration's context and the C <c>PWSK_CLIENT</c>.</summary>
    public nint Handle => GCHandle.ToIntPtr(_handle);

    public static NativeClient Create(WskRegistration registration) => new(registration);

    /// <summary>The client behind a registration context or <c>PWSK_CLIENT</c>; null for 0.</summary>
    public static NativeClient? From(nint handle) => handle == 0 ? null : GCHandle.FromIntPtr(handle).Target as NativeClient;

    /// <summary>The WSK layer's client for a C <c>PWSK_CLIENT</c>.</summary>
    public static WskClient? Of(nint client) => From(client)?.Npi?.Client;

    public void Free()
    {
        _handle.Free();
        Interlocked.Decrement(ref s_registered);
    }
}
