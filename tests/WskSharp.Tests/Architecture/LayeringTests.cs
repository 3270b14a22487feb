using System.Text.RegularExpressions;

namespace WskSharp.Tests.Architecture;

/// <summary>
/// Arrows point down (ARCHITECTURE.md): Net -> Wsk -> Internal -> Transport -> Nt / Ws2, with FastOpen/ beside Internal/
/// (below Wsk/, on Transport/, Nt/ and Ws2/: a connect's Fast Open attempt asks the host socket for SYN data). Every source
/// file under a lower layer's folder may name only the layers listed for it; the WSK layer decodes WSK flags and adapts
/// events, so nothing under Internal/ or Transport/ names Wsk/ or Net/.
/// </summary>
public sealed partial class LayeringTests
{
    /// <summary>Each folder of src/WskSharp with the layers its files may name (itself included).</summary>
    public static TheoryData<string, string[]> Rules => new()
    {
        { "Nt", ["Nt"] },
        { "Ws2", ["Ws2", "Nt"] },
        { "FastOpen", ["FastOpen", "Transport", "Ws2", "Nt"] },
        { "Transport", ["Transport", "Ws2", "Nt"] },
        { "Internal", ["Internal", "FastOpen", "Transport", "Ws2", "Nt"] },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void A_layer_names_only_the_layers_below_it(string folder, string[] allowed)
    {
        string root = Path.Combine(Net.ReadmeExampleTests.RepositoryRoot(), "src", "WskSharp", folder);
        string[] files = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var violations = new List<string>();
        foreach (string file in files)
        {
            foreach ((string layer, int line) in SourceReferences.Find(File.ReadAllText(file)))
            {
                if (!allowed.Contains(layer))
                {
                    violations.Add($"{Path.GetRelativePath(root, file)}:{line} names WskSharp.{layer}");
                }
            }
        }

        Assert.True(violations.Count == 0,
            $"{folder}/ may name only {string.Join(", ", allowed)}; it names more:\n  " + string.Join("\n  ", violations));
    }

    [Fact]
    public void Only_the_transport_names_a_host_stack()
    {
        // The default stack is chosen by Transport/HostStacks; above the transport, only the IHostStack contract is seen.
        string root = Path.Combine(Net.ReadmeExampleTests.RepositoryRoot(), "src", "WskSharp");
        string transport = Path.Combine(root, "Transport") + Path.DirectorySeparatorChar;
        var violations = new List<string>();
        foreach (string file in Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            if (file.StartsWith(transport, StringComparison.Ordinal) || file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (ConcreteStack().IsMatch(lines[i]))
                {
                    violations.Add($"{Path.GetRelativePath(root, file)}:{i + 1}");
                }
            }
        }

        Assert.True(violations.Count == 0, "Only Transport/ may name a concrete host stack:\n  " + string.Join("\n  ", violations));
    }

    [Fact]
    public void Every_way_of_naming_a_layer_is_found()
    {
        const string source = """
            using System.Net;
            using WskSharp.Wsk;
            using static WskSharp.Net.WskException;
            using Alias = global::WskSharp.DependencyInjection.WskOptions;

            namespace WskSharp.Internal;

            /// <summary>See <see cref="Wsk.WskProvider"/>.</summary>
            internal sealed class Planted
            {
                private uint _flags = Wsk.WskConstants.WSK_FLAG_DRAIN;
                private WskSharp.FastOpen.WskFastOpenReport _report;
            }
            """;

        List<(string Layer, int Line)> found = SourceReferences.Find(source);

        Assert.Equal([("Wsk", 2), ("Net", 3), ("DependencyInjection", 4), ("Internal", 6), ("Wsk", 11), ("FastOpen", 12), ("Wsk", 8)], found);
    }

    [Fact]
    public void Comments_strings_and_other_namespaces_are_not_references()
    {
        const string source = """"
            using System.Net.Sockets;
            using Microsoft.Extensions.Logging;

            namespace WskSharp.Transport;

            // The WSK layer (WskSharp.Wsk.WskProvider) decodes the flags.
            /* WskSharp.Net.WskConnection is above. */
            internal sealed class Clean
            {
                private readonly string _a = "WskSharp.Wsk.WskSocket";
                private readonly string _b = @"Net.WskConnection ""Wsk.X""";
                private readonly string _c = $"{nameof(Clean)} Wsk.Y";
                private readonly char _d = '"';
                private object? _socket;
                private object? Net => _socket;
                private object? Wsk() => _socket.Transport;
            }
            """";

        Assert.Equal([("Transport", 4)], SourceReferences.Find(source));
    }

    [GeneratedRegex(@"\bTransport\.(Linux|Simulated)\b|\b(Linux|Simulated)Host(Stack|Socket)\b|\bEpollLoop\b")]
    private static partial Regex ConcreteStack();
}
