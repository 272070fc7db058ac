using System.Globalization;
using System.Text.Json;

namespace Reeltime.Media.Probing;

/// <summary>One stream of a probed file, as ffprobe describes it.</summary>
public sealed record ProbedStream(
    int Index,
    string CodecType,
    string? CodecName,
    string? Profile,
    int Level,
    int Width,
    int Height,
    string? AverageFrameRate,
    string? RealFrameRate,
    int Rotation,
    string? PixelFormat,
    bool AttachedPicture,
    int SampleAspectNumerator,
    int SampleAspectDenominator,
    int Channels,
    int SampleRate,
    double? DurationSeconds,
    string? ColorTransfer = null)
{
    /// <summary>
    /// Whether the picture is high dynamic range: PQ (HDR10, Dolby Vision's base layer) or HLG (what phones
    /// record by default), which looks dim and washed out unless tone-mapped for an ordinary screen.
    /// </summary>
    public bool HighDynamicRange => ColorTransfer is "smpte2084" or "arib-std-b67";

    /// <summary>The average frame rate, or the real base rate when the average is unknown; 0 when neither is known.</summary>
    public double FrameRate => ProbeReport.Rate(AverageFrameRate) is > 0 and var average ? average : ProbeReport.Rate(RealFrameRate);

    /// <summary>The frame rate as ffmpeg's fps filter takes it (a rational such as 30000/1001).</summary>
    public string? FrameRateText => ProbeReport.Rate(AverageFrameRate) > 0 ? AverageFrameRate : ProbeReport.Rate(RealFrameRate) > 0 ? RealFrameRate : null;
}

/// <summary>A probed file: its container, length, size and streams.</summary>
public sealed record MediaProbe(string FormatName, double? DurationSeconds, long Size, IReadOnlyList<ProbedStream> Streams)
{
    /// <summary>The video stream: cover art is not one.</summary>
    /// <remarks>
    /// Of several, the longest: a Matroska file may carry its cover as a one-frame picture track ahead of the
    /// film, and phones may add a short preview track. The pipeline transcodes this very stream.
    /// </remarks>
    public ProbedStream? Video => Streams.Where(s => s.CodecType == "video" && !s.AttachedPicture)
        .OrderByDescending(s => s.DurationSeconds ?? 0).ThenBy(s => s.Index).FirstOrDefault();

    /// <summary>The first audio stream.</summary>
    public ProbedStream? Audio => Streams.FirstOrDefault(s => s.CodecType == "audio");

    /// <summary>The length: the container's, else the video stream's.</summary>
    public double? Duration => DurationSeconds is > 0 ? DurationSeconds : Video?.DurationSeconds;
}

/// <summary>Reads ffprobe's JSON (<c>-show_format -show_streams -of json</c>) into a <see cref="MediaProbe"/>.</summary>
public static class ProbeReport
{
    /// <summary>Parses the JSON; null when it is not a probe report.</summary>
    public static MediaProbe? Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            List<ProbedStream> streams = [];
            if (root.TryGetProperty("streams", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in list.EnumerateArray())
                {
                    var (sarNumerator, sarDenominator) = Ratio(Text(s, "sample_aspect_ratio"));
                    streams.Add(new ProbedStream(
                        Int(s, "index"),
                        Text(s, "codec_type") ?? "unknown",
                        Text(s, "codec_name"),
                        Text(s, "profile"),
                        Int(s, "level"),
                        Int(s, "width"),
                        Int(s, "height"),
                        Text(s, "avg_frame_rate"),
                        Text(s, "r_frame_rate"),
                        Rotation(s),
                        Text(s, "pix_fmt"),
                        s.TryGetProperty("disposition", out var d) && Int(d, "attached_pic") == 1,
                        sarNumerator,
                        sarDenominator,
                        Int(s, "channels"),
                        Int(s, "sample_rate"),
                        Number(s, "duration") ?? TaggedDuration(s),
                        Text(s, "color_transfer")));
                }
            }

            return new MediaProbe(Text(format, "format_name") ?? "", Number(format, "duration"), (long)(Number(format, "size") ?? 0), streams);
        }
    }

    /// <summary>The value of a rational such as "30000/1001"; 0 for "0/0" or anything unreadable.</summary>
    public static double Rate(string? rational)
    {
        var (numerator, denominator) = Ratio(rational);
        return denominator > 0 && numerator > 0 ? (double)numerator / denominator : 0;
    }

    private static (int Numerator, int Denominator) Ratio(string? text)
    {
        if (text is null)
        {
            return (0, 0);
        }

        var separator = text.IndexOfAny(['/', ':']);
        return separator > 0
            && int.TryParse(text.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var numerator)
            && int.TryParse(text.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var denominator)
            ? (numerator, denominator)
            : (0, 0);
    }

    // The display matrix: ffprobe reports the counter-clockwise angle the picture must be turned to display.
    private static int Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var sideData) && sideData.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var rotation) && rotation.TryGetDouble(out var degrees))
                {
                    return Normalise((int)Math.Round(degrees));
                }
            }
        }

        return stream.TryGetProperty("tags", out var tags) && Text(tags, "rotate") is { } rotate
            && int.TryParse(rotate, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var tagged)
            ? Normalise(-tagged)
            : 0;

        static int Normalise(int degrees) => ((degrees % 360) + 360) % 360;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static int Int(JsonElement element, string name) =>
        int.TryParse(Text(element, name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : 0;

    // Matroska keeps each track's length in a DURATION tag ("00:00:02.023000000") rather than the stream.
    private static double? TaggedDuration(JsonElement stream) =>
        stream.TryGetProperty("tags", out var tags) && Text(tags, "DURATION") is { } text
        && TimeSpan.TryParse(text.Length > 16 ? text[..16] : text, CultureInfo.InvariantCulture, out var length) && length > TimeSpan.Zero
            ? length.TotalSeconds
            : null;

    private static double? Number(JsonElement element, string name) =>
        double.TryParse(Text(element, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
}
