using System.Globalization;

namespace WskSharp.Internal;

/// <summary>
/// Service names and TCP ports, as <c>/etc/services</c> lists them (Windows reads its own copy of the same file): what
/// <c>WskGetAddressInfo</c> makes of a service name and <c>WskGetNameInfo</c> of a port. Read once.
/// </summary>
internal static class ServicesFile
{
    private static readonly Lazy<(Dictionary<string, ushort> Ports, Dictionary<ushort, string> Names)> Table = new(Load);

    /// <summary>A port number ("80") or a TCP service name ("http"); false if it is neither.</summary>
    public static bool TryGetPort(string service, out ushort port)
    {
        if (ushort.TryParse(service, NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            return true;
        }

        return Table.Value.Ports.TryGetValue(service, out port);
    }

    /// <summary>The TCP service name of <paramref name="port"/>, or null.</summary>
    public static string? NameOf(ushort port) => Table.Value.Names.GetValueOrDefault(port);

    private static (Dictionary<string, ushort>, Dictionary<ushort, string>) Load()
    {
        var ports = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase);
        var names = new Dictionary<ushort, string>();
        try
        {
            foreach (string raw in File.ReadLines("/etc/services"))
            {
                // "http  80/tcp  www  # WorldWideWeb HTTP": a name, port/protocol, aliases, a comment.
                string line = raw.Split('#', 2)[0];
                string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2 || !fields[1].EndsWith("/tcp", StringComparison.Ordinal)
                    || !ushort.TryParse(fields[1].AsSpan(0, fields[1].Length - 4), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
                {
                    continue;
                }

                names.TryAdd(port, fields[0]);
                ports.TryAdd(fields[0], port);
                foreach (string alias in fields.Skip(2))
                {
                    ports.TryAdd(alias, port);
                }
            }
        }
        catch (IOException)
        {
            // No services file: port numbers only.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return (ports, names);
    }
}
