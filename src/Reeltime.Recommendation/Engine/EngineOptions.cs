namespace Reeltime.Recommendation.Engine;

/// <summary>
/// The weights of the published For You score: score = Σ weight × prediction. Operators may change them
/// (<c>Engine:Weights:*</c>); <c>GET /api/feed/for-you/scoring</c> shows the ones in force.
/// </summary>
public sealed class RankingWeights
{
    /// <summary>Weight of P(long watch): the viewer watches at least half, or to the end.</summary>
    public float LongWatch { get; set; } = 1.0f;

    /// <summary>Weight of P(like).</summary>
    public float Like { get; set; } = 0.6f;

    /// <summary>Weight of P(share).</summary>
    public float Share { get; set; } = 0.8f;

    /// <summary>Weight of P(follow the creator from this video).</summary>
    public float Follow { get; set; } = 1.0f;

    /// <summary>Weight of the expected watch ratio (expected watch time over the video's duration).</summary>
    public float WatchRatio { get; set; } = 0.5f;

    /// <summary>
    /// Weight of the nearline model's score (<see cref="NearlineOptions"/>), on a per-viewer scale where the
    /// mean of the viewer's twenty best-scored videos is 1; scaled down by the trust left while a session goes badly.
    /// </summary>
    public float Related { get; set; } = 1.0f;
}

/// <summary>
/// The nearline model (<c>Engine:Nearline:*</c>): EASE over everyone's recent favourites, refitted in the
/// background as long watches accumulate, scored from the viewer's favourites at request time.
/// </summary>
public sealed class NearlineOptions
{
    /// <summary>The model covers this many of the most long-watched videos (0 turns it off). Its memory is 4 bytes × the square.</summary>
    public int Videos { get; set; } = 2048;

    /// <summary>EASE's L2 penalty: larger trusts co-engagement among rarely watched videos less.</summary>
    public double Penalty { get; set; } = 250;

    /// <summary>
    /// A viewer's favourites count less the older they are: the weight halves every this many favourites
    /// (newest first). 0 counts them all alike.
    /// </summary>
    public float RecencyHalfLife { get; set; } = 10;

    /// <summary>The share of each favourite's weight that decays with <see cref="RecencyHalfLife"/>; the rest counts alike for all.</summary>
    public float RecencyShare { get; set; } = 0.6f;

    /// <summary>
    /// Weight of the model's sequence part (what viewers favour within a few favourites of each other, from
    /// the viewer's latest ten) beside its EASE part, each on the per-viewer scale. 0 leaves it out. A feed
    /// serves the next video, and what people favour next follows what they just favoured.
    /// </summary>
    public float SequenceWeight { get; set; } = 0.3f;

    /// <summary>The first fit waits for this many long watches in the whole catalogue.</summary>
    public int FirstFitAfterLongWatches { get; set; } = 1_000;

    /// <summary>A refit waits for the long watches to grow by this share since the last fit (and at most by <see cref="RefitAtMostEveryLongWatches"/>).</summary>
    public double RefitGrowth { get; set; } = 0.25;

    /// <summary>A server (not a seeded run) refits at most this often, so a fit's cost stays a small share of a core.</summary>
    public TimeSpan RefitInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Upper bound of the long watches between two fits, so a large installation still refits often.</summary>
    public int RefitAtMostEveryLongWatches { get; set; } = 2_000_000;
}

/// <summary>How many candidates each source may bring to one request.</summary>
public sealed class SourceBudgets
{
    /// <summary>Nearest neighbours of the viewer's vector among video vectors.</summary>
    public int Similar { get; set; } = 400;

    /// <summary>Videos watched together with the viewer's recent favourites.</summary>
    public int CoWatched { get; set; } = 250;

    /// <summary>Recent videos of followed creators.</summary>
    public int Following { get; set; } = 80;

    /// <summary>Trending overall and in the viewer's hashtags.</summary>
    public int Trending { get; set; } = 150;

    /// <summary>New videos in their staged first audiences.</summary>
    public int Fresh { get; set; } = 80;

    /// <summary>The videos the nearline model scores best for the viewer.</summary>
    public int Related { get; set; } = 150;

    /// <summary>Popular videos in hashtags the viewer has not shown yet.</summary>
    public int Explore { get; set; } = 40;

    /// <summary>Newest videos: only matters while a catalogue has no engagement at all.</summary>
    public int Recent { get; set; } = 40;
}

/// <summary>The engine's settings (<c>Engine:*</c>), validated at start-up.</summary>
public sealed class EngineOptions
{
    /// <summary>Length of every embedding vector.</summary>
    public int Dimensions { get; set; } = 64;

    /// <summary>An id gets its own vector only after it has been seen this many times (frequency filter).</summary>
    public int AdmitAfterSightings { get; set; } = 2;

    /// <summary>Vectors not touched for this long are evicted (event time).</summary>
    public TimeSpan VectorExpiry { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Adagrad learning rate of the embeddings.</summary>
    public float EmbeddingLearningRate { get; set; } = 0.08f;

    /// <summary>Adagrad learning rate of the ranker.</summary>
    public float RankerLearningRate { get; set; } = 0.05f;

    /// <summary>Random negatives drawn per positive label when training the embeddings.</summary>
    public int NegativesPerPositive { get; set; } = 3;

    /// <summary>A video shown to or watched by a viewer is not shown again to them for this long.</summary>
    public TimeSpan SeenWindow { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// A video served but never shown (fetched ahead by a client that then went elsewhere) is held back from the
    /// viewer only this long: long enough for a kept feed to show what it fetched, short enough that videos
    /// fetched behind a shared link are not lost to the viewer for the whole <see cref="SeenWindow"/>.
    /// </summary>
    public TimeSpan ServedHold { get; set; } = TimeSpan.FromHours(1);

    /// <summary>At most this many seen videos are remembered per viewer (the oldest are forgotten first).</summary>
    public int MaxSeenPerUser { get; set; } = 20_000;

    /// <summary>An impression with no outcome within this window is a negative for the ranker.</summary>
    public TimeSpan OutcomeWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// At most this many impressions wait for their outcomes (each holds its ranker features, about 150 bytes);
    /// past it the oldest becomes a training example early, so memory stays bounded under any load.
    /// </summary>
    public int MaxPendingImpressions { get; set; } = 250_000;

    /// <summary>Half-life of trending scores and of co-watch counts.</summary>
    public TimeSpan TrendingHalfLife { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Half-life of co-watch counts.</summary>
    public TimeSpan CoWatchHalfLife { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Half-life of long-term interests in hashtags and creators.</summary>
    public TimeSpan InterestHalfLife { get; set; } = TimeSpan.FromDays(21);

    /// <summary>Half-life of the fast (session) part of a viewer's affinity model: what this session says about their taste.</summary>
    public TimeSpan SessionHalfLife { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Learning rate of the slow part of a viewer's affinity model (its half-life is <see cref="InterestHalfLife"/>).</summary>
    public float AffinityLearningRate { get; set; } = 0.3f;

    /// <summary>Learning rate of the fast (session) part of a viewer's affinity model.</summary>
    public float SessionLearningRate { get; set; } = 1.0f;

    /// <summary>Learning rate of each video's own term in the affinity model (its quality, net of its audience).</summary>
    public float VideoQualityLearningRate { get; set; } = 0.3f;

    /// <summary>The impressions of each stage of a new video's first audience (e.g. 100, 1,000, 10,000).</summary>
    public int[] FreshStages { get; set; } = [100, 1_000, 10_000];

    /// <summary>
    /// The bar of each stage: a video is promoted to the next stage when the posterior mean of its
    /// engagement rate is at least this multiple of the catalogue's mean engagement rate.
    /// </summary>
    public float[] FreshStageBars { get; set; } = [0.8f, 1.0f, 1.2f];

    /// <summary>
    /// A first stage never asks for more impressions than this share of the daily audience (viewers active
    /// today or yesterday); every stage shrinks in the same proportion, so a small installation runs the
    /// same staged funnel at its own scale (400 daily viewers: 10, 100, 1,000 impressions).
    /// </summary>
    public double FreshFirstStageAudienceShare { get; set; } = 0.025;

    /// <summary>However small the audience, a first stage has at least this many impressions (at most <see cref="FreshStages"/>' first).</summary>
    public int FreshFirstStageMinimum { get; set; } = 10;

    /// <summary>Videos younger than this with impressions under the first stage count as fresh.</summary>
    public TimeSpan FreshMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The nearline model's settings.</summary>
    public NearlineOptions Nearline { get; set; } = new();

    /// <summary>Per-source candidate budgets.</summary>
    public SourceBudgets Budgets { get; set; } = new();

    /// <summary>The published score weights.</summary>
    public RankingWeights Weights { get; set; } = new();

    /// <summary>At most one video per creator in any window of this many consecutive items.</summary>
    public int CreatorWindow { get; set; } = 5;

    /// <summary>At most this many videos sharing one hashtag in a page of ten.</summary>
    public int HashtagCapPerTen { get; set; } = 7;

    /// <summary>HNSW: neighbours per node on upper layers (twice as many on the ground layer).</summary>
    public int IndexDegree { get; set; } = 16;

    /// <summary>HNSW: candidate list size while inserting.</summary>
    public int IndexBuildBreadth { get; set; } = 100;

    /// <summary>HNSW: candidate list size while searching (at least the number of results asked).</summary>
    public int IndexSearchBreadth { get; set; } = 160;

    /// <summary>The directory of snapshots (relative paths resolve under the data directory).</summary>
    public string SnapshotDirectory { get; set; } = "engine";

    /// <summary>A snapshot is written after this many applied events (and at least every <see cref="SnapshotInterval"/>).</summary>
    public int SnapshotEveryEvents { get; set; } = 1_000_000;

    /// <summary>A snapshot is written at least this often while events arrive.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Write a snapshot on orderly shutdown.</summary>
    public bool SnapshotOnShutdown { get; set; } = true;

    /// <summary>How long a feed request waits for the engine to apply events logged before it (read-your-writes).</summary>
    public TimeSpan FreshnessWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>New uploads are looked for at most this often by feed requests (0 = on every request).</summary>
    public TimeSpan CatalogRefreshInterval { get; set; } = TimeSpan.Zero;

    /// <summary>The whole catalogue is re-read this often, to learn of deletions, removals and visibility changes.</summary>
    public TimeSpan CatalogResyncInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The seed of every random choice, so runs can be reproduced.</summary>
    public int Seed { get; set; } = 20261125;

    /// <summary>
    /// When true, every vector that moved is re-inserted into the nearest-neighbour index before a batch of
    /// events returns, instead of in the time the batch leaves over. The index, and so every figure of a
    /// seeded run, then no longer depends on how fast or busy the machine is. For simulations, learning
    /// tests and evaluation on small catalogues; a server leaves it off so the refresh never sets the
    /// ingestion rate.
    /// </summary>
    public bool ReproducibleIndexRefresh { get; set; }

    /// <summary>Returns the problems of these settings, empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        List<string> problems = [];
        if (Dimensions is < 4 or > 512 || Dimensions % 4 != 0)
        {
            problems.Add("Engine:Dimensions is a multiple of 4 between 4 and 512.");
        }

        if (AdmitAfterSightings < 1)
        {
            problems.Add("Engine:AdmitAfterSightings is at least 1.");
        }

        if (VectorExpiry <= TimeSpan.Zero || SeenWindow <= TimeSpan.Zero || ServedHold <= TimeSpan.Zero || OutcomeWindow <= TimeSpan.Zero
            || TrendingHalfLife <= TimeSpan.Zero || CoWatchHalfLife <= TimeSpan.Zero || InterestHalfLife <= TimeSpan.Zero || SessionHalfLife <= TimeSpan.Zero)
        {
            problems.Add("Engine:VectorExpiry, SeenWindow, ServedHold, OutcomeWindow and the half-lives are positive durations.");
        }

        if (FreshStages.Length == 0 || FreshStages.Length != FreshStageBars.Length || FreshStages.Any(s => s <= 0))
        {
            problems.Add("Engine:FreshStages holds positive impression counts, one bar in Engine:FreshStageBars for each.");
        }

        if (FreshFirstStageAudienceShare is <= 0 or > 1 || FreshFirstStageMinimum < 1)
        {
            problems.Add("Engine:FreshFirstStageAudienceShare is above 0 and at most 1; FreshFirstStageMinimum is at least 1.");
        }

        if (IndexDegree is < 4 or > 64 || IndexBuildBreadth < IndexDegree || IndexSearchBreadth < 10)
        {
            problems.Add("Engine:IndexDegree is between 4 and 64, IndexBuildBreadth at least the degree, IndexSearchBreadth at least 10.");
        }

        if (MaxPendingImpressions < 1_000)
        {
            problems.Add("Engine:MaxPendingImpressions is at least 1000.");
        }

        if (MaxSeenPerUser < 100 || CreatorWindow < 1 || HashtagCapPerTen is < 1 or > 10)
        {
            problems.Add("Engine:MaxSeenPerUser is at least 100, CreatorWindow at least 1, HashtagCapPerTen between 1 and 10.");
        }

        if (EmbeddingLearningRate <= 0 || RankerLearningRate <= 0 || AffinityLearningRate <= 0 || SessionLearningRate <= 0 || VideoQualityLearningRate <= 0 || NegativesPerPositive < 0)
        {
            problems.Add("Engine:EmbeddingLearningRate, RankerLearningRate, AffinityLearningRate, SessionLearningRate and VideoQualityLearningRate are positive; NegativesPerPositive is not negative.");
        }

        if (Nearline.Videos is < 0 or > 8_192 || Nearline.Penalty <= 0 || Weights.Related < 0 || Nearline.RecencyHalfLife < 0 || Nearline.SequenceWeight < 0 || Nearline.FirstFitAfterLongWatches < 1
            || Nearline.RefitGrowth <= 0 || Nearline.RefitAtMostEveryLongWatches < 1 || Nearline.RefitInterval < TimeSpan.Zero)
        {
            problems.Add("Engine:Nearline:Videos is between 0 and 8192, Penalty positive, Engine:Weights:Related, RecencyHalfLife and SequenceWeight not negative, FirstFitAfterLongWatches, RefitGrowth and RefitAtMostEveryLongWatches positive, RefitInterval not negative.");
        }

        return problems;
    }
}
