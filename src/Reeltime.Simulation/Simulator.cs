using Reeltime.Platform.Events;

namespace Reeltime.Simulation;

/// <summary>How one policy fared; the field names are those of PROTOCOL.md's sim.json.</summary>
/// <param name="Policy">The policy's name.</param>
/// <param name="WatchSecondsPerImpression">Mean seconds watched per video shown.</param>
/// <param name="WatchSecondsPerSession">Mean seconds watched per app session (sessions end when the viewer is bored).</param>
/// <param name="CompletionRate">Share of impressions watched to the end.</param>
/// <param name="TopicEntropy">Mean Shannon entropy, in bits, of the main topics within a session's impressions.</param>
/// <param name="FreshReachShare">Share of videos uploaded during the run that reached a first audience.</param>
/// <param name="AdaptationPages">After a viewer's interest switches, the mean number of pages until half of a page matches the new interest (censored at the pages the viewer saw).</param>
/// <param name="AdaptedShare">Share of viewers whose feed adapted within the probe.</param>
/// <param name="Impressions">Videos shown in all.</param>
/// <param name="Sessions">Sessions in all.</param>
/// <param name="AdaptationMedianPages">The median of the same pages (censored the same way).</param>
/// <param name="AdaptedWithin2Pages">Share of viewers whose feed adapted within two pages of the switch.</param>
/// <param name="AdaptedWithin3Pages">Share adapted within three pages.</param>
/// <param name="AdaptedWithin4Pages">Share adapted within four pages.</param>
public sealed record PolicyOutcome(
    string Policy,
    double WatchSecondsPerImpression,
    double WatchSecondsPerSession,
    double CompletionRate,
    double TopicEntropy,
    double FreshReachShare,
    double AdaptationPages,
    double AdaptedShare,
    long Impressions,
    long Sessions,
    double AdaptationMedianPages,
    double AdaptedWithin2Pages,
    double AdaptedWithin3Pages,
    double AdaptedWithin4Pages);

/// <summary>
/// Drives a policy with a synthetic audience and measures what viewers got from it. Viewers react to the
/// hidden truth (their interests, each video's topics and quality) with noise and position bias; the
/// policy sees only ids, creators, hashtags, durations and the events, as the real engine does.
/// </summary>
public sealed class Simulator(SyntheticWorld world)
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const long DayMs = 24L * 60 * 60 * 1000;
    private const int InitialCatalogueDays = 30;

    /// <summary>Runs the whole simulation for <paramref name="policy"/>; <paramref name="onDay"/> reports progress.</summary>
    public Task<PolicyOutcome> RunAsync(IFeedPolicy policy, Action<int>? onDay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return RunAsync(_ => policy, onDay, cancellationToken);
    }

    /// <summary>Runs a policy made for the run's own world (tests give an oracle the hidden truth this way).</summary>
    internal async Task<PolicyOutcome> RunAsync(Func<SyntheticWorld, IFeedPolicy> policyFor, Action<int>? onDay = null, CancellationToken cancellationToken = default)
    {
        var settings = world.Settings;

        // The audience is rebuilt per run so every policy meets the same viewers with the same luck.
        var fresh = new SyntheticWorld(settings);
        var policy = policyFor(fresh);
        var random = new Random(settings.Seed * 7919);
        var videos = fresh.Videos.ToDictionary(v => v.Id);
        var impressionsOf = new Dictionary<long, int>();
        var tally = new Tally();
        var adaptation = new Dictionary<long, int>(); // user -> pages since the switch, negative once adapted

        var published = 0;
        for (var day = 0; day < settings.Days; day++)
        {
            var dayStart = Epoch.ToUnixTimeMilliseconds() + (day * DayMs);
            while (published < fresh.Videos.Count && fresh.Videos[published].UploadedDay <= day)
            {
                var v = fresh.Videos[published++];
                await policy.AddVideoAsync(new CatalogEntry(v.Id, v.CreatorId, v.Hashtags, v.DurationMs, UploadedAtMs(v, dayStart), v.PriorLikes), cancellationToken);
            }

            if (day == settings.InterestSwitchDay)
            {
                foreach (var user in fresh.Users)
                {
                    user.SwitchInterest();
                    adaptation[user.Id] = 0;
                }
            }

            var order = fresh.Users.ToArray();
            random.Shuffle(order);
            for (var u = 0; u < order.Length; u++)
            {
                var user = order[u];
                var clock = dayStart + (u * 60_000L);
                // On the switch day every viewer keeps scrolling for the probe's pages, bored or not, so that
                // adaptation is measured on the same number of pages for every policy.
                var minimumPages = day == settings.InterestSwitchDay ? settings.AdaptationProbePages : 0;
                await SessionAsync(policy, user, videos, impressionsOf, tally, adaptation, random, clock, minimumPages, cancellationToken);
            }

            onDay?.Invoke(day + 1);
        }

        var freshVideos = fresh.Videos.Where(v => v.UploadedDay > 0).ToList();
        var reached = freshVideos.Count(v => impressionsOf.GetValueOrDefault(v.Id) >= settings.FirstAudienceImpressions);
        // Viewers who never adapted within the probe count as probe + 1 pages: censored, not excused.
        var probe = settings.AdaptationProbePages;
        var pages = adaptation.Values.Select(p => p < 0 ? -p : probe + 1).Order().ToArray();
        var pagesAfterSwitch = pages.DefaultIfEmpty(0).Average();
        var adaptedShare = adaptation.Count == 0 ? 0 : (double)adaptation.Values.Count(p => p < 0) / adaptation.Count;
        double Within(int n) => pages.Length == 0 ? 0 : (double)pages.Count(p => p <= n) / pages.Length;
        var median = pages.Length == 0 ? 0 : pages.Length % 2 == 1 ? pages[pages.Length / 2] : (pages[(pages.Length / 2) - 1] + pages[pages.Length / 2]) / 2.0;
        return new PolicyOutcome(
            policy.Name,
            tally.WatchMs / 1000.0 / Math.Max(1, tally.Impressions),
            tally.WatchMs / 1000.0 / Math.Max(1, tally.Sessions),
            (double)tally.Completions / Math.Max(1, tally.Impressions),
            tally.EntropySum / Math.Max(1, tally.Sessions),
            freshVideos.Count == 0 ? 0 : (double)reached / freshVideos.Count,
            pagesAfterSwitch,
            adaptedShare,
            tally.Impressions,
            tally.Sessions,
            median,
            Within(2),
            Within(3),
            Within(4));
    }

    private async Task SessionAsync(
        IFeedPolicy policy, SimulatedUser user, Dictionary<long, SimulatedVideo> videos, Dictionary<long, int> impressionsOf,
        Tally tally, Dictionary<long, int> adaptation, Random random, long clock, int minimumPages, CancellationToken cancellationToken)
    {
        var settings = world.Settings;
        var maxPages = Math.Max(settings.MaxPagesPerSession, minimumPages);
        var topicsSeen = new int[settings.Topics];
        var sessionId = (user.Id * 1_000) + random.Next(1_000);
        var bored = false;
        tally.Sessions++;
        for (var pageNumber = 0; pageNumber < maxPages && (!bored || pageNumber < minimumPages); pageNumber++)
        {
            var page = await policy.NextPageAsync(user.Id, settings.PageSize, clock, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            TrackAdaptation(settings.AdaptationProbePages, user, page, videos, adaptation);
            var events = new List<WatchEvent>(page.Count * 4);
            bored = false;
            for (var position = 0; position < page.Count && (!bored || pageNumber < minimumPages); position++)
            {
                var video = videos[page[position]];
                impressionsOf[video.Id] = impressionsOf.GetValueOrDefault(video.Id) + 1;
                topicsSeen[video.MainTopic]++;
                tally.Impressions++;
                var watched = React(user, video, position, random, out var completed, out var liked, out var shared, out var rejected);
                tally.WatchMs += watched;
                tally.Completions += completed ? 1 : 0;

                void Add(WatchEventType type, int watchMs) =>
                    events.Add(new WatchEvent(type, user.Id, video.Id, video.CreatorId, sessionId, watchMs, Math.Min(watchMs, video.DurationMs), clock, clock, FeedSurface.ForYou));
                Add(WatchEventType.Impression, 0);
                Add(WatchEventType.Play, 0);
                clock += watched;
                if (completed)
                {
                    Add(WatchEventType.Complete, watched);
                    if (watched > video.DurationMs)
                    {
                        Add(WatchEventType.Replay, watched);
                    }
                }
                else
                {
                    Add(watched < 2_000 || watched < video.DurationMs / 10 ? WatchEventType.Skip : WatchEventType.Progress, watched);
                }

                if (liked)
                {
                    Add(WatchEventType.Like, watched);
                }

                if (shared)
                {
                    Add(WatchEventType.Share, watched);
                }

                if (rejected)
                {
                    Add(WatchEventType.NotInterested, watched);
                }

                // Boredom: a disappointing video makes leaving likelier.
                var ratio = Math.Min(1.0, (double)watched / video.DurationMs);
                bored = random.NextDouble() < 0.02 + (0.10 * (1 - ratio));
            }

            await policy.ObserveAsync(events.ToArray(), cancellationToken);
        }

        tally.EntropySum += Entropy(topicsSeen);
    }

    /// <summary>
    /// When a video appeared. The initial catalogue built up over the month before the run (its like counts
    /// are that month's history), spread evenly by id, rather than all being uploaded the day before: a
    /// catalogue of thousands of day-old videos that already carry an audience's likes exists nowhere, and
    /// it would make every one of them look like a new upload still owed its first audience.
    /// </summary>
    private static long UploadedAtMs(SimulatedVideo video, long dayStart) =>
        video.UploadedDay == 0 ? dayStart - ((1 + (video.Id % InitialCatalogueDays)) * DayMs) : dayStart;

    /// <summary>A viewer's reaction: milliseconds watched (over the duration when replayed) and what else they did.</summary>
    internal static int React(SimulatedUser user, SimulatedVideo video, int position, Random random, out bool completed, out bool liked, out bool shared, out bool rejected)
    {
        var appeal = Appeal(user, video);
        var match = Dot(user.Interests, video.Topics) / user.Interests.Max();

        // Position bias: further down a page, a viewer is likelier to swipe on at once, whatever the video.
        var attention = 1.0 / (1.0 + (0.04 * position));
        var noise = Gaussian(random) * 0.6;
        var ratio = Sigmoid((6.0 * appeal) - 2.5 + noise);
        if (random.NextDouble() > attention)
        {
            ratio = Math.Min(ratio, 0.05);
        }

        completed = ratio > 0.8;
        var watched = completed ? video.DurationMs : (int)(ratio * video.DurationMs);
        if (completed && random.NextDouble() < 0.35 * appeal)
        {
            watched += video.DurationMs / 2;
        }

        liked = random.NextDouble() < 0.25 * appeal * appeal;
        shared = random.NextDouble() < 0.04 * appeal * appeal;
        rejected = match < 0.1 && random.NextDouble() < 0.03;
        return watched;
    }

    /// <summary>How much a video appeals to a viewer, in [0, 1]: topic match times quality.</summary>
    internal static double Appeal(SimulatedUser user, SimulatedVideo video) =>
        Dot(user.Interests, video.Topics) / user.Interests.Max() * (0.4 + (0.6 * video.Quality));

    private static void TrackAdaptation(int probe, SimulatedUser user, IReadOnlyList<long> page, Dictionary<long, SimulatedVideo> videos, Dictionary<long, int> adaptation)
    {
        if (!adaptation.TryGetValue(user.Id, out var pages) || pages < 0 || pages >= probe)
        {
            return; // before the switch, or already adapted
        }

        pages++;
        var matching = page.Count(id => videos[id].Topics[user.SwitchTo] >= 0.5f);
        adaptation[user.Id] = matching * 2 >= page.Count ? -pages : pages;
    }

    private static double Entropy(int[] counts)
    {
        double total = counts.Sum();
        if (total == 0)
        {
            return 0;
        }

        var entropy = 0.0;
        foreach (var c in counts)
        {
            if (c > 0)
            {
                var p = c / total;
                entropy -= p * Math.Log2(p);
            }
        }

        return entropy;
    }

    private static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    private sealed class Tally
    {
        public long Impressions;
        public long Sessions;
        public long Completions;
        public long WatchMs;
        public double EntropySum;
    }
}
