namespace WskSharp.Internal;

/// <summary>
/// Request kinds the engine keeps in <see cref="Nt.IrpStackLocation.MajorFunction"/> (stored there as an int, because
/// Nt/ names nothing above it).
/// </summary>
internal enum IrpFunction
{
    None = 0,
    Connect = 1,
    Send = 2,
    Receive = 3,
    Disconnect = 4,
    Accept = 5,
}
