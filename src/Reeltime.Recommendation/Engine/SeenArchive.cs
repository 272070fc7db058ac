using System.Runtime.CompilerServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// The older part of a viewer's seen filter: the videos that left the exact tier, kept as Bloom filters
/// of up to <see cref="BucketCapacity"/> videos each, every bucket with the time span of what it holds.
/// </summary>
/// <remarks>
/// <para>
/// The exact tier spends about 36 bytes a video (a dictionary's entry, bucket and slack); a bucket spends
/// 4 (32 bits a video, 8 KiB a bucket). A viewer who scrolls two hundred videos a day for the two weeks of
/// the seen window remembers 2,800 videos: about 100 KB exact, about 30 KB as a few hundred exact and two buckets.
/// </para>
/// <para>
/// Each bucket is a blocked Bloom filter: a video's eight bits all lie in one 64-bit word, so asking a
/// bucket is one read, which keeps a feed request's thousands of checks cheap for a long history. A Bloom
/// filter never forgets a member, so a video seen within the window is never shown again. It may wrongly
/// claim a video it never held, and such a video is only left out of that viewer's candidates. A bucket
/// answers for its whole span: asked whether a video was seen since a time inside the span, it says yes
/// for any member, even one seen just before that time. Both errors only ever hide a video.
/// </para>
/// <para>
/// Written by hand: .NET has no Bloom filter, and the packages that offer one hash through delegates and
/// boxed keys, with a serialisation of their own; this one is a few lines over an array of words.
/// </para>
/// </remarks>
internal sealed class SeenArchive
{
    /// <summary>Videos one bucket takes before the next one starts.</summary>
    public const int BucketCapacity = 2048;

    // 32 bits a video: a word holds two videos' bits on average, so a full bucket claims an unseen video
    // about once in 3,000 (measured in StructureTests: 68 of 20,000 unseen videos over ten buckets). A plain
    // Bloom filter of 16 bits a video did as well (78) but read eleven scattered bits of every bucket instead
    // of one word, and the feed request of a viewer at the cap took a millisecond longer.
    private const int BucketWords = BucketCapacity * 32 / 64;
    private const int BitsPerVideo = 8;

    private readonly List<Bucket> _buckets = [];

    /// <summary>Videos held in all buckets (a video seen again after it was archived counts twice).</summary>
    public int Count { get; private set; }

    public int BucketCount => _buckets.Count;

    /// <summary>Adds <paramref name="video"/>, seen at <paramref name="atSeconds"/>, to the newest bucket, opening one when it is full.</summary>
    public void Add(int video, int atSeconds)
    {
        if (_buckets.Count == 0 || _buckets[^1].Count >= BucketCapacity)
        {
            _buckets.Add(new Bucket(new ulong[BucketWords], atSeconds, atSeconds, 0));
        }

        var bucket = _buckets[^1];
        var (word, mask) = Hash(video);
        bucket.Bits[word] |= mask;

        _buckets[^1] = bucket with { FromSeconds = Math.Min(bucket.FromSeconds, atSeconds), ToSeconds = Math.Max(bucket.ToSeconds, atSeconds), Count = bucket.Count + 1 };
        Count++;
    }

    /// <summary>Whether <paramref name="video"/> may have been seen at or after <paramref name="sinceSeconds"/>; never false for one that was.</summary>
    public bool MayHaveSeen(int video, int sinceSeconds)
    {
        var (word, mask) = Hash(video);
        foreach (var bucket in _buckets)
        {
            if (bucket.ToSeconds >= sinceSeconds && bucket.Contains(word, mask))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The latest time a bucket holding <paramref name="video"/> spans, or null when none holds it.</summary>
    public int? LatestSeconds(int video)
    {
        var (word, mask) = Hash(video);
        int? latest = null;
        foreach (var bucket in _buckets)
        {
            if (bucket.Contains(word, mask) && (latest is null || bucket.ToSeconds > latest))
            {
                latest = bucket.ToSeconds;
            }
        }

        return latest;
    }

    /// <summary>
    /// Drops the buckets that hold nothing seen at or after <paramref name="sinceSeconds"/>, then the oldest
    /// ones until at most <paramref name="max"/> videos are held.
    /// </summary>
    public void Forget(int sinceSeconds, int max)
    {
        if (_buckets.RemoveAll(b => b.ToSeconds < sinceSeconds) > 0)
        {
            Count = _buckets.Sum(b => b.Count);
        }

        while (_buckets.Count > 0 && Count > max)
        {
            var oldest = 0;
            for (var i = 1; i < _buckets.Count; i++)
            {
                if (_buckets[i].ToSeconds < _buckets[oldest].ToSeconds)
                {
                    oldest = i;
                }
            }

            Count -= _buckets[oldest].Count;
            _buckets.RemoveAt(oldest);
        }
    }

    public void Write(BinaryWriter writer, Func<int, long> toMs)
    {
        writer.Write(_buckets.Count);
        foreach (var bucket in _buckets)
        {
            writer.Write(toMs(bucket.FromSeconds));
            writer.Write(toMs(bucket.ToSeconds));
            writer.Write(bucket.Count);
            foreach (var word in bucket.Bits)
            {
                writer.Write(word);
            }
        }
    }

    /// <summary>Reads an archive written by <see cref="Write"/>; null when it holds no bucket.</summary>
    public static SeenArchive? Read(BinaryReader reader, Func<long, int> toSeconds)
    {
        var buckets = reader.ReadInt32();
        if (buckets is < 0 or > 1_000_000)
        {
            throw new InvalidDataException("The snapshot's seen filter is damaged.");
        }

        if (buckets == 0)
        {
            return null;
        }

        var archive = new SeenArchive();
        for (var b = 0; b < buckets; b++)
        {
            var from = toSeconds(reader.ReadInt64());
            var to = toSeconds(reader.ReadInt64());
            var count = reader.ReadInt32();
            var bits = new ulong[BucketWords];
            for (var w = 0; w < bits.Length; w++)
            {
                bits[w] = reader.ReadUInt64();
            }

            archive._buckets.Add(new Bucket(bits, from, to, count));
            archive.Count += count;
        }

        return archive;
    }

    /// <summary>
    /// The word of a bucket that holds <paramref name="video"/>'s bits, and those bits: one SplitMix64 hash
    /// (its finaliser) gives the word from its low bits and eight bit positions from its top 48.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Word, ulong Mask) Hash(int video)
    {
        var z = (ulong)(uint)video + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        var mask = 0UL;
        for (var i = 0; i < BitsPerVideo; i++)
        {
            mask |= 1UL << (int)((z >> (16 + (6 * i))) & 63);
        }

        return ((int)(z & (BucketWords - 1)), mask);
    }

    private readonly record struct Bucket(ulong[] Bits, int FromSeconds, int ToSeconds, int Count)
    {
        public bool Contains(int word, ulong mask) => (Bits[word] & mask) == mask;
    }
}
