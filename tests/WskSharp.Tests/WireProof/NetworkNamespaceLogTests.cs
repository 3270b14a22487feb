using Microsoft.Extensions.Logging;
using WskSharp.Lab;

namespace WskSharp.Tests.WireProof;

/// <summary>The lab reports through the logging system WskSharp uses (ILogger, source-generated messages), not
/// System.Diagnostics.Trace: a namespace that cannot be deleted is a warning on the logger it was created with.</summary>
public sealed class NetworkNamespaceLogTests
{
    [Fact]
    public void A_namespace_that_cannot_be_deleted_is_reported_to_its_logger()
    {
        if (NetworkNamespace.WhyNot is { } why)
        {
            Assert.Skip($"This test makes a network namespace: it {why}");
        }

        using var factory = new ListLoggerFactory();
        NetworkNamespace ns = NetworkNamespace.Create("wsk-logtest", factory.CreateLogger("lab"));
        NetworkNamespace.Run("ip", "netns", "delete", ns.Name); // Gone behind its back: its own delete will fail.

        ns.Dispose(); // Does not throw.

        var entry = Assert.Single(factory.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(401, entry.Id.Id);
        Assert.Contains(ns.Name, entry.Message, StringComparison.Ordinal);
    }
}
