using System.Diagnostics;

namespace Reeltime.Evaluation;

/// <summary>The whole run of one protocol: select and fit each model on valid, then score test once.</summary>
public static class OfflineEvaluation
{
    /// <summary>What a run reports as it goes: the model, the share of its work done, and a line to show.</summary>
    public delegate void Progress(string model, double done, string? line);

    /// <summary>Runs <paramref name="models"/> on <paramref name="set"/>; <paramref name="sourceBudget"/> is the time one model's search may take (see <see cref="ModelSelection"/>).</summary>
    public static EvaluationReport Run(EvaluationSet set, IReadOnlyList<string> models, Progress? progress = null, TimeSpan? sourceBudget = null)
    {
        var results = new List<ModelResult>();
        var selection = new ModelSelection(set, sourceBudget: sourceBudget);
        foreach (var name in models)
        {
            progress?.Invoke(name, 0.05, null);
            selection.Report = line => progress?.Invoke(name, 0.5, line);
            var tuned = selection.Tune(name);
            progress?.Invoke(name, 0.8, null);
            var clock = Stopwatch.StartNew();
            var test = Evaluator.Evaluate(tuned.Scorer, set, Stage.Test);
            var scoreSeconds = clock.Elapsed.TotalSeconds;
            results.Add(new ModelResult(name, tuned.Valid, test, tuned.TrainSeconds, scoreSeconds, tuned.Settings));
            progress?.Invoke(name, 1, null);
        }

        return new EvaluationReport(set.Protocol == Protocol.General ? "general" : "sequential", set.Dataset, results);
    }
}
