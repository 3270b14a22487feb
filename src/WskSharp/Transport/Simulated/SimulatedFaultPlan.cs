namespace WskSharp.Transport.Simulated;

/// <summary>
/// How often each <see cref="SimulatedFault"/> fires at its decision point (0 = never, 1 = always). The network rolls
/// its seeded random source once per decision, so a seed and a sequence of calls give the same faults every run.
/// </summary>
internal sealed class SimulatedFaultPlan
{
    private readonly double[] _probability = new double[Enum.GetValues<SimulatedFault>().Length];

    /// <summary>No fault at all.</summary>
    public static SimulatedFaultPlan None => new();

    /// <summary>The probability of <paramref name="fault"/>.</summary>
    public double this[SimulatedFault fault] => _probability[(int)fault];

    /// <summary>This plan with <paramref name="fault"/> firing with <paramref name="probability"/>.</summary>
    public SimulatedFaultPlan With(SimulatedFault fault, double probability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(probability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(probability, 1.0);
        var plan = new SimulatedFaultPlan();
        _probability.CopyTo(plan._probability, 0);
        plan._probability[(int)fault] = probability;
        return plan;
    }

    /// <inheritdoc/>
    public override string ToString()
        => string.Join(", ", Enum.GetValues<SimulatedFault>().Where(f => this[f] > 0).Select(f => $"{f} {this[f]:0.###}"));
}
