using SharpFuzz;
using WskSharp.Fuzz;

// WskSharp.Fuzz <target>                  under afl-fuzz (persistent mode; see fuzz/run.sh); without afl, one input from stdin
// WskSharp.Fuzz <target> <file|dir>...    runs the inputs directly, printing any contract violation (reproduces a crash)
// WskSharp.Fuzz seeds <corpus-dir>        writes each target's seeds to <corpus-dir>/<target>/
IFuzzTarget[] targets = [new SockAddrTarget(), new WskBufTarget(), new ControlSocketTarget()];
string usage = $"usage: WskSharp.Fuzz <{string.Join('|', targets.Select(t => t.Name))}> [file|dir ...] | seeds <corpus-dir>";

if (args.Length == 2 && args[0] == "seeds")
{
    foreach (IFuzzTarget seeded in targets)
    {
        string directory = Path.Combine(args[1], seeded.Name);
        Directory.CreateDirectory(directory);
        foreach ((string name, byte[] data) in seeded.Seeds())
        {
            File.WriteAllBytes(Path.Combine(directory, name), data);
        }

        Console.WriteLine($"{seeded.Name}: {seeded.Seeds().Count()} seeds in {directory}");
    }

    return 0;
}

IFuzzTarget? target = args.Length >= 1 ? targets.FirstOrDefault(t => t.Name == args[0]) : null;
if (target is null)
{
    Console.Error.WriteLine(usage);
    return 2;
}

if (args.Length == 1)
{
    byte[] buffer = new byte[1 << 16];
    Fuzzer.Run(stream =>
    {
        int length = 0, read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }

        target.Run(buffer.AsSpan(0, length));
    });
    return 0;
}

int failures = 0, runs = 0;
foreach (string file in args.Skip(1).SelectMany(a => Directory.Exists(a) ? Directory.EnumerateFiles(a, "*", SearchOption.AllDirectories) : [a]).Order(StringComparer.Ordinal))
{
    if (Path.GetFileName(file) == "README.txt")
    {
        continue; // afl's note in a crashes folder.
    }

    runs++;
    try
    {
        target.Run(File.ReadAllBytes(file));
    }
#pragma warning disable CA1031 // Any exception is the finding being reproduced: report it and go on.
    catch (Exception ex)
#pragma warning restore CA1031
    {
        failures++;
        Console.WriteLine($"CRASH {file}:{Environment.NewLine}{ex}");
    }
}

(target as IDisposable)?.Dispose();
Console.WriteLine($"{target.Name}: {runs} inputs, {failures} crashes");
return failures == 0 ? 0 : 1;
