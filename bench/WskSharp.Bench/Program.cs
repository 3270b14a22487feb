namespace WskSharp.Bench;

internal static class Program
{
    public static int Main(string[] args)
    {
        var o = new Options(args);
        string verb = o.Positional.Count > 0 ? o.Positional[0] : "run";
        try
        {
            return verb switch
            {
                "worker" => Worker.Run(o),
                "run" => Orchestrator.Run(o),
                "mdlchain" => MdlChainBench.Run(o),
                _ => Usage(),
            };
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"WskSharp.Bench: {ex.Message}");
            return 2;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: WskSharp.Bench run [--quick|--full] --lab NAME [--phases p1,blackhole,blackhole-proc,p2,p2-loops,churn,p3,p5,p4,udp] [--results DIR] [--native DIR]");
        Console.Error.WriteLine("       WskSharp.Bench worker conn|bulk|alloc|p4|udp ... (started by run)");
        Console.Error.WriteLine("       WskSharp.Bench mdlchain [--count 65536] [--rounds 5]   (a send and a receive over one-byte MDLs, loopback)");
        return 2;
    }
}
