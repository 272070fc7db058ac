using System.Runtime.InteropServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>One entry of a viewer's recent watch sequence.</summary>
internal struct RecentWatch
{
    public int Video;

    // Half precision and this field order pack an entry into 16 bytes instead of 24: a hundred thousand
    // viewers with full histories of 200 then hold 320 MB, not 480 MB.
    private Half _watchRatio;

    public WatchFlags Flags;

    public long AtMs;

    public float WatchRatio
    {
        readonly get => (float)_watchRatio;
        set => _watchRatio = (Half)value;
    }
}

/// <summary>What happened during one view; each flag is counted as a label once per view.</summary>
[Flags]
internal enum WatchFlags : byte
{
    None = 0,
    LongWatch = 1,
    Completed = 2,
    Replayed = 4,
    Skipped = 8,
    Liked = 16,
    Shared = 32,
    Engaged = 64,

    /// <summary>The view's watch ratio has taught the affinity model (later events add only what they add to it).</summary>
    Rated = 128,
}

/// <summary>A decayed weight of interest in a hashtag or creator.</summary>
internal struct Interest
{
    public float Weight;
    public long AtMs;

    public readonly float At(long nowMs, double halfLifeMs) => Weight * (float)Math.Pow(0.5, Math.Max(0, nowMs - AtMs) / halfLifeMs);
}

/// <summary>
/// One weight of a viewer's affinity model (<see cref="UserProfile.HashtagAffinity"/>): a slow part that
/// holds tastes for weeks and a fast part that holds the session's, both in log-odds of watching on.
/// </summary>
internal struct Affinity
{
    public float Slow;
    public float Fast;

    /// <summary>Views that carried this subject (decayed like <see cref="Slow"/>): how much evidence there is.</summary>
    public float Views;

    /// <summary>Views that carried this subject in this session (decayed like <see cref="Fast"/>).</summary>
    public float SessionViews;

    public long AtMs;

    public readonly float SlowAt(long nowMs, double halfLifeMs) => Slow * Decay(nowMs - AtMs, halfLifeMs);

    public readonly float FastAt(long nowMs, double halfLifeMs) => Fast * Decay(nowMs - AtMs, halfLifeMs);

    public readonly float ViewsAt(long nowMs, double halfLifeMs) => Views * Decay(nowMs - AtMs, halfLifeMs);

    public readonly float SessionViewsAt(long nowMs, double halfLifeMs) => SessionViews * Decay(nowMs - AtMs, halfLifeMs);

    /// <summary>Brings every part to <paramref name="nowMs"/>, so a step adds to decayed values.</summary>
    public void DecayTo(long nowMs, double slowHalfLifeMs, double fastHalfLifeMs)
    {
        if (nowMs <= AtMs)
        {
            return;
        }

        var slow = Decay(nowMs - AtMs, slowHalfLifeMs);
        Slow *= slow;
        Views *= slow;
        var fast = Decay(nowMs - AtMs, fastHalfLifeMs);
        Fast *= fast;
        SessionViews *= fast;
        AtMs = nowMs;
    }

    private static float Decay(long ageMs, double halfLifeMs) => ageMs <= 0 ? 1 : MathF.Exp((float)(-ageMs * Math.Log(2) / halfLifeMs));
}

/// <summary>
/// Everything the engine keeps about one viewer: the recent watch sequence (last 200 with watch ratio),
/// long-term interests in hashtags and creators, the seen filter, explicit negative feedback, and a
/// short-term taste vector. A plain state object so it could live in a grain keyed by the user.
/// </summary>
internal sealed class UserProfile(long userId, int dim)
{
    public const int RecentCapacity = 200;
    public const int MaxInterests = 256;
    private const int InitialRecent = 8;

    public long UserId { get; } = userId;

    /// <summary>
    /// The ring of recent watches. It starts small and doubles up to <see cref="RecentCapacity"/>, so the many
    /// viewers with short histories do not each hold 200 entries; it only wraps once it is full.
    /// </summary>
    public RecentWatch[] Recent { get; private set; } = new RecentWatch[InitialRecent];

    /// <summary>Index of the oldest entry of the ring.</summary>
    public int RecentStart { get; set; }

    public int RecentCount { get; set; }

    public CompactMap<Interest> Hashtags { get; } = new();

    public CompactMap<Interest> Creators { get; } = new();

    /// <summary>
    /// Video index → when it was last served or watched (event time, whole seconds since <see cref="SeenEpochMs"/>).
    /// Seconds in an int rather than milliseconds in a long make an entry 16 bytes instead of 24: the seen
    /// filter is the part of a viewer's state that grows with every page, and a window of days needs no
    /// finer clock.
    /// </summary>
    private readonly Dictionary<int, int> _seen = [];

    /// <summary>
    /// Videos served but not (yet) shown: video index → when served (seconds, as <see cref="_seen"/>). A client
    /// fetches ahead and may never show what it fetched (a shared link's page, a feed left early); holding
    /// those back for the whole seen window would spend the viewer's best videos unseen. They are held only
    /// briefly; once shown, the seen filter answers for them.
    /// </summary>
    /// <remarks>Made on first use: most viewers' clients report what they show, and the set stays empty.</remarks>
    private Dictionary<int, int>? _servedOnly;

    /// <summary>
    /// Served-only entries kept at most. Past it, the expired go, then the oldest move to the seen filter
    /// proper, as if shown: a client that never reports impressions (a script on the API) meets no repeats,
    /// and the set's memory stays bounded by the seen filter's own.
    /// </summary>
    private const int MaxServedOnly = 512;

    /// <summary>Videos that left <see cref="_seen"/> when it passed <see cref="ExactSeen"/>; made on first use.</summary>
    private SeenArchive? _archive;

    /// <summary>
    /// The exact tier of the seen filter holds this many videos; older ones move to Bloom filters, which are
    /// a tenth of the size. Short histories (most viewers, and every page of a session) stay exact.
    /// </summary>
    public const int ExactSeen = 512;

    /// <summary>2020-01-01 UTC: seen times count seconds from here, which an int holds from 1952 to 2088.</summary>
    private const long SeenEpochMs = 1_577_836_800_000;

    /// <summary>The viewer's affinity model: hashtag → weight (see <see cref="Affinity"/>).</summary>
    public CompactMap<Affinity> HashtagAffinity { get; } = new();

    /// <summary>The viewer's affinity model: creator → weight.</summary>
    public CompactMap<Affinity> CreatorAffinity { get; } = new();

    /// <summary>The affinity model's bias: how much the viewer watches on in general, and in this session.</summary>
    public Affinity Bias;

    // Most viewers never refuse anything and many follow no one: these sets are made on first use, which
    // saves four empty sets (about 250 bytes) for each of them.
    private static readonly HashSet<int> NoIds = [];
    private HashSet<int>? _hiddenVideos;
    private HashSet<int>? _hiddenCreators;
    private HashSet<int>? _hiddenHashtags;
    private HashSet<int>? _followed;

    /// <summary>Videos the viewer said they are not interested in.</summary>
    public IReadOnlySet<int> HiddenVideos => _hiddenVideos ?? NoIds;

    /// <summary>Creators the viewer said they are not interested in.</summary>
    public IReadOnlySet<int> HiddenCreators => _hiddenCreators ?? NoIds;

    /// <summary>Hashtags the viewer said they are not interested in.</summary>
    public IReadOnlySet<int> HiddenHashtags => _hiddenHashtags ?? NoIds;

    /// <summary>Creators followed, as learned from follow events.</summary>
    public IReadOnlySet<int> Followed => _followed ?? NoIds;

    public void HideVideo(int video) => (_hiddenVideos ??= []).Add(video);

    public void HideCreator(int creator) => (_hiddenCreators ??= []).Add(creator);

    public void HideHashtag(int hashtag) => (_hiddenHashtags ??= []).Add(hashtag);

    public void ShowCreator(int creator) => _hiddenCreators?.Remove(creator);

    public void ShowHashtag(int hashtag) => _hiddenHashtags?.Remove(hashtag);

    public void Follow(int creator) => (_followed ??= []).Add(creator);

    public void Unfollow(int creator) => _followed?.Remove(creator);

    /// <summary>An exponential moving average of the vectors of videos the viewer liked watching.</summary>
    public float[] ShortTerm { get; } = new float[dim];

    public int Watches { get; set; }

    public long LastEventMs { get; set; }

    /// <summary>
    /// Event time of the viewer's latest <c>Impression</c> event (0: none yet). A client that reports what it
    /// puts on screen lets the engine tell a video served and shown from one fetched ahead and never shown.
    /// </summary>
    public long ImpressionReportedMs { get; set; }

    /// <summary>The i-th most recent watch (0 = newest).</summary>
    public ref RecentWatch RecentAt(int i) => ref Recent[(RecentStart + RecentCount - 1 - i) % RecentCapacity];

    /// <summary>Hints the objects this profile's fields point to (reads the fields, so best after <see cref="CacheHint.Object"/> on the profile).</summary>
    public void PrefetchParts()
    {
        if (RecentCount > 0)
        {
            var newest = (RecentStart + RecentCount - 1) % RecentCapacity;
            CacheHint.Line(Recent, newest);
            CacheHint.Line(Recent, Math.Max(0, newest - 7));
        }

        CacheHint.Object(Hashtags);
        CacheHint.Object(Creators);
        CacheHint.Object(HashtagAffinity);
        CacheHint.Object(CreatorAffinity);
        CacheHint.Object(_seen);
        CacheHint.Lines(ShortTerm, 0, ShortTerm.Length);
    }

    /// <summary>Hints the maps' entries (reads the maps, so best after <see cref="PrefetchParts"/>).</summary>
    public void PrefetchMaps()
    {
        Hashtags.Prefetch();
        Creators.Prefetch();
        HashtagAffinity.Prefetch();
        CreatorAffinity.Prefetch();
    }

    /// <summary>The open entry of <paramref name="video"/> among the last few watches, or a new one.</summary>
    public ref RecentWatch WatchOf(int video, long nowMs)
    {
        for (var i = 0; i < Math.Min(RecentCount, 8); i++)
        {
            ref var entry = ref RecentAt(i);
            if (entry.Video == video)
            {
                return ref entry;
            }
        }

        int slot;
        if (RecentCount == Recent.Length && RecentCount < RecentCapacity)
        {
            // Not wrapped yet (RecentStart is 0 until the ring is full), so growing keeps the order.
            var grown = Recent;
            Array.Resize(ref grown, Math.Min(RecentCapacity, Recent.Length * 2));
            Recent = grown;
        }

        if (RecentCount < RecentCapacity)
        {
            slot = (RecentStart + RecentCount) % RecentCapacity;
            RecentCount++;
        }
        else
        {
            slot = RecentStart;
            RecentStart = (RecentStart + 1) % RecentCapacity;
        }

        Recent[slot] = new RecentWatch { Video = video, AtMs = nowMs };
        Watches++;
        return ref Recent[slot];
    }

    /// <summary>The video was served to the viewer: held back briefly, or, if it was shown before, seen again now.</summary>
    public void MarkServed(int video, long atMs, long windowMs, long holdMs, int max)
    {
        if (_seen.TryGetValue(video, out var shown))
        {
            MarkSeen(video, Math.Max(atMs, FromSeenSeconds(shown)), windowMs, max);
            return;
        }

        var at = ToSeenSeconds(atMs);
        var servedOnly = _servedOnly ??= [];
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(servedOnly, video, out var existed);
        entry = existed ? Math.Max(entry, at) : at;
        if (servedOnly.Count > MaxServedOnly)
        {
            // Sorting once per half cap keeps the cost per serve constant.
            var since = ToSeenSeconds(atMs - holdMs);
            var byTime = new List<KeyValuePair<int, int>>(servedOnly);
            byTime.Sort(static (a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : a.Key.CompareTo(b.Key));
            foreach (var (old, when) in byTime)
            {
                if (when >= since && servedOnly.Count <= MaxServedOnly / 2)
                {
                    break;
                }

                servedOnly.Remove(old);
                if (when >= since && !_seen.ContainsKey(old))
                {
                    MarkSeen(old, FromSeenSeconds(when), windowMs, max);
                }
            }
        }
    }

    /// <summary>The video was shown to (or watched by) the viewer: held back for the seen window.</summary>
    /// <remarks>
    /// A served-only entry of the video is left where it is (one hash lookup less on every watch): the seen
    /// filter answers for the video from now on, and the entry goes at the set's next clean-up.
    /// </remarks>
    public void MarkSeen(int video, long atMs, long windowMs, int max)
    {
        _seen[video] = ToSeenSeconds(atMs);
        if (_seen.Count > max)
        {
            ForgetOldSeen(atMs - windowMs, max); // a cap below the exact tier's size: no archive
        }
        else if (_seen.Count > ExactSeen)
        {
            ArchiveOldestSeen(atMs - windowMs, max);
        }
    }

    /// <summary>Whether <paramref name="video"/> was served, shown or watched at or after <paramref name="sinceMs"/>.</summary>
    public bool HasSeen(int video, long sinceMs) => HasSeen(video, sinceMs, sinceMs);

    /// <summary>
    /// Whether <paramref name="video"/> was shown or watched at or after <paramref name="sinceMs"/>, or served
    /// without being shown at or after <paramref name="servedSinceMs"/>; may say yes wrongly for an archived
    /// span, never no wrongly.
    /// </summary>
    public bool HasSeen(int video, long sinceMs, long servedSinceMs)
    {
        if (_servedOnly is not null && _servedOnly.TryGetValue(video, out var served) && served >= ToSeenSeconds(Math.Max(sinceMs, servedSinceMs)))
        {
            return true;
        }

        if (_seen.TryGetValue(video, out var at))
        {
            return at >= ToSeenSeconds(sinceMs); // the exact tier always holds a video's latest time
        }

        return _archive is not null && _archive.MayHaveSeen(video, ToSeenSeconds(sinceMs));
    }

    /// <summary>When <paramref name="video"/> was last served or watched, to the second (an archived one: the end of its bucket's span); <see cref="long.MinValue"/> if never.</summary>
    public long SeenAtMs(int video)
    {
        if (_seen.TryGetValue(video, out var at))
        {
            return FromSeenSeconds(at);
        }

        return _archive?.LatestSeconds(video) is { } latest ? FromSeenSeconds(latest) : long.MinValue;
    }

    /// <summary>Videos the seen filter holds, exact and archived.</summary>
    public int SeenCount => _seen.Count + (_archive?.Count ?? 0);

    /// <summary>Bloom buckets the seen filter's archive holds.</summary>
    public int SeenBuckets => _archive?.BucketCount ?? 0;

    private static int ToSeenSeconds(long ms) =>
        (int)Math.Clamp(Math.DivRem(ms - SeenEpochMs, 1000, out var rest) - (rest < 0 ? 1 : 0), int.MinValue, int.MaxValue);

    private static long FromSeenSeconds(int seconds) => SeenEpochMs + (seconds * 1000L);

    public void AddInterest(bool hashtag, int key, float amount, long nowMs, double halfLifeMs)
    {
        var interests = hashtag ? Hashtags : Creators;
        ref var interest = ref interests.GetValueRefOrAddDefault(key, out _);
        interest.Weight = interest.At(nowMs, halfLifeMs) + amount;
        interest.AtMs = nowMs;
        if (interests.Count > MaxInterests)
        {
            // Forget the weakest fifth at once, so trimming is rare ((n + 1) / 5 go).
            interests.DropLowest(FifthOf(interests.Count), (nowMs, halfLifeMs), static (v, s) => Math.Abs(v.At(s.nowMs, s.halfLifeMs)));
        }
    }

    /// <summary>The affinity weight of <paramref name="key"/>, decayed to now, created when absent; trims the weakest when there are too many.</summary>
    public ref Affinity AffinityOf(bool hashtag, int key, long nowMs, double slowHalfLifeMs, double fastHalfLifeMs)
    {
        var affinities = hashtag ? HashtagAffinity : CreatorAffinity;
        if (affinities.Count >= MaxInterests && !affinities.ContainsKey(key))
        {
            // Forget the fifth with the least evidence at once, so trimming is rare.
            affinities.DropLowest(FifthOf(affinities.Count), (nowMs, slowHalfLifeMs), static (v, s) => v.ViewsAt(s.nowMs, s.slowHalfLifeMs) + Math.Abs(v.SlowAt(s.nowMs, s.slowHalfLifeMs)));
        }

        ref var affinity = ref affinities.GetValueRefOrAddDefault(key, out var existed);
        if (!existed)
        {
            affinity.AtMs = nowMs;
        }

        affinity.DecayTo(nowMs, slowHalfLifeMs, fastHalfLifeMs);
        return ref affinity;
    }

    // How many a trim drops: as many as removing one at a time while fewer than a quarter of those left have gone.
    private static int FifthOf(int count)
    {
        var drop = 0;
        while (drop < (count - drop) / 4)
        {
            drop++;
        }

        return drop;
    }

    /// <summary>Forgets what was learned (interests, history, taste) but keeps explicit choices and the seen filter.</summary>
    public void ResetLearned()
    {
        Hashtags.Clear();
        Creators.Clear();
        HashtagAffinity.Clear();
        CreatorAffinity.Clear();
        Bias = default;
        RecentStart = 0;
        RecentCount = 0;
        Recent = new RecentWatch[InitialRecent];
        Array.Clear(ShortTerm);
        Watches = 0;
    }

    /// <summary>Moves the older half of the exact tier into the archive, dropping what is outside the window or over the cap.</summary>
    private void ArchiveOldestSeen(long sinceMs, int max)
    {
        var since = ToSeenSeconds(sinceMs);
        var byTime = new List<KeyValuePair<int, int>>(_seen);
        byTime.Sort(static (a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : a.Key.CompareTo(b.Key));
        _archive ??= new SeenArchive();
        for (var i = 0; i < byTime.Count / 2; i++)
        {
            var (video, at) = byTime[i];
            if (at >= since)
            {
                _archive.Add(video, at);
            }

            _seen.Remove(video);
        }

        _archive.Forget(since, max - _seen.Count);
        if (_archive.BucketCount == 0)
        {
            _archive = null;
        }
    }

    private void ForgetOldSeen(long sinceMs, int max)
    {
        var since = ToSeenSeconds(sinceMs);
        List<int> old = [];
        foreach (var (video, at) in _seen)
        {
            if (at < since)
            {
                old.Add(video);
            }
        }

        foreach (var video in old)
        {
            _seen.Remove(video);
        }

        if (_seen.Count > max)
        {
            // Down to nine tenths of the cap, oldest first, so the sort is paid once per tenth of the cap.
            // The count to drop is fixed before the loop: read from the shrinking filter, the bound stopped
            // halfway and the filter was sorted twice as often.
            var byTime = new List<KeyValuePair<int, int>>(_seen);
            byTime.Sort(static (a, b) => a.Value.CompareTo(b.Value));
            var excess = _seen.Count - (max * 9 / 10);
            for (var i = 0; i < excess; i++)
            {
                _seen.Remove(byTime[i].Key);
            }
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(UserId);
        writer.Write(RecentCount);
        for (var i = RecentCount - 1; i >= 0; i--)
        {
            ref var w = ref RecentAt(i);
            writer.Write(w.Video);
            writer.Write(w.WatchRatio);
            writer.Write(w.AtMs);
            writer.Write((byte)w.Flags);
        }

        WriteInterests(writer, Hashtags);
        WriteInterests(writer, Creators);
        WriteAffinities(writer, HashtagAffinity);
        WriteAffinities(writer, CreatorAffinity);
        WriteAffinity(writer, Bias);
        writer.Write(_seen.Count);
        foreach (var (video, at) in _seen.OrderBy(p => p.Key))
        {
            // Milliseconds on disk, as before the filter counted seconds: older snapshots stay readable.
            writer.Write(video);
            writer.Write(FromSeenSeconds(at));
        }

        if (_archive is null)
        {
            writer.Write(0);
        }
        else
        {
            _archive.Write(writer, FromSeenSeconds);
        }

        writer.Write(_servedOnly?.Count ?? 0);
        foreach (var (video, at) in (_servedOnly ?? []).OrderBy(p => p.Key))
        {
            writer.Write(video);
            writer.Write(FromSeenSeconds(at));
        }

        WriteSet(writer, HiddenVideos);
        WriteSet(writer, HiddenCreators);
        WriteSet(writer, HiddenHashtags);
        WriteSet(writer, Followed);
        foreach (var x in ShortTerm)
        {
            writer.Write(x);
        }

        writer.Write(Watches);
        writer.Write(LastEventMs);
        writer.Write(ImpressionReportedMs);
    }

    /// <param name="reader">The snapshot.</param>
    /// <param name="dim">Vector dimensions.</param>
    /// <param name="format">The snapshot's format: 4 added served-only entries, 5 the time of the latest impression report.</param>
    public static UserProfile Read(BinaryReader reader, int dim, int format)
    {
        var profile = new UserProfile(reader.ReadInt64(), dim);
        var recent = reader.ReadInt32();
        profile.Recent = new RecentWatch[Math.Clamp(recent, InitialRecent, RecentCapacity)];
        for (var i = 0; i < recent; i++)
        {
            profile.Recent[i] = new RecentWatch { Video = reader.ReadInt32(), WatchRatio = reader.ReadSingle(), AtMs = reader.ReadInt64(), Flags = (WatchFlags)reader.ReadByte() };
        }

        profile.RecentCount = recent;
        ReadInterests(reader, profile.Hashtags);
        ReadInterests(reader, profile.Creators);
        ReadAffinities(reader, profile.HashtagAffinity);
        ReadAffinities(reader, profile.CreatorAffinity);
        profile.Bias = ReadAffinity(reader);
        var seen = reader.ReadInt32();
        for (var i = 0; i < seen; i++)
        {
            profile._seen[reader.ReadInt32()] = ToSeenSeconds(reader.ReadInt64());
        }

        profile._archive = SeenArchive.Read(reader, ToSeenSeconds);
        var servedOnly = format >= 4 ? reader.ReadInt32() : 0;
        for (var i = 0; i < servedOnly; i++)
        {
            (profile._servedOnly ??= [])[reader.ReadInt32()] = ToSeenSeconds(reader.ReadInt64());
        }

        profile._hiddenVideos = ReadSet(reader);
        profile._hiddenCreators = ReadSet(reader);
        profile._hiddenHashtags = ReadSet(reader);
        profile._followed = ReadSet(reader);
        for (var d = 0; d < dim; d++)
        {
            profile.ShortTerm[d] = reader.ReadSingle();
        }

        profile.Watches = reader.ReadInt32();
        profile.LastEventMs = reader.ReadInt64();
        profile.ImpressionReportedMs = format >= 5 ? reader.ReadInt64() : 0;
        return profile;
    }

    private static void WriteInterests(BinaryWriter writer, CompactMap<Interest> interests)
    {
        writer.Write(interests.Count);
        foreach (var (key, interest) in interests)
        {
            writer.Write(key);
            writer.Write(interest.Weight);
            writer.Write(interest.AtMs);
        }
    }

    private static void ReadInterests(BinaryReader reader, CompactMap<Interest> interests)
    {
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            interests[reader.ReadInt32()] = new Interest { Weight = reader.ReadSingle(), AtMs = reader.ReadInt64() };
        }
    }

    private static void WriteAffinities(BinaryWriter writer, CompactMap<Affinity> affinities)
    {
        writer.Write(affinities.Count);
        foreach (var (key, affinity) in affinities)
        {
            writer.Write(key);
            WriteAffinity(writer, affinity);
        }
    }

    private static void WriteAffinity(BinaryWriter writer, Affinity affinity)
    {
        writer.Write(affinity.Slow);
        writer.Write(affinity.Fast);
        writer.Write(affinity.Views);
        writer.Write(affinity.SessionViews);
        writer.Write(affinity.AtMs);
    }

    private static void ReadAffinities(BinaryReader reader, CompactMap<Affinity> affinities)
    {
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            affinities[reader.ReadInt32()] = ReadAffinity(reader);
        }
    }

    private static Affinity ReadAffinity(BinaryReader reader) =>
        new() { Slow = reader.ReadSingle(), Fast = reader.ReadSingle(), Views = reader.ReadSingle(), SessionViews = reader.ReadSingle(), AtMs = reader.ReadInt64() };

    private static void WriteSet(BinaryWriter writer, IReadOnlySet<int> set)
    {
        writer.Write(set.Count);
        foreach (var x in set.Order())
        {
            writer.Write(x);
        }
    }

    private static HashSet<int>? ReadSet(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count == 0)
        {
            return null;
        }

        var set = new HashSet<int>(count);
        for (var i = 0; i < count; i++)
        {
            set.Add(reader.ReadInt32());
        }

        return set;
    }
}
