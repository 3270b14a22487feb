namespace WskSharp.Tests.PublicApi;

/// <summary>
/// The two apps <see cref="PackageConsumerTests"/> makes as a new user would (<c>dotnet new console</c>, <c>dotnet new web</c>,
/// then <c>dotnet add package</c>): their project files and sources, written into a folder outside the repository.
/// </summary>
internal static class ConsumerApps
{
    /// <summary>Writes both apps and a solution of the two under <paramref name="folder"/>; returns the solution's path.</summary>
    public static string Write(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "console"));
        Directory.CreateDirectory(Path.Combine(folder, "web"));
        File.WriteAllText(Path.Combine(folder, "console", "console.csproj"), ConsoleProject);
        File.WriteAllText(Path.Combine(folder, "console", "Program.cs"), ConsoleProgram);
        File.WriteAllText(Path.Combine(folder, "console", "Unguarded.cs"), ConsoleUnguarded);
        File.WriteAllText(Path.Combine(folder, "web", "web.csproj"), WebProject);
        File.WriteAllText(Path.Combine(folder, "web", "Program.cs"), WebProgram);
        string solution = Path.Combine(folder, "consumers.slnx");
        File.WriteAllText(solution, """
            <Solution>
              <Project Path="console/console.csproj" />
              <Project Path="web/web.csproj" />
            </Solution>
            """);
        return solution;
    }

    /// <summary><c>dotnet new console</c> with <c>dotnet add package WskSharp</c>: a project that may run anywhere (net10.0,
    /// no platform of its own), so a call into WskSharp with no Linux guard gets CA1416.</summary>
    private const string ConsoleProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="WskSharp" Version="0.1.0" />
          </ItemGroup>
        </Project>
        """;

    private const string ConsoleProgram = """
        using System.Net;
        using System.Net.Sockets;
        using System.Text;
        using WskSharp.Net;

        // The guard the package README names: past it, the platform analyzer knows this runs on Linux (no CA1416 here).
        if (!OperatingSystem.IsLinux())
        {
            Console.WriteLine("WskSharp runs on Linux only");
            return 1;
        }

        // A refused connect, caught as the SocketException it is (code written for .NET's sockets keeps working).
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // bound, not listening: a connect there is refused
        try
        {
            await using WskConnection refused = await WskConnection.ConnectAsync(bound.LocalEndPoint!, "x"u8.ToArray());
            Console.WriteLine("refused: no exception");
            return 1;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            Console.WriteLine($"refused: caught SocketException {ex.SocketErrorCode} ({ex.GetType().Name}, {(ex as WskException)?.Status.Name})");
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task echo = EchoOnce(listener);
        await using (WskConnection connection = await WskConnection.ConnectAsync(listener.LocalEndpoint, "hello"u8.ToArray()))
        {
            byte[] reply = new byte[5];
            int n = await connection.ReceiveAsync(reply);
            Console.WriteLine($"echo: {Encoding.ASCII.GetString(reply, 0, n)}");
        }

        await echo;
        Console.WriteLine($"unguarded: {Unguarded.DefaultProviderOpenCount()}");
        return 0;

        static async Task EchoOnce(TcpListener listener)
        {
            using Socket peer = await listener.AcceptSocketAsync();
            byte[] buffer = new byte[64];
            int n = await peer.ReceiveAsync(buffer);
            await peer.SendAsync(buffer.AsMemory(0, n));
        }
        """;

    /// <summary>A call with no guard in a project that may run anywhere: the platform analyzer's CA1416 is expected here.</summary>
    private const string ConsoleUnguarded = """
        internal static class Unguarded
        {
            public static int DefaultProviderOpenCount() => WskSharp.Net.WskNetProvider.Default.OpenCount;
        }
        """;

    /// <summary><c>dotnet new web</c> with <c>dotnet add package WskSharp.AspNetCore</c>.</summary>
    private const string WebProject = """
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="WskSharp.AspNetCore" Version="0.1.0" />
          </ItemGroup>
        </Project>
        """;

    private const string WebProgram = """
        using Microsoft.Extensions.Options;
        using WskSharp.AspNetCore;
        using WskSharp.DependencyInjection;
        using WskSharp.FastOpen;
        using WskSharp.Net;

        [assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")] // the package README's other way: the whole app is Linux-only

        int failures = 0;
        void Check(string what, bool ok)
        {
            Console.WriteLine($"{(ok ? "ok" : "FAILED")}: {what}");
            failures += ok ? 0 : 1;
        }

        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Services.AddWsk(o => o.FastOpenMode = WskFastOpenMode.Always);
        builder.Services.AddHttpClient("api").UseWskConnectEx();
        builder.WebHost.UseWskFastOpen();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/", (HttpContext c) => $"SYN data accepted: {c.SynDataAccepted()}");
        await app.StartAsync();

        WskNetProvider provider = app.Services.GetRequiredService<WskNetProvider>();
        Check("one WskNetProvider per container", ReferenceEquals(provider, app.Services.GetRequiredService<WskNetProvider>()));
        Check("options through IOptions<WskOptions>", provider.Options.FastOpenMode == WskFastOpenMode.Always
            && app.Services.GetRequiredService<IOptions<WskOptions>>().Value.FastOpenMode == WskFastOpenMode.Always);
        Check("the container's ILoggerFactory", ReferenceEquals(provider.Options.LoggerFactory, app.Services.GetRequiredService<ILoggerFactory>()));

        var kestrelOnly = WebApplication.CreateBuilder();
        kestrelOnly.WebHost.UseWskFastOpen();
        Check("Kestrel's UseWskFastOpen adds the provider", kestrelOnly.Services.Count(d => d.ServiceType == typeof(WskNetProvider)) == 1);

        HttpClient client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("api");
        string body = await client.GetStringAsync(new Uri(app.Urls.First()));
        Check("HttpClient with UseWskConnectEx connects through the container's provider",
            body.StartsWith("SYN data accepted", StringComparison.Ordinal) && provider.OpenCount == 1);

        await app.StopAsync();
        await app.DisposeAsync();
        bool disposed;
        try
        {
            await using WskConnection late = await WskConnection.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9), default,
                new WskConnectOptions { Provider = provider });
            disposed = false;
        }
        catch (ObjectDisposedException)
        {
            disposed = true;
        }

        Check("disposed with the container", disposed && provider.OpenCount == 0);
        return failures;
        """;
}
