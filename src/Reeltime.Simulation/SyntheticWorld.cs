namespace Reeltime.Simulation;

/// <summary>Sizes and behaviour of a simulated world; every figure is reproducible from <see cref="Seed"/>.</summary>
public sealed record SimulationSettings
{
    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Hidden topics; each becomes a hashtag (<c>#topic3</c>).</summary>
    public int Topics { get; init; } = 24;

    /// <summary>Creators; each mostly posts about one topic.</summary>
    public int Creators { get; init; } = 400;

    /// <summary>Videos present when the simulation starts.</summary>
    public int InitialVideos { get; init; } = 6_000;

    /// <summary>Videos uploaded during the run, spread evenly over the days.</summary>
    public int FreshVideos { get; init; } = 600;

    /// <summary>Viewers.</summary>
    public int Users { get; init; } = 400;

    /// <summary>Simulated days; each viewer opens the app once a day.</summary>
    public int Days { get; init; } = 6;

    /// <summary>Videos per feed page.</summary>
    public int PageSize { get; init; } = 10;

    /// <summary>The most pages a session can last.</summary>
    public int MaxPagesPerSession { get; init; } = 6;

    /// <summary>The day on which every viewer's main interest switches to a topic they never liked.</summary>
    public int InterestSwitchDay { get; init; } = 4;

    /// <summary>Pages every viewer scrolls on the switch day, over which adaptation is measured.</summary>
    public int AdaptationProbePages { get; init; } = 10;

    /// <summary>Impressions a fresh video needs to count as having reached a first audience.</summary>
    public int FirstAudienceImpressions { get; init; } = 10;
}

/// <summary>A video with the hidden truth the policy never sees: its topic mixture and its quality.</summary>
/// <param name="Id">Video id (1-based).</param>
/// <param name="CreatorId">Creator id (1-based).</param>
/// <param name="Hashtags">Public hashtags: the names of its strongest topics.</param>
/// <param name="DurationMs">Length.</param>
/// <param name="UploadedDay">The day it appears (0 for the initial catalogue).</param>
/// <param name="Topics">Hidden topic weights, summing to 1.</param>
/// <param name="Quality">Hidden quality in [0, 1]: how well it holds a viewer who likes its topics.</param>
public sealed record SimulatedVideo(long Id, long CreatorId, IReadOnlyList<string> Hashtags, int DurationMs, int UploadedDay, float[] Topics, float Quality)
{
    /// <summary>Likes gathered before the simulation began (from an audience like the simulated one); 0 for fresh uploads.</summary>
    public int PriorLikes { get; internal set; }

    /// <summary>The strongest topic.</summary>
    public int MainTopic { get; } = Array.IndexOf(Topics, Topics.Max());
}

/// <summary>A viewer's hidden taste.</summary>
internal sealed class SimulatedUser(long id, float[] interests, int switchTo)
{
    public long Id { get; } = id;

    public float[] Interests { get; private set; } = interests;

    /// <summary>The topic the interest moves to on the switch day.</summary>
    public int SwitchTo { get; } = switchTo;

    public int MainTopic => Array.IndexOf(Interests, Interests.Max());

    public void SwitchInterest()
    {
        var next = new float[Interests.Length];
        next[SwitchTo] = 0.85f;
        for (var t = 0; t < next.Length; t++)
        {
            next[t] += 0.15f / next.Length;
        }

        Interests = next;
    }
}

/// <summary>The synthetic catalogue and audience, built deterministically from the settings.</summary>
public sealed class SyntheticWorld
{
    private readonly List<SimulatedVideo> _videos = [];

    /// <summary>Builds the world of <paramref name="settings"/>.</summary>
    public SyntheticWorld(SimulationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        var random = new Random(settings.Seed);
        CreatorTopic = Enumerable.Range(0, settings.Creators).Select(_ => random.Next(settings.Topics)).ToArray();

        long nextId = 1;
        for (var i = 0; i < settings.InitialVideos; i++)
        {
            _videos.Add(NewVideo(random, nextId++, day: 0));
        }

        for (var i = 0; i < settings.FreshVideos; i++)
        {
            _videos.Add(NewVideo(random, nextId++, day: 1 + (i * settings.Days / Math.Max(1, settings.FreshVideos))));
        }

        Users = Enumerable.Range(1, settings.Users).Select(id => NewUser(random, id)).ToList();
        GiveHistory(random);
    }

    /// <summary>The settings it was built from.</summary>
    public SimulationSettings Settings { get; }

    /// <summary>Every video, initial and fresh, in id order.</summary>
    public IReadOnlyList<SimulatedVideo> Videos => _videos;

    /// <summary>Each creator's main topic (index = creator id - 1).</summary>
    internal int[] CreatorTopic { get; }

    internal List<SimulatedUser> Users { get; }

    /// <summary>The hashtag a topic shows as.</summary>
    public static string TopicTag(int topic) => $"topic{topic}";

    private SimulatedVideo NewVideo(Random random, long id, int day)
    {
        var creator = random.Next(Settings.Creators);
        var topics = new float[Settings.Topics];
        var main = random.NextDouble() < 0.85 ? CreatorTopic[creator] : random.Next(Settings.Topics);
        var second = random.Next(Settings.Topics);
        topics[main] += 0.75f;
        topics[second] += 0.25f;
        var tags = main == second ? new[] { TopicTag(main) } : new[] { TopicTag(main), TopicTag(second) };

        // Quality is skewed: most videos are ordinary, a few hold almost anyone who likes their topic.
        var quality = (float)Math.Pow(random.NextDouble(), 1.6);
        var duration = 5_000 + random.Next(55_000);
        return new SimulatedVideo(id, creator + 1, tags, duration, day, topics, quality);
    }

    // The initial catalogue did not appear from nowhere: each video was shown to part of an earlier
    // audience with the same tastes, and its public like count says how that went. Without this a
    // popularity policy would start from nothing, which no real one does.
    private void GiveHistory(Random random)
    {
        var earlier = Enumerable.Range(0, 200).Select(i => NewUser(random, -1 - i)).ToArray();
        foreach (var video in _videos.Where(v => v.UploadedDay == 0))
        {
            var expected = 0.0;
            foreach (var viewer in earlier)
            {
                var appeal = Simulator.Appeal(viewer, video);
                expected += 0.25 * appeal * appeal;
            }

            // Shown to a random share of that audience, so counts are noisy as real counts are.
            video.PriorLikes = (int)Math.Round(expected * (0.5 + random.NextDouble()));
        }
    }

    // Tastes are skewed as in life: a few topics are liked by many, most by a few (Zipf, exponent 0.9).
    private int PopularTopic(Random random)
    {
        var total = 0.0;
        for (var t = 0; t < Settings.Topics; t++)
        {
            total += Math.Pow(t + 1, -0.9);
        }

        var draw = random.NextDouble() * total;
        for (var t = 0; t < Settings.Topics; t++)
        {
            draw -= Math.Pow(t + 1, -0.9);
            if (draw <= 0)
            {
                return t;
            }
        }

        return Settings.Topics - 1;
    }

    private SimulatedUser NewUser(Random random, long id)
    {
        var interests = new float[Settings.Topics];
        var liked = new HashSet<int>();
        var count = 2 + random.Next(2);
        while (liked.Count < count)
        {
            liked.Add(PopularTopic(random));
        }

        var weight = 0.85f / count;
        foreach (var t in liked)
        {
            interests[t] = weight;
        }

        for (var t = 0; t < interests.Length; t++)
        {
            interests[t] += 0.15f / interests.Length;
        }

        int switchTo;
        do
        {
            switchTo = random.Next(Settings.Topics);
        }
        while (liked.Contains(switchTo));

        return new SimulatedUser(id, interests, switchTo);
    }
}
