using ScottPlot;

namespace Reeltime.Evaluation;

/// <summary>A PNG bar chart of a report's test metrics at 10, grouped by model.</summary>
public static class ResultsChart
{
    private static readonly string[] Metrics = ["recall@10", "ndcg@10", "mrr@10", "hit@10"];

    /// <summary>Writes the chart to <paramref name="path"/> (500 pixels high, about 130 wide per model).</summary>
    public static void Write(EvaluationReport report, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var models = report.Results;
        for (var m = 0; m < models.Count; m++)
        {
            for (var k = 0; k < Metrics.Length; k++)
            {
                var value = models[m].Test[Metrics[k]];
                var bar = plot.Add.Bar(new Bar
                {
                    Position = (m * (Metrics.Length + 1)) + k,
                    Value = value,
                    FillColor = palette.GetColor(k),
                    Label = value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),
                });
                bar.ValueLabelStyle.FontSize = 10;
            }
        }

        for (var k = 0; k < Metrics.Length; k++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = Metrics[k], FillColor = palette.GetColor(k) });
        }

        var ticks = models.Select((r, m) => new Tick((m * (Metrics.Length + 1)) + ((Metrics.Length - 1) / 2.0), r.Model)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"{report.Protocol} — {report.Dataset} — test");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Math.Max(600, 150 + (130 * models.Count)), 500);
    }
}
