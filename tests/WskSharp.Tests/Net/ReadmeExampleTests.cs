using System.Net;
using System.Runtime.CompilerServices;
using WskSharp.Lab;
using WskSharp.Net;

namespace WskSharp.Tests.Net;

/// <summary>
/// The README's "Use it from .NET" example is this test's body, between the README-BEGIN and README-END markers: one test
/// runs it against a Fast Open echo server in a namespace and checks what it prints; another checks that README.md holds
/// exactly that text. Runs alone: it redirects Console.Out.
/// </summary>
[Collection(nameof(ProcessWideCollection))]
public sealed class ReadmeExampleTests(NamespaceFixture fixture) : IClassFixture<NamespaceFixture>
{
    private const string Begin = "// README-BEGIN";
    private const string End = "// README-END";

    [Fact]
    public async Task The_README_example_runs_and_its_second_request_rides_in_the_SYN()
    {
        NetworkNamespace ns = fixture.Require();
        await using FastOpenEchoServer echo = FastOpenEchoServer.Start(IPAddress.Loopback, ns);
        ns.ForgetFastOpenCookies();
        string lab = ns.Name;
        IPEndPoint server = echo.EndPoint;
        var output = new StringWriter();
        TextWriter original = Console.Out;
        Console.SetOut(output);
        try
        {
#pragma warning disable xUnit1051 // The README's code, as a reader would write it: no test token.
            // README-BEGIN
            var options = new WskConnectOptions { NetworkNamespace = lab };  // null: this process's own namespace
            byte[] request = "GET /hello HTTP/1.0\r\n\r\n"u8.ToArray();
            for (int i = 1; i <= 2; i++)
            {
                // The initial data is WskConnectEx's buffer: once the kernel holds a Fast Open cookie, it rides in the SYN.
                await using WskConnection connection = await WskConnection.ConnectAsync(server, request, options);
                byte[] reply = new byte[4096];
                int n = await connection.ReceiveAsync(reply);
                Console.WriteLine($"{i}: {connection.FastOpen}; {n} B back");  // 2: SYN data 23 B, acknowledged; 23 B sent; 23 B back
            }
            // README-END
#pragma warning restore xUnit1051
        }
        finally
        {
            Console.SetOut(original);
        }

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("1: no cookie yet", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("2: SYN data 23 B, acknowledged; 23 B sent; ", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(" B back", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_README_holds_exactly_the_example_this_test_runs()
    {
        string example = ExampleRegion();
        Assert.Contains("WskConnection.ConnectAsync", example, StringComparison.Ordinal);
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        Assert.True(readme.Contains("## Use it from .NET", StringComparison.Ordinal), "README.md has no section \"## Use it from .NET\"");
        Assert.True(readme.Contains(example, StringComparison.Ordinal),
            $"README.md's \"Use it from .NET\" example differs from the code this test runs; put this in it:\n{example}");
    }

    /// <summary>The lines between the markers in this file, with their common indentation removed.</summary>
    private static string ExampleRegion([CallerFilePath] string path = "")
    {
        string[] lines = File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n');
        int begin = Array.FindIndex(lines, l => l.Trim() == Begin);
        int end = Array.FindIndex(lines, l => l.Trim() == End);
        Assert.True(begin >= 0 && end > begin, "the example's markers are missing");
        string[] body = lines[(begin + 1)..end];
        int indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    internal static string RepositoryRoot([CallerFilePath] string path = "")
    {
        for (string? dir = Path.GetDirectoryName(path); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "WskSharp.slnx")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException($"No WskSharp.slnx above {path}.");
    }
}
