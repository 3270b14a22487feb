namespace WskSharp.Internal;

/// <summary>Request kinds kept in <see cref="Nt.IrpStackLocation.MajorFunction"/>.</summary>
internal static class IrpFunction
{
    public const int Connect = 1;
    public const int Send = 2;
    public const int Receive = 3;
    public const int Disconnect = 4;
    public const int Accept = 5;
}
