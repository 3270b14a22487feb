namespace WskSharp.Wsk;

/// <summary>
/// <c>WSK_INSPECT_ID { ULONG_PTR Key; ULONG SerialNumber; }</c>: identifies one connection request on a conditional
/// listener, from WskInspectEvent until WskInspectComplete decides it or WskAbortEvent reports it dropped. A client that
/// pends keeps a copy of it (a value here, as the C client copies the structure).
/// </summary>
/// <param name="Key">The listener's part.</param>
/// <param name="SerialNumber">The request's part.</param>
public readonly record struct WskInspectId(nuint Key, uint SerialNumber);
