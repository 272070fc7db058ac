using System.Diagnostics;
using System.Globalization;
using Reeltime.Evaluation;
using Reeltime.Recommendation.Offline;
using Spectre.Console;

namespace Reeltime.Cli;

/// <summary><c>./reeltime eval</c>: PROTOCOL.md's offline evaluation on MovieLens 100K or a given split.</summary>
internal static class EvalCommand
{
    public static int Run(Options options)
    {
        if (Console.IsOutputRedirected)
        {
            // A log file has no terminal width; keep the table's 15 columns on one line each.
            AnsiConsole.Profile.Width = 240;
        }

        if (options.String("chart") is { } existing)
        {
            // Redraws the chart of an earlier run from its results.json, without evaluating again.
            var chartPath = Path.ChangeExtension(Path.GetFullPath(existing), ".png");
            ResultsChart.Write(EvaluationReport.Read(existing), chartPath);
            AnsiConsole.WriteLine(chartPath);
            return 0;
        }

        var protocol = (options.String("protocol") ?? "general") switch
        {
            "general" => Protocol.General,
            "sequential" => Protocol.Sequential,
            var other => throw new UsageException($"--protocol is 'general' or 'sequential', not '{other}'."),
        };
        var protocolName = protocol == Protocol.General ? "general" : "sequential";
        var models = (options.String("models") ?? "pop,itemknn,bpr,engine").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var m in models.Where(m => !ModelSelection.Known.Contains(m)))
        {
            throw new UsageException($"Unknown model '{m}'; known: {string.Join(",", ModelSelection.Known)}.");
        }

        var seed = options.Int("seed", 2020);
        // By default under ./data (ignored by git), so a run does not leave files in the source tree.
        var output = Path.GetFullPath(options.String("out") ?? Path.Combine("data", "eval", $"results-{protocolName}.json"));
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        // With --split-dir the data folder only lends the items' genres, so it may be absent.
        var splitDirectory = options.String("split-dir");
        var explicitData = options.String("data");
        var dataPath = explicitData ?? FindMovieLens();
        if (dataPath is null && splitDirectory is null)
        {
            throw new UsageException("MovieLens 100K was not found at ../shared/data/ml-100k/ from the repository root; give --data DIR or --split-dir DIR.");
        }

        var dataDirectory = dataPath is null ? null : File.Exists(dataPath) ? Path.GetDirectoryName(Path.GetFullPath(dataPath))! : dataPath;
        var givenItems = options.String("items");
        if (givenItems is not null && !File.Exists(givenItems))
        {
            throw new FileNotFoundException($"The items file {givenItems} does not exist.", givenItems);
        }

        var itemsFile = givenItems ?? (dataDirectory is null ? null : RatingFiles.FindItemTags(dataDirectory));

        Split split;
        string dataset;
        if (splitDirectory is not null)
        {
            split = Split.Read(splitDirectory);
            dataset = $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetDirectoryName(Path.GetFullPath(splitDirectory))!))}/{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(splitDirectory)))}";
            if (itemsFile is not null && givenItems is null && explicitData is null)
            {
                // The default data set lends its genres only to a split drawn from it: a split of another data
                // set with the same integer ids would otherwise get MovieLens 100K's genres for unrelated items.
                var ratingsFile = RatingFiles.FindRatings(dataPath!);
                if (ratingsFile is null || !RatingFiles.IsDrawnFrom(split, RatingFiles.Read(ratingsFile)))
                {
                    AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]the split is not drawn from {dataPath}, so its genres are not used; give --items FILE for the split's items[/]");
                    itemsFile = null;
                }
            }
        }
        else
        {
            var ratingsFile = RatingFiles.FindRatings(dataPath!)
                ?? throw new FileNotFoundException($"No ratings file ({string.Join(", ", RatingFiles.RatingsFileNames)}, or one .inter, .json or .jsonl file) in {dataPath}.");
            var tokens = new IdTokens();
            List<Rating> ratings;
            try
            {
                ratings = RatingFiles.Read(ratingsFile, tokens, options.String("columns"),
                    notice => AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]{notice}[/]"));
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            if (ratings.Count == 0)
            {
                throw new InvalidDataException($"{ratingsFile} holds no ratings.");
            }

            split = Split.Make(ratings, protocol, seed, tokens);
            var written = Path.Combine(Path.GetDirectoryName(output)!, $"split-{protocolName}-seed{seed}");
            split.Write(written);
            dataset = $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory!)))} (own split, seed {seed})";
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]split written to {written}[/]");
        }

        var genres = itemsFile is null ? null : RatingFiles.ReadItemTags(itemsFile, split.Tokens);
        var set = new EvaluationSet(dataset, protocol, split, genres);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"[bold]{protocolName}[/] on {dataset}: {set.UserIds.Length} users, {set.ItemCount} items, {split.Train.Count}/{split.Valid.Count}/{split.Test.Count} train/valid/test; {Environment.ProcessorCount} cores");

        if (split.Valid.Count == 0 || split.Test.Count == 0)
        {
            // Selecting on an empty valid set or reporting on an empty test set would print a table of zeros that
            // looks like a measurement.
            throw new InvalidDataException(protocol == Protocol.General
                ? "Nothing to measure: no user has the 10 or more interactions protocol A needs to hold one in ten back for valid and one in ten for test."
                : "Nothing to measure: no user has the 3 or more interactions protocol B needs (one for train, the one before the last for valid, the last for test).");
        }

        // The item × item models hold dense matrices; refuse a catalogue they cannot fit before an hour of work, not
        // after. The engine and the re-ranker blend whichever of their sources fit (below).
        var denseModels = models.Where(m => ModelSelection.ItemByItem.Contains(m) && m is not ("engine" or "rerank")).ToArray();
        var neededBytes = ModelSelection.ItemByItemBytes(set.ItemCount);
        var availableBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (denseModels.Length > 0 && neededBytes > availableBytes)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{set.ItemCount:N0} items are too many for {string.Join(", ", denseModels)}: these models keep dense item × item matrices, about {neededBytes / 1e9:F0} GB at this size, and {availableBytes / 1e9:F0} GB is available. Evaluate pop, bpr, ials, userknn, recentpop, available, tags or engine (which blends the sources that fit), or a data set with fewer items."));
        }

        if (!ModelSelection.InfiniteAutoencoderFits(set))
        {
            var userBytes = InfiniteAutoencoderScorer.FitBytes(set.UserIds.Length, set.ItemCount);
            if (models.Contains("infae"))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{set.UserIds.Length:N0} users are too many for infae: ∞-AE keeps dense user × user matrices, about {userBytes / 1e9:F0} GB at this size, and {availableBytes / 1e9:F0} GB is available. Leave it out of --models; the engine runs without it."));
            }
        }

        // A search whose fits grow with the cube of the users or items stops when its time is up, and the engine
        // leaves out a source of which one fit would not fit in it: said before the work starts, not after.
        var budget = TimeSpan.FromMinutes(options.Int("source-budget", (int)ModelSelection.DefaultSourceBudget.TotalMinutes));
        if (budget <= TimeSpan.Zero)
        {
            throw new UsageException("--source-budget is the minutes one model's search may take: a positive whole number.");
        }

        var plan = new ModelSelection(set, memoryBytes: availableBytes, sourceBudget: budget);
        if (models.Contains("engine") || models.Contains("rerank"))
        {
            foreach (var left in plan.LeftOutSources)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]the engine blends its sources without {left.Name}: {left.Reason}.[/]");
            }

            var validUsers = set.Users(Stage.Valid).Length;
            if (plan.BlendUsers(plan.Sources.Length, availableBytes) is { } blendUsers && blendUsers.Length < validUsers)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]the engine learns its blend's weights on {blendUsers.Length:N0} of the {validUsers:N0} valid users, drawn at random: the scores of all of them would not fit in memory.[/]");
            }
        }

        foreach (var model in models.Where(SearchCost.CubicSources.Contains))
        {
            if (plan.MayRunOutOfTime(model, out var fit))
            {
                if (model == "lowpass")
                {
                    AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]lowpass: its one eigen-decomposition takes about {fit / 60:F0} min here, longer than --source-budget ({budget.TotalMinutes:F0} min); it runs as asked.[/]");
                }
                else
                {
                    AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]{model}: one fit takes about {fit / 60:F0} min here, so its search stops when its {budget.TotalMinutes:F0} minutes are up (--source-budget).[/]");
                }
            }
        }

        var verbose = options.String("verbose") is "true" or "1";

        var clock = Stopwatch.StartNew();
        EvaluationReport report;
        if (Console.IsOutputRedirected)
        {
            // No live bar in a log file: one line per finished model (and per search step with --verbose).
            report = OfflineEvaluation.Run(set, models, (_, _, line) =>
            {
                if (line is not null && (verbose || !line.StartsWith(' ')))
                {
                    AnsiConsole.WriteLine(line);
                }
            }, budget);
        }
        else
        {
            report = null!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    var tasks = models.ToDictionary(m => m, m => context.AddTask(m, autoStart: false, maxValue: 1));
                    report = OfflineEvaluation.Run(set, models, (model, done, line) =>
                    {
                        var task = tasks[model];
                        task.StartTask();
                        task.Value = Math.Max(task.Value, done);
                        if (line is not null && (verbose || !line.StartsWith(' ')))
                        {
                            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]{line}[/]");
                        }
                    }, budget);
                });
        }

        report.Write(output);
        var chart = Path.ChangeExtension(output, ".png");
        ResultsChart.Write(report, chart);
        AnsiConsole.Write(Table(report));
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"results: {output}; chart: {chart}; {clock.Elapsed.TotalSeconds:F1} s in all");
        return 0;
    }

    private static Table Table(EvaluationReport report)
    {
        var table = new Table().Title($"{report.Protocol} — {report.Dataset} — test (valid NDCG@10 in the last column)");
        string[] columns = ["recall@10", "ndcg@10", "mrr@10", "hit@10", "precision@10", "recall@20", "ndcg@20", "mrr@20", "hit@20", "precision@20", "coverage@10"];
        table.AddColumn("model");
        foreach (var c in columns)
        {
            table.AddColumn(new TableColumn(c).RightAligned());
        }

        table.AddColumn(new TableColumn("train s").RightAligned());
        table.AddColumn(new TableColumn("score s").RightAligned());
        table.AddColumn(new TableColumn("valid ndcg@10").RightAligned());
        foreach (var r in report.Results)
        {
            table.AddRow([
                r.Model,
                .. columns.Select(c => r.Test[c].ToString("F4", CultureInfo.InvariantCulture)),
                r.TrainSeconds.ToString("F1", CultureInfo.InvariantCulture),
                r.ScoreSeconds.ToString("F2", CultureInfo.InvariantCulture),
                r.Valid["ndcg@10"].ToString("F4", CultureInfo.InvariantCulture),
            ]);
        }

        return table;
    }

    /// <summary>../shared/data/ml-100k from the working folder or from the repository root above it.</summary>
    private static string? FindMovieLens()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "data", "ml-100k");
            if (File.Exists(Path.Combine(candidate, "u.data")))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }
}
