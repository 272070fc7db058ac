using System.Globalization;
using System.Text.Json;
using Reeltime.Simulation;
using Spectre.Console;

namespace Reeltime.Cli;

/// <summary><c>./reeltime simulate</c>: every policy against the same synthetic audience.</summary>
internal static class SimulateCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(Options options)
    {
        var settings = new SimulationSettings
        {
            Seed = options.Int("seed", 7),
            Users = options.Int("users", 400),
            Days = options.Int("days", 6),
        };
        var world = new SyntheticWorld(settings);
        var simulator = new Simulator(world);
        var engineOptions = new Reeltime.Recommendation.Engine.EngineOptions { ReproducibleIndexRefresh = true };
        if (options.String("nearline-weight") is { } nearlineWeight)
        {
            // For tuning and for measuring what the nearline model adds (0 leaves its score out).
            engineOptions.Weights.Related = float.Parse(nearlineWeight, CultureInfo.InvariantCulture);
        }

        if (options.String("nearline-sequence") is { } sequenceWeight)
        {
            engineOptions.Nearline.SequenceWeight = float.Parse(sequenceWeight, CultureInfo.InvariantCulture);
        }

        using var engine = new EnginePolicy(engineOptions);
        IFeedPolicy[] all = [engine, new PopularityPolicy(), new RandomPolicy(settings.Seed)];

        // --policies engine,popularity runs only those (tuning the engine needs only the engine's run:
        // the other policies do not depend on it).
        var named = options.String("policies")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var policies = named is null ? all : all.Where(p => named.Contains(p.Name, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (policies.Length == 0)
        {
            throw new UsageException($"--policies names none of: {string.Join(", ", all.Select(p => p.Name))}.");
        }

        var outcomes = new List<PolicyOutcome>();
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            foreach (var policy in policies)
            {
                var task = progress.AddTask(policy.Name, maxValue: settings.Days);
                outcomes.Add(await simulator.RunAsync(policy, day => task.Value = day));
            }
        });

        var table = new Table().AddColumns("policy", "s/impr", "s/session", "complete", "entropy", "fresh", "adapt", "median", "≤2", "≤3", "≤4", "adapted", "impr");
        foreach (var o in outcomes)
        {
            table.AddRow(o.Policy, F(o.WatchSecondsPerImpression), F(o.WatchSecondsPerSession), F(o.CompletionRate), F(o.TopicEntropy), F(o.FreshReachShare), F(o.AdaptationPages), F(o.AdaptationMedianPages), F(o.AdaptedWithin2Pages), F(o.AdaptedWithin3Pages), F(o.AdaptedWithin4Pages), F(o.AdaptedShare), o.Impressions.ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]s/impr, s/session: mean seconds watched per video shown and per session; complete: completion rate; entropy: topics per session (bits); fresh: share of new uploads reaching a first audience; adapt: pages until a switched interest fills half a page (mean, censored at probe + 1), median, and the shares adapted within 2, 3, 4 pages; adapted: share who got there[/]");
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[grey]{0} users, {1} videos ({2} uploaded during the run), {3} days, seed {4}[/]",
            settings.Users, world.Videos.Count, settings.FreshVideos, settings.Days, settings.Seed);

        // The yardstick for "adapt": an ideal feed that knows everything but where the taste went, with as
        // much of the day's first page given to exploration as the engine gives (its last four places), none, and all.
        var bounds = new[] { [.. Reeltime.Recommendation.Engine.ForYouEngine.OpeningExplorePlaces], [], Enumerable.Range(0, settings.PageSize).ToArray() }
            .Select(places => AdaptationBound.Estimate(settings, places, seed: settings.Seed))
            .ToList();
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "[grey]adapt bound (an ideal feed that knows the old tastes, tests each other topic with a perfect video and follows the first hit at once): {0} pages (median {1}, ≤3 {2}) exploring the first page's last four places as the engine does; {3} with none; {4} with all ten[/]",
            F(bounds[0].MeanPages), F(bounds[0].MedianPages), F(bounds[0].Within3Pages), F(bounds[1].MeanPages), F(bounds[2].MeanPages));

        var output = options.String("out") ?? "sim.json";
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new { policies = outcomes, settings, adaptationBound = bounds }, Json));
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "wrote [bold]{0}[/]", output.EscapeMarkup());
        return 0;
    }

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
