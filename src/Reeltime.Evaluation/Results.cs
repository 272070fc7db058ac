using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reeltime.Evaluation;

/// <summary>One model's row of results.json.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Valid">Metrics on the validation items (with the chosen hyper-parameters).</param>
/// <param name="Test">Metrics on the test items, computed once.</param>
/// <param name="TrainSeconds">Selection on valid plus fitting on train, wall seconds.</param>
/// <param name="ScoreSeconds">Scoring and ranking the full catalogue for every test user, wall seconds.</param>
/// <param name="Settings">The chosen hyper-parameters (printed, not written to results.json).</param>
public sealed record ModelResult(
    string Model,
    Dictionary<string, double> Valid,
    Dictionary<string, double> Test,
    double TrainSeconds,
    double ScoreSeconds,
    [property: JsonIgnore] string Settings);

/// <summary>The results.json of PROTOCOL.md.</summary>
/// <param name="Protocol">"general" or "sequential".</param>
/// <param name="Dataset">The data set's name.</param>
/// <param name="Results">One row per model.</param>
public sealed record EvaluationReport(string Protocol, string Dataset, IReadOnlyList<ModelResult> Results)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Writes the report as JSON, metrics rounded to six decimals and times to three.</summary>
    public void Write(string path)
    {
        static Dictionary<string, double> Round(Dictionary<string, double> m) => m.ToDictionary(p => p.Key, p => Math.Round(p.Value, 6), StringComparer.Ordinal);
        var rounded = this with
        {
            Results = [.. Results.Select(r => r with { Valid = Round(r.Valid), Test = Round(r.Test), TrainSeconds = Math.Round(r.TrainSeconds, 3), ScoreSeconds = Math.Round(r.ScoreSeconds, 3) })],
        };
        File.WriteAllText(path, JsonSerializer.Serialize(rounded, Json) + "\n");
    }

    /// <summary>Reads a report written by <see cref="Write"/>.</summary>
    public static EvaluationReport Read(string path) =>
        JsonSerializer.Deserialize<EvaluationReport>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
}
