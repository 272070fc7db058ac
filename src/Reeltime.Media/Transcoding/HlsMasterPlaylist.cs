using System.Globalization;
using System.Text;

namespace Reeltime.Media.Transcoding;

/// <summary>One HLS rendition as measured after packaging.</summary>
/// <param name="PlaylistPath">The rendition's playlist relative to the master, e.g. "720p/index.m3u8".</param>
/// <param name="PeakBitsPerSecond">The highest bit rate of any one segment (HLS's BANDWIDTH).</param>
/// <param name="AverageBitsPerSecond">All segments' bits over all their time (HLS's AVERAGE-BANDWIDTH).</param>
/// <param name="Codecs">The RFC 6381 codecs string, e.g. "avc1.64001f,mp4a.40.2".</param>
/// <param name="Width">Picture width.</param>
/// <param name="Height">Picture height.</param>
/// <param name="FrameRate">Frames a second.</param>
public sealed record HlsVariant(string PlaylistPath, long PeakBitsPerSecond, long AverageBitsPerSecond, string Codecs, int Width, int Height, double FrameRate);

/// <summary>
/// Writes the master playlist by hand. ffmpeg can write one, but with CRF encoding it states BANDWIDTH from
/// the audio alone; here it comes from the segments actually written, as the HLS specification defines it.
/// </summary>
public static class HlsMasterPlaylist
{
    /// <summary>Measures a rendition from its media playlist's segment durations and the segments' sizes.</summary>
    /// <param name="mediaPlaylist">The text of the rendition's playlist.</param>
    /// <param name="sizeOf">The size in bytes of a segment named in the playlist.</param>
    public static (long Peak, long Average) Measure(string mediaPlaylist, Func<string, long> sizeOf)
    {
        double peak = 0;
        double totalBits = 0;
        double totalSeconds = 0;
        double? duration = null;
        foreach (var raw in mediaPlaylist.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                var value = line["#EXTINF:".Length..].Split(',')[0];
                duration = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : null;
            }
            else if (line.Length > 0 && !line.StartsWith('#') && duration is { } seconds)
            {
                var bits = sizeOf(line) * 8.0;
                peak = Math.Max(peak, bits / seconds);
                totalBits += bits;
                totalSeconds += seconds;
                duration = null;
            }
        }

        return ((long)Math.Ceiling(peak), totalSeconds > 0 ? (long)Math.Ceiling(totalBits / totalSeconds) : 0);
    }

    /// <summary>The RFC 6381 codec string of H.264 High at <paramref name="level"/> with AAC-LC.</summary>
    public static string Codecs(string? profile, int level)
    {
        var profileIdc = profile switch
        {
            "Main" => "4d40",
            "Constrained Baseline" => "42e0",
            "Baseline" => "4200",
            _ => "6400",
        };
        return string.Create(CultureInfo.InvariantCulture, $"avc1.{profileIdc}{Math.Clamp(level, 0, 255):x2},mp4a.40.2");
    }

    /// <summary>The master playlist text, highest rendition first.</summary>
    public static string Write(IEnumerable<HlsVariant> variants)
    {
        var text = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        foreach (var v in variants)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"#EXT-X-STREAM-INF:BANDWIDTH={v.PeakBitsPerSecond},AVERAGE-BANDWIDTH={v.AverageBitsPerSecond},CODECS=\"{v.Codecs}\",RESOLUTION={v.Width}x{v.Height},FRAME-RATE={v.FrameRate:0.000}\n");
            text.Append(v.PlaylistPath).Append('\n');
        }

        return text.ToString();
    }
}
