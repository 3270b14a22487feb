using System.Reflection;
using System.Runtime.CompilerServices;
using PublicApiGenerator;

namespace WskSharp.Tests.PublicApi;

/// <summary>
/// The public API of each shipped assembly, as PublicApiGenerator prints it, must equal the approved file checked in beside
/// this test. A change fails the test and writes <c>NAME.received.txt</c> next to <c>NAME.approved.txt</c> (gitignored),
/// so the change is a visible diff in review: look at it, and if it is meant, approve it by copying the received file
/// over the approved one.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies => ["WskSharp", "WskSharp.AspNetCore"];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_API_matches_the_approved_snapshot(string name)
    {
        Assembly assembly = name switch
        {
            "WskSharp" => typeof(WskSharp.Wsk.WskApi).Assembly,
            _ => typeof(WskSharp.AspNetCore.WskKestrelExtensions).Assembly,
        };
        string received = assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }).ReplaceLineEndings("\n");
        string folder = Folder();
        string approvedPath = Path.Combine(folder, $"{name}.approved.txt");
        string receivedPath = Path.Combine(folder, $"{name}.received.txt");
        string? approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : null;
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, received);
        string relative = Path.GetRelativePath(ReadmeExampleRoot(), folder);
        Assert.Fail(
            $"The public API of {name} {(approved is null ? "has no approved snapshot yet" : "changed")}.\n" +
            $"  review: diff -u {relative}/{name}.approved.txt {relative}/{name}.received.txt\n" +
            $"  approve (if the change is meant): mv {relative}/{name}.received.txt {relative}/{name}.approved.txt\n" +
            FirstDifference(approved ?? "", received));
    }

    private static string FirstDifference(string approved, string received)
    {
        string[] a = approved.Split('\n'), r = received.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, r.Length); i++)
        {
            string left = i < a.Length ? a[i] : "(end)", right = i < r.Length ? r[i] : "(end)";
            if (left != right)
            {
                return $"  first difference, line {i + 1}:\n    approved: {left.Trim()}\n    received: {right.Trim()}";
            }
        }

        return "";
    }

    private static string Folder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string ReadmeExampleRoot() => Net.ReadmeExampleTests.RepositoryRoot();
}
