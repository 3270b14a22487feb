using WskSharp.Lab;

namespace WskSharp.Tests;

/// <summary>
/// A network namespace with Fast Open on (3) inside it, shared by a test class. Where the process cannot make one
/// (not root, no iproute2) <see cref="SkipReason"/> says why and the tests skip with it; in CI (root) they run.
/// </summary>
public sealed class NamespaceFixture : IDisposable
{
    public NamespaceFixture()
    {
        SkipReason = NetworkNamespace.WhyNot is { } why ? $"Fast Open tests need a network namespace: {why}" : null;
        if (SkipReason is null)
        {
            Namespace = NetworkNamespace.Create("wsk-test");
        }
    }

    public NetworkNamespace? Namespace { get; }

    public string? SkipReason { get; }

    /// <summary>The namespace, or a skip (with the reason) where none can be made.</summary>
    public NetworkNamespace Require()
    {
        if (Namespace is null)
        {
            Assert.Skip(SkipReason!);
        }

        return Namespace!;
    }

    public void Dispose() => Namespace?.Dispose();
}
