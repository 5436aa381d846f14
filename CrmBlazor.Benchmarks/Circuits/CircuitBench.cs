namespace CrmBlazor.Benchmarks.Circuits;

public static class CircuitBench
{
    public static Task RunAsync(IReadOnlyList<int> viewers, int runs, bool scaleOut) => Task.CompletedTask;
}
