using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace WskSharp.Tests.PublicApi;

/// <summary>
/// Every C# sample of README.md and the package's PACKAGE.md compiles as written (its usings shown, its variables
/// declared), as a top-level program of a default project (its implicit usings only) against the WskSharp assemblies and
/// the frameworks this test runs on.
/// </summary>
public sealed partial class DocumentationSampleTests
{
    public static TheoryData<string, int> Samples()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in Files)
        {
            for (int i = 0; i < Blocks(file).Count; i++)
            {
                data.Add(file, i);
            }
        }

        return data;
    }

    private static readonly string[] Files = ["README.md", "src/WskSharp/PACKAGE.md"];

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    /// <summary>What <c>dotnet new console</c> gives a reader for free (ImplicitUsings): a sample shows every other using.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_sample_compiles_as_written(string file, int index)
    {
        (string code, int line) = Blocks(file)[index];
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Sample",
            [
                CSharpSyntaxTree.ParseText(code, Parse, cancellationToken: TestContext.Current.CancellationToken),
                CSharpSyntaxTree.ParseText(ImplicitUsings, Parse, cancellationToken: TestContext.Current.CancellationToken),
            ],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        string[] errors = [.. compilation.GetDiagnostics(TestContext.Current.CancellationToken)
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{file}:{line + d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")];
        Assert.True(errors.Length == 0, $"The sample at {file}:{line} does not compile as written:\n  " + string.Join("\n  ", errors));
    }

    [Fact]
    public void The_documents_have_samples_to_compile()
    {
        Assert.True(Blocks("README.md").Count >= 1);
        Assert.True(Blocks("src/WskSharp/PACKAGE.md").Count >= 3);
    }

    /// <summary>The ```csharp blocks of <paramref name="file"/> with the line each starts on, except README's "Use it from
    /// .NET" example: <see cref="Net.ReadmeExampleTests"/> runs it (with its server and namespace), which is more.</summary>
    private static List<(string Code, int Line)> Blocks(string file)
    {
        string text = File.ReadAllText(Path.Combine(Net.ReadmeExampleTests.RepositoryRoot(), file)).ReplaceLineEndings("\n");
        var blocks = new List<(string, int)>();
        foreach (Match m in Block().Matches(text))
        {
            string code = m.Groups["code"].Value;
            if (file == "README.md" && code.Contains("NetworkNamespace = lab", StringComparison.Ordinal))
            {
                continue;
            }

            blocks.Add((code, 1 + text.AsSpan(0, m.Groups["code"].Index).Count('\n')));
        }

        return blocks;
    }

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p))]);

    [GeneratedRegex(@"^```csharp\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Block();
}
