using System.Globalization;

namespace Reeltime.Cli;

/// <summary>The product's command-line tool: <c>./reeltime &lt;command&gt; …</c>.</summary>
internal static class CommandLine
{
    private const string Usage = """
        usage: ./reeltime <command> [options]

          admin seed  --data DIR [--postgres CONN] [--users 10000] [--videos 100000] [--follows 50]
                      fill an empty database with synthetic users, follows and videos for benchmarks
          bench events --url URL [--seconds 10] [--batch 100] [--concurrency 16]
                      durable events per second through POST /api/events, as seeded users
                      (start the server with --EventBatchesPerSecond 100000 to measure capacity)
          simulate    [--seed 7] [--users 400] [--days 6] [--out sim.json] [--policies engine,popularity,random]
              [--nearline-weight 1] [--nearline-sequence 0.3]
                      drive the feed policies with a synthetic audience and compare them
          bench feed  --url URL [--rate 100] [--seconds 30] [--users 1000]
                      following-feed latency (p50/p99) at a fixed request rate, on a seeded database
          bench media [--seconds 30] [--runs 2] [--work DIR]
                      the media pipeline on 1080x1920 30 fps H.264 and HEVC clips against bare ffmpeg,
                      and clips per minute at the default concurrency (needs ffmpeg)
          bench engine [--videos 1000000] [--users 100000] [--requests 20000] [--events 1000000]
                      [--breadth 160] [--cores 1] [--first-core 0] [--ann no] [--look-ahead-paired yes]
                      [--heavy-viewers N] [--refit-growth 0.25]
                      the For You engine in-process: feed request p50/p99, events/s into the model, event to
                      next request, resident memory, HNSW recall@100 and speed against the exact scan;
                      --heavy-viewers N adds N viewers served 20,000 videos each (seen filter memory, feeds)
          eval        --protocol general|sequential [--split-dir DIR] [--models pop,itemknn,bpr,engine]
                      [--seed 2020] [--out data/eval/results-PROTOCOL.json] [--data DIR|FILE] [--items FILE]
                      [--columns user,item,rating,time] [--verbose true] [--source-budget 30]
                      offline evaluation per ../shared/eval/PROTOCOL.md (ML-100K from ../shared/data/ml-100k);
                      --data takes other data sets too (u.data, ratings.dat, ratings.csv, RecBole .inter, JSON lines; tab,
                      '::', comma or whitespace; ids need not be numbers); genres from u.item, movies.dat or
                      movies.csv beside it, or --items; --columns orders a file without a header (user and
                      item at least); without a time column the file's order stands in for time
                      models: pop, itemknn, bpr, ease, ials, infae, lowpass, rp3beta, userknn, transition, gap,
                      recentpop, available, tags, engine (the offline blend of batch sources), rerank,
                      foryou (the live For You engine, fed train as its event log); --source-budget is the
                      minutes one model's search may take: EASE's and ∞-AE's stop when it is up, and the engine
                      leaves out a source of which one fit would take longer (said at the start)
          eval        --chart results.json      redraw the PNG chart of an earlier run
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            // Commands are one word (simulate, eval) or two (admin seed); options follow them.
            Options After(int words) => Options.Parse(args.Skip(words));
            if (args.ElementAtOrDefault(0) == "eval")
            {
                return EvalCommand.Run(After(1));
            }

            if (args.ElementAtOrDefault(0) == "lab")
            {
                // Not in the usage text: quick experiments on valid (docs/benchmarks.md, Offline evaluation).
                return LabCommand.Run(After(1));
            }

            return (args.ElementAtOrDefault(0), args.ElementAtOrDefault(1)) switch
            {
                ("admin", "seed") => await Seeder.RunAsync(After(2)),
                ("bench", "events") => await EventsBenchmark.RunAsync(After(2)),
                ("bench", "feed") => await FeedBenchmark.RunAsync(After(2)),
                ("simulate", _) => await SimulateCommand.RunAsync(After(1)),
                ("bench", "media") => await MediaBenchmark.RunAsync(After(2)),
                ("bench", "engine") => await EngineBenchmark.RunAsync(After(2)),
                _ => Fail(Usage),
            };
        }
        catch (UsageException e)
        {
            return Fail(e.Message + Environment.NewLine + Environment.NewLine + Usage);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            // Missing or malformed input files are the user's to fix: a message, not a stack trace.
            return Fail(e.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>--name value pairs.</summary>
internal sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var key = e.Current;
            if (!key.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"Unexpected argument '{key}'.");
            }

            values[key[2..]] = e.MoveNext() ? e.Current : throw new UsageException($"Option {key} needs a value.");
        }

        return new Options(values);
    }

    public string? String(string name) => values.GetValueOrDefault(name);

    public string Required(string name) => String(name) ?? throw new UsageException($"Option --{name} is required.");

    public int Int(string name, int fallback) =>
        values.TryGetValue(name, out var s) ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new UsageException($"--{name} takes a positive number.") : fallback;

    public int Index(string name, int fallback) =>
        values.TryGetValue(name, out var s) ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new UsageException($"--{name} takes a number from 0.") : fallback;
}
