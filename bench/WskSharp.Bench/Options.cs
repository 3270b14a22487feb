using System.Globalization;

namespace WskSharp.Bench;

/// <summary>Minimal "--key value" / "--flag" parser: the harness has few options and no help screens.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args)
    {
        string[] a = [.. args];
        for (int i = 0; i < a.Length; i++)
        {
            if (!a[i].StartsWith("--", StringComparison.Ordinal))
            {
                Positional.Add(a[i]);
                continue;
            }

            string key = a[i][2..];
            int eq = key.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                _values[key[..eq]] = key[(eq + 1)..];
            }
            else if (i + 1 < a.Length && !a[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                _values[key] = a[++i];
            }
            else
            {
                _values[key] = null;
            }
        }
    }

    public List<string> Positional { get; } = [];

    public bool Flag(string key) => _values.ContainsKey(key);

    public string? Get(string key) => _values.TryGetValue(key, out string? v) ? v : null;

    public string Get(string key, string fallback) => Get(key) ?? fallback;

    public int Int(string key, int fallback) => Get(key) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public long Long(string key, long fallback) => Get(key) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string Require(string key) => Get(key) ?? throw new ArgumentException($"--{key} is required");
}
