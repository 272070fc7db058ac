namespace Reeltime.Recommendation.Engine;

/// <summary>
/// The videos one run of the feed has served to a viewer the engine keeps no state for (a visitor), carried
/// by the run's own cursor: a Bloom filter of fixed size, so the cursor stays small however far the visitor
/// scrolls, and the server keeps nothing per visitor (any node of a cluster can serve the next page).
/// </summary>
/// <remarks>
/// Written here because it must round-trip through a URL as a few hundred bytes, and a general-purpose Bloom
/// filter library would add a dependency for thirty lines. A false positive only keeps a video back from this
/// run: with 4,096 bits and six probes, about 0.2 % of videos after 300 served, 4 % after 600. A forged filter
/// can only hide videos from the one who forged it.
/// </remarks>
public sealed class ServedInRun
{
    /// <summary>The size of the filter in bytes.</summary>
    public const int Bytes = 512;

    private const int Bits = Bytes * 8;
    private const int Probes = 6;
    private readonly byte[] _bits;

    /// <summary>An empty filter: nothing served yet.</summary>
    public ServedInRun()
        : this(new byte[Bytes])
    {
    }

    private ServedInRun(byte[] bits) => _bits = bits;

    /// <summary>Reads a filter written by <see cref="CopyTo"/>; null when the length is not the filter's.</summary>
    public static ServedInRun? From(ReadOnlySpan<byte> bytes) => bytes.Length == Bytes ? new ServedInRun(bytes.ToArray()) : null;

    /// <summary>Writes the filter's <see cref="Bytes"/> bytes.</summary>
    public void CopyTo(Span<byte> destination) => _bits.CopyTo(destination);

    /// <summary>Notes a video as served.</summary>
    public void Add(long videoId)
    {
        var (h1, h2) = Hashes(videoId);
        for (var i = 0; i < Probes; i++)
        {
            var bit = (int)((h1 + ((uint)i * h2)) % Bits);
            _bits[bit >> 3] |= (byte)(1 << (bit & 7));
        }
    }

    /// <summary>True if the video was served in this run (or, rarely, looks as if it was).</summary>
    public bool Contains(long videoId)
    {
        var (h1, h2) = Hashes(videoId);
        for (var i = 0; i < Probes; i++)
        {
            var bit = (int)((h1 + ((uint)i * h2)) % Bits);
            if ((_bits[bit >> 3] & (1 << (bit & 7))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static (uint, uint) Hashes(long videoId)
    {
        // SplitMix64's finaliser: sequential ids spread over the whole filter.
        var z = unchecked((ulong)videoId + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return ((uint)z, (uint)(z >> 32) | 1);
    }
}
