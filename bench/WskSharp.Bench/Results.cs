using System.Text.Json;
using System.Text.Json.Serialization;

namespace WskSharp.Bench;

/// <summary>What one client process (a worker of ours or .NET, or the native C client) reports for one run.</summary>
public sealed class PeerRun
{
    public string Peer { get; set; } = "";
    public string Phase { get; set; } = "";
    public int Round { get; set; }
    public long Count { get; set; }
    public long Succeeded { get; set; }
    public long Failed { get; set; }
    public long WarmupFailed { get; set; }
    public Dictionary<string, long> Errors { get; set; } = [];
    public double WallSeconds { get; set; }
    public double ConnectionsPerSecond { get; set; }
    public double CpuUserSeconds { get; set; }
    public double CpuSysSeconds { get; set; }
    public double CpuUsPerConnection { get; set; }
    /// <summary>Connections whose SYN carried data that the server acknowledged (TCP_INFO TCPI_OPT_SYN_DATA, or
    /// WskSharp's Fast Open report), of <see cref="TfoChecked"/> checked.</summary>
    public long SynDataAcked { get; set; }
    public long TfoChecked { get; set; }
    public long WarmupSynDataAcked { get; set; }
    /// <summary>WskSharp only: the Fast Open report's fail reasons of connections whose SYN data was not acknowledged.</summary>
    public Dictionary<string, long> FastOpenFailReasons { get; set; } = [];
    public double[] TtfbUs { get; set; } = [];
    public long Bytes { get; set; }
    public double BytesPerSecond { get; set; }
    public int ChunkBytes { get; set; }
    public string? Note { get; set; }
    public bool TimedOut { get; set; }
    /// <summary>.NET workers: warm-up bursts run until tiered compilation settled; JIT time, methods compiled and
    /// gen-0 collections inside the measured phase (CPU that a C client never spends).</summary>
    public int WarmupBursts { get; set; }
    public double JitMsDuringMeasure { get; set; }
    public long JitMethodsDuringMeasure { get; set; }
    public int Gen0DuringMeasure { get; set; }
    /// <summary>Managed workers: counts over the measured phase, per connection, that load does not move (getrusage):
    /// minor page faults and context switches (voluntary + involuntary), and CPU per connection by thread name
    /// (<c>/proc/self/task/*/schedstat</c>, ns precision): where the process spends beyond the event loop.</summary>
    public double? MinorFaultsPerConnection { get; set; }
    public double? ContextSwitchesPerConnection { get; set; }
    public Dictionary<string, double>? ThreadCpuUsPerConnection { get; set; }
    /// <summary>Managed workers: thread-pool work items completed during the measured phase (each wakes a worker, which then
    /// spins before it sleeps again).</summary>
    public long? ThreadPoolItemsDuringMeasure { get; set; }
    /// <summary>wsk-c only: bytes the WSK layer's managed runtime allocated over the measured connections (the C face's
    /// allocation counter), and the problems WskSharp's verifier reported when the client ended.</summary>
    public long? ManagedBytes { get; set; }
    public long? VerifierProblems { get; set; }

    public void AddError(string what, long n = 1)
    {
        Errors[what] = Errors.TryGetValue(what, out long c) ? c + n : n;
    }

    public void AddFailReason(string what)
    {
        FastOpenFailReasons[what] = FastOpenFailReasons.TryGetValue(what, out long c) ? c + 1 : 1;
    }
}

/// <summary>The allocation worker's findings (P3).</summary>
public sealed class AllocResult
{
    public List<AllocFigure> Direct { get; set; } = [];
    public List<AllocFigure> BenchmarkDotNet { get; set; } = [];
    public string? BenchmarkDotNetError { get; set; }
    public string? BenchmarkDotNetReport { get; set; }
    public double BenchmarkDotNetSeconds { get; set; }
}

public sealed class AllocFigure
{
    public string Name { get; set; } = "";
    public double BytesPerOp { get; set; }
    public double? MeanNs { get; set; }
    public long Operations { get; set; }
    public long Failed { get; set; }
    public string? Note { get; set; }
}

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write<T>(string path, T value)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(value, Options));
        File.Move(tmp, path, overwrite: true);
    }

    public static T Read<T>(string path) => JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
        ?? throw new InvalidDataException($"{path} is empty");
}
