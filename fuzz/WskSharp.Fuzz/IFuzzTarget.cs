namespace WskSharp.Fuzz;

/// <summary>One input of WskSharp to fuzz: how afl's bytes become a call, and the seeds of its corpus.</summary>
internal interface IFuzzTarget
{
    /// <summary>The name on the command line and of the corpus folder (<c>fuzz/corpus/&lt;name&gt;</c>).</summary>
    string Name { get; }

    /// <summary>Decodes <paramref name="data"/> into a call, makes it and checks the contract; throws on any violation.</summary>
    void Run(ReadOnlySpan<byte> data);

    /// <summary>Meaningful starting inputs, by file name.</summary>
    IEnumerable<(string Name, byte[] Data)> Seeds();
}
