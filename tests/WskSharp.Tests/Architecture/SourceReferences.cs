using System.Text;
using System.Text.RegularExpressions;

namespace WskSharp.Tests.Architecture;

/// <summary>
/// The WskSharp layers a C# source file names: <c>using WskSharp.X</c>, <c>WskSharp.X.Type</c>, <c>global::WskSharp.X</c>,
/// a bare <c>X.Type</c> (which resolves to <c>WskSharp.X</c> from inside the WskSharp namespace), and the same in
/// <c>cref</c> attributes. Comments and string literals are left out (they are prose, not references).
/// </summary>
internal static partial class SourceReferences
{
    /// <summary>The first-level namespaces of the WskSharp assembly.</summary>
    public static readonly string[] Layers = ["Nt", "Ws2", "FastOpen", "Internal", "Transport", "Wsk", "Net", "DependencyInjection"];

    /// <summary>Each (layer, line) named by <paramref name="source"/>, in order.</summary>
    public static List<(string Layer, int Line)> Find(string source)
    {
        var found = new List<(string, int)>();
        string code = CodeOnly(source, out List<(string Text, int Offset)> crefs);
        Collect(code, 0, code, found);
        foreach ((string text, int offset) in crefs)
        {
            Collect(text, offset, source, found);
        }

        return found;
    }

    private static void Collect(string text, int baseOffset, string lineSource, List<(string, int)> found)
    {
        foreach (Match m in Reference().Matches(text))
        {
            string layer = m.Groups["layer"].Value;
            int line = 1 + lineSource.AsSpan(0, baseOffset + m.Index).Count('\n');
            found.Add((layer, line));
        }
    }

    // "WskSharp.X" anywhere (optionally global::), or a bare "X." not preceded by an identifier or a dot.
    [GeneratedRegex(@"(?:(?<![\w.])(?:global::)?WskSharp\.|(?<![\w.:]))(?<layer>Nt|Ws2|FastOpen|Internal|Transport|Wsk|Net|DependencyInjection)\b(?=\s*[.;>\]},)])")]
    private static partial Regex Reference();

    [GeneratedRegex("cref=\"(?<name>[^\"]+)\"")]
    private static partial Regex Cref();

    /// <summary>
    /// The source with comments and string/char literals blanked (same length, newlines kept, so offsets and lines still
    /// match); the <c>cref</c> values of the comments come back separately with their offsets.
    /// </summary>
    private static string CodeOnly(string s, out List<(string Text, int Offset)> crefs)
    {
        crefs = [];
        var code = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '/')
            {
                while (i < s.Length && s[i] != '\n')
                {
                    i++;
                }

                string comment = s[start..i];
                foreach (Match m in Cref().Matches(comment))
                {
                    Group name = m.Groups["name"];
                    crefs.Add((name.Value, start + name.Index));
                }
            }
            else if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                int end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? s.Length : end + 2;
            }
            else if (s.AsSpan(i).StartsWith("\"\"\""))
            {
                int quotes = 0;
                while (i < s.Length && s[i] == '"')
                {
                    quotes++;
                    i++;
                }

                int end = s.IndexOf(new string('"', quotes), i, StringComparison.Ordinal);
                i = end < 0 ? s.Length : end + quotes;
            }
            else if (s[i] == '"' || (s[i] is '@' or '$' && i + 1 < s.Length && (s[i + 1] == '"' || (s[i + 1] is '@' or '$' && i + 2 < s.Length && s[i + 2] == '"'))))
            {
                bool verbatim = false;
                while (s[i] != '"')
                {
                    verbatim |= s[i] == '@';
                    i++;
                }

                i++;
                while (i < s.Length)
                {
                    if (!verbatim && s[i] == '\\')
                    {
                        i += 2;
                        continue;
                    }

                    if (s[i] == '"')
                    {
                        if (verbatim && i + 1 < s.Length && s[i + 1] == '"')
                        {
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    if (!verbatim && s[i] == '\n')
                    {
                        break;
                    }

                    i++;
                }
            }
            else if (s[i] == '\'' && (i == 0 || !char.IsLetterOrDigit(s[i - 1])))
            {
                i++;
                while (i < s.Length && s[i] != '\'' && s[i] != '\n')
                {
                    i += s[i] == '\\' ? 2 : 1;
                }

                i++;
            }
            else
            {
                code.Append(s[i]);
                i++;
                continue;
            }

            i = Math.Min(i, s.Length);
            for (int k = start; k < i; k++)
            {
                code.Append(s[k] == '\n' ? '\n' : ' ');
            }
        }

        return code.ToString();
    }
}
