using System.Runtime.InteropServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>A hashtag of a video as the catalogue feed knows it.</summary>
/// <param name="Id">The platform's hashtag id.</param>
/// <param name="Name">The lower-case name, without '#'.</param>
public readonly record struct CatalogHashtag(long Id, string Name);

/// <summary>
/// What the engine knows of a video: who made it, its hashtags, its length and whether it may be
/// recommended at all. Fed from the platform's database at start and as uploads arrive.
/// </summary>
/// <param name="VideoId">The video.</param>
/// <param name="CreatorId">Its creator.</param>
/// <param name="CreatorName">The creator's username, for explanations.</param>
/// <param name="Hashtags">Its hashtags.</param>
/// <param name="DurationMs">Its length (0 when not known yet).</param>
/// <param name="CreatedAtMs">When it was uploaded, Unix milliseconds.</param>
/// <param name="Recommendable">
/// False when it is deleted, removed by moderation or private: such a video is never a candidate. The
/// serving layer checks visibility again against the database, so this is a pre-filter, not the rule.
/// </param>
public sealed record CatalogVideo(long VideoId, long CreatorId, string CreatorName, IReadOnlyList<CatalogHashtag> Hashtags, int DurationMs, long CreatedAtMs, bool Recommendable);

/// <summary>What can change about a video once the engine knows it: its length (known when processing ends) and whether it may be recommended.</summary>
/// <param name="VideoId">The platform's video id.</param>
/// <param name="DurationMs">Its length in milliseconds, 0 while unknown.</param>
/// <param name="Recommendable">Whether For You may show it (see <see cref="CatalogVideo"/>).</param>
public readonly record struct CatalogVideoState(long VideoId, int DurationMs, bool Recommendable);

/// <summary>
/// The engine's own copy of the catalogue, in dense arrays indexed by a video's position (its "index"),
/// so that per-video state elsewhere in the engine is a plain array, not a hash lookup per candidate.
/// Written by the single writer; read under the engine's read lock.
/// </summary>
internal sealed class VideoCatalog
{
    private const int MaxHashtagsPerVideo = 16;
    private readonly Dictionary<long, int> _videoIndex = [];
    private readonly Dictionary<long, int> _creatorIndex = [];
    private readonly Dictionary<long, int> _hashtagIndex = [];
    private readonly Dictionary<string, int> _hashtagByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _creatorByName = new(StringComparer.OrdinalIgnoreCase);

    private long[] _videoIds = new long[1024];

    // The fields an event or a candidate reads, a cache line's half per video (see CatalogEntry).
    private readonly CacheLineRecords<CatalogEntry> _entries = new(1024);
    private int[] _tagPool = new int[4096];

    // HashtagRelevance per tag-pool slot (the creator's video count it was computed at is in the entry):
    // the learner and the ranker ask for it on every event and candidate, and the creator-hashtag
    // dictionary behind it is too large to stay in cache at a million videos.
    private float[] _tagRelevance = new float[4096];
    private int _tagPoolLength;

    private long[] _creatorIds = new long[256];
    private string[] _creatorNames = new string[256];
    private List<int>[] _creatorVideos = new List<int>[256];

    // How many of each creator's videos carry each hashtag, keyed by (creator, hashtag).
    private readonly Dictionary<long, int> _creatorHashtagVideos = [];

    private long[] _hashtagIds = new long[256];
    private string[] _hashtagNames = new string[256];

    /// <summary>Grows with the catalogue; other components size their per-video arrays from it.</summary>
    public int Count { get; private set; }

    public int CreatorCount { get; private set; }

    public int HashtagCount { get; private set; }

    /// <summary>The highest video id seen, for incremental loading.</summary>
    public long MaxVideoId { get; private set; }

    public bool TryGetIndex(long videoId, out int index) => _videoIndex.TryGetValue(videoId, out index);

    /// <summary>Hints a video's catalogue fields (first stage of <see cref="PrefetchTags"/>).</summary>
    public void PrefetchVideo(int index)
    {
        CacheHint.Line(_videoIds, index);
        _entries.Prefetch(index);
    }

    /// <summary>Hints a video's hashtags, their relevances and its creator's list slot (reads its catalogue fields, so best after <see cref="PrefetchVideo"/>).</summary>
    public void PrefetchTags(int index)
    {
        if ((uint)index < (uint)Count)
        {
            ref readonly var entry = ref _entries[index];
            CacheHint.Line(_tagPool, entry.TagStart);
            CacheHint.Line(_tagRelevance, entry.TagStart);
            CacheHint.Line(_creatorVideos, entry.Creator);
        }
    }

    /// <summary>Hints the list of the video's creator's videos (reads what <see cref="PrefetchTags"/> hinted).</summary>
    public void PrefetchCreatorVideos(int index)
    {
        if ((uint)index < (uint)Count)
        {
            CacheHint.Object(_creatorVideos[_entries[index].Creator]);
        }
    }

    public long VideoId(int index) => _videoIds[index];

    public int CreatorOf(int index) => _entries[index].Creator;

    public long CreatorId(int creator) => _creatorIds[creator];

    public string CreatorName(int creator) => _creatorNames[creator];

    public long HashtagId(int hashtag) => _hashtagIds[hashtag];

    public string HashtagName(int hashtag) => _hashtagNames[hashtag];

    public int DurationMs(int index) => _entries[index].DurationMs;

    public long CreatedAtMs(int index) => _entries[index].CreatedAtMs;

    public bool IsRecommendable(int index) => _entries[index].Recommendable;

    public ReadOnlySpan<int> HashtagsOf(int index)
    {
        ref readonly var entry = ref _entries[index];
        return _tagPool.AsSpan(entry.TagStart, entry.TagCount);
    }

    /// <summary>A creator's videos, oldest first.</summary>
    public List<int> VideosOf(int creator) => _creatorVideos[creator];

    public bool TryGetCreator(long creatorId, out int creator) => _creatorIndex.TryGetValue(creatorId, out creator);

    public bool TryGetCreatorByName(string username, out int creator) => _creatorByName.TryGetValue(username, out creator);

    public bool TryGetHashtag(long hashtagId, out int hashtag) => _hashtagIndex.TryGetValue(hashtagId, out hashtag);

    public bool TryGetHashtagByName(string name, out int hashtag) => _hashtagByName.TryGetValue(name, out hashtag);

    /// <summary>Applies a known video's current state; true if anything changed.</summary>
    public bool Update(int index, in CatalogVideoState state)
    {
        ref var entry = ref _entries[index];
        var changed = entry.Recommendable != state.Recommendable || (state.DurationMs > 0 && entry.DurationMs != state.DurationMs);
        entry.Recommendable = state.Recommendable;
        if (state.DurationMs > 0)
        {
            entry.DurationMs = state.DurationMs;
        }

        return changed;
    }

    /// <summary>Adds a video or updates what may change (recommendable, duration); returns its index.</summary>
    public int Upsert(CatalogVideo video)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (_videoIndex.TryGetValue(video.VideoId, out var existing))
        {
            ref var known = ref _entries[existing];
            known.Recommendable = video.Recommendable;
            if (video.DurationMs > 0)
            {
                known.DurationMs = video.DurationMs;
            }

            return existing;
        }

        var index = Count;
        if (index == _videoIds.Length)
        {
            var size = index * 2;
            Array.Resize(ref _videoIds, size);
        }

        _entries.EnsureCapacity(index + 1);

        var creator = InternCreator(video.CreatorId, video.CreatorName);
        _videoIds[index] = video.VideoId;
        ref var entry = ref _entries[index];
        entry = new CatalogEntry
        {
            Creator = creator,
            DurationMs = video.DurationMs,
            CreatedAtMs = video.CreatedAtMs,
            Recommendable = video.Recommendable,
        };
        var tags = Math.Min(video.Hashtags.Count, MaxHashtagsPerVideo);
        if (_tagPoolLength + tags > _tagPool.Length)
        {
            Array.Resize(ref _tagPool, Math.Max(_tagPool.Length * 2, _tagPoolLength + tags));
            Array.Resize(ref _tagRelevance, _tagPool.Length);
        }

        entry.TagStart = _tagPoolLength;
        entry.TagCount = (byte)tags;
        for (var i = 0; i < tags; i++)
        {
            var tag = InternHashtag(video.Hashtags[i].Id, video.Hashtags[i].Name);
            _tagPool[_tagPoolLength++] = tag;
            CollectionsMarshal.GetValueRefOrAddDefault(_creatorHashtagVideos, CreatorHashtagKey(creator, tag), out _)++;
        }

        _creatorVideos[creator].Add(index);
        _videoIndex.Add(video.VideoId, index);
        MaxVideoId = Math.Max(MaxVideoId, video.VideoId);
        Count = index + 1;
        return index;
    }

    /// <summary>
    /// How central a hashtag is to a video, in (0, 1]: the share of its creator's videos that carry it.
    /// Creators mostly keep to a niche, so a hashtag that creator rarely uses is more likely incidental
    /// to the video (a second topic, a trend ridden) than what it is about.
    /// </summary>
    public float HashtagRelevance(int video, int hashtag)
    {
        var creator = _entries[video].Creator;
        _creatorHashtagVideos.TryGetValue(CreatorHashtagKey(creator, hashtag), out var carrying);
        return Math.Max(1, carrying) / (float)Math.Max(1, _creatorVideos[creator].Count);
    }

    /// <summary><see cref="HashtagRelevance"/> of each of the video's hashtags, in the order of <see cref="HashtagsOf"/>.</summary>
    /// <remarks>
    /// Cached per video until its creator's catalogue grows. Readers may fill the cache concurrently: they
    /// all write the same values, and the version is published after them.
    /// </remarks>
    public void HashtagRelevances(int video, Span<float> relevances)
    {
        var cached = HashtagRelevances(video);
        cached[..Math.Min(cached.Length, relevances.Length)].CopyTo(relevances);
    }

    /// <summary>
    /// <see cref="HashtagRelevance"/> of each of the video's hashtags, in the order of <see cref="HashtagsOf"/>,
    /// from the cache; valid until the catalogue next changes (callers hold the engine's lock).
    /// </summary>
    public ReadOnlySpan<float> HashtagRelevances(int video)
    {
        ref var entry = ref _entries[video];
        var start = entry.TagStart;
        var count = entry.TagCount;
        var version = _creatorVideos[entry.Creator].Count;
        if (Volatile.Read(ref entry.RelevanceAt) != version)
        {
            for (var i = 0; i < count; i++)
            {
                _tagRelevance[start + i] = HashtagRelevance(video, _tagPool[start + i]);
            }

            Volatile.Write(ref entry.RelevanceAt, version);
        }

        return _tagRelevance.AsSpan(start, count);
    }

    private static long CreatorHashtagKey(int creator, int hashtag) => ((long)creator << 32) | (uint)hashtag;

    private int InternCreator(long creatorId, string name)
    {
        if (_creatorIndex.TryGetValue(creatorId, out var creator))
        {
            if (!string.Equals(_creatorNames[creator], name, StringComparison.Ordinal) && name.Length > 0)
            {
                _creatorByName.Remove(_creatorNames[creator]);
                _creatorNames[creator] = name;
                _creatorByName[name] = creator;
            }

            return creator;
        }

        creator = CreatorCount++;
        if (creator == _creatorIds.Length)
        {
            Array.Resize(ref _creatorIds, creator * 2);
            Array.Resize(ref _creatorNames, creator * 2);
            Array.Resize(ref _creatorVideos, creator * 2);
        }

        _creatorIds[creator] = creatorId;
        _creatorNames[creator] = name;
        _creatorVideos[creator] = [];
        _creatorIndex.Add(creatorId, creator);
        _creatorByName[name] = creator;
        return creator;
    }

    private int InternHashtag(long hashtagId, string name)
    {
        if (_hashtagIndex.TryGetValue(hashtagId, out var hashtag))
        {
            return hashtag;
        }

        hashtag = HashtagCount++;
        if (hashtag == _hashtagIds.Length)
        {
            Array.Resize(ref _hashtagIds, hashtag * 2);
            Array.Resize(ref _hashtagNames, hashtag * 2);
        }

        _hashtagIds[hashtag] = hashtagId;
        _hashtagNames[hashtag] = name;
        _hashtagIndex.Add(hashtagId, hashtag);
        _hashtagByName[name] = hashtag;
        return hashtag;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Count);
        for (var i = 0; i < Count; i++)
        {
            ref readonly var entry = ref _entries[i];
            writer.Write(_videoIds[i]);
            writer.Write(_creatorIds[entry.Creator]);
            writer.Write(_creatorNames[entry.Creator]);
            writer.Write(entry.DurationMs);
            writer.Write(entry.CreatedAtMs);
            writer.Write(entry.Recommendable);
            var tags = HashtagsOf(i);
            writer.Write((byte)tags.Length);
            foreach (var t in tags)
            {
                writer.Write(_hashtagIds[t]);
                writer.Write(_hashtagNames[t]);
            }
        }
    }

    public void Read(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var videoId = reader.ReadInt64();
            var creatorId = reader.ReadInt64();
            var creatorName = reader.ReadString();
            var duration = reader.ReadInt32();
            var created = reader.ReadInt64();
            var recommendable = reader.ReadBoolean();
            var tagCount = reader.ReadByte();
            var tags = new CatalogHashtag[tagCount];
            for (var t = 0; t < tagCount; t++)
            {
                tags[t] = new CatalogHashtag(reader.ReadInt64(), reader.ReadString());
            }

            if (Upsert(new CatalogVideo(videoId, creatorId, creatorName, tags, duration, created, recommendable)) != i)
            {
                throw new InvalidDataException("The snapshot's catalogue repeats a video.");
            }
        }
    }
}

/// <summary>
/// The catalogue's fields of one video that events and candidates read, in 32 bytes so that two share a
/// cache line and none crosses one (<see cref="CacheLineRecords{T}"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
internal struct CatalogEntry
{
    public long CreatedAtMs;

    /// <summary>The creator's dense index.</summary>
    public int Creator;
    public int DurationMs;

    /// <summary>Where the video's hashtags start in the tag pool.</summary>
    public int TagStart;

    /// <summary>The creator's video count the cached hashtag relevances were computed at (read and written with Volatile).</summary>
    public int RelevanceAt;
    public byte TagCount;
    public bool Recommendable;
}
