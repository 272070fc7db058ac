using System.Globalization;
using Reeltime.Media.Probing;

namespace Reeltime.Media.Transcoding;

/// <summary>One rendition to make: its picture size (as displayed), frame rate, bit rates and file names.</summary>
/// <param name="Label">The rung's name, e.g. "720p".</param>
/// <param name="Width">Even width as displayed (after rotation).</param>
/// <param name="Height">Even height as displayed.</param>
/// <param name="FrameRate">The output frame rate as a rational ffmpeg takes, e.g. "30" or "30000/1001".</param>
/// <param name="MaxVideoKbps">The video bit-rate ceiling.</param>
/// <param name="AudioKbps">The audio bit rate.</param>
/// <param name="FileName">The MP4's name: "video.mp4" for the top rung, "video-360p.mp4" below it.</param>
public sealed record PlannedRendition(string Label, int Width, int Height, string FrameRate, int MaxVideoKbps, int AudioKbps, string FileName)
{
    /// <summary>The rendition's HLS folder, e.g. "hls/720p".</summary>
    public string HlsFolder => "hls/" + Label;
}

/// <summary>What the transcoder will make of a probed source.</summary>
/// <param name="Renditions">Highest first.</param>
/// <param name="DurationSeconds">The source's length.</param>
/// <param name="HasAudio">Whether the source has sound (otherwise silence is added).</param>
/// <param name="ToneMap">Whether the source is HDR and must be tone-mapped to ordinary (BT.709) video.</param>
/// <param name="VideoStream">The index of the source's stream to transcode (the probe's choice), or -1 for the first video stream.</param>
/// <param name="AudioStream">The index of the sound stream, or -1 for the first.</param>
public sealed record RenditionPlan(IReadOnlyList<PlannedRendition> Renditions, double DurationSeconds, bool HasAudio, bool ToneMap = false, int VideoStream = -1, int AudioStream = -1)
{
    /// <summary>Plans the renditions of a source that passed <see cref="IntakeRules"/>.</summary>
    public static RenditionPlan Create(MediaProbe probe, MediaOptions options)
    {
        var video = probe.Video ?? throw new ArgumentException("The probe has no video stream.", nameof(probe));

        // The size as displayed: non-square pixels stretched, then turned by the display matrix.
        double width = video.Width;
        double height = video.Height;
        if (video.SampleAspectNumerator > 0 && video.SampleAspectDenominator > 0 && video.SampleAspectNumerator != video.SampleAspectDenominator)
        {
            width = width * video.SampleAspectNumerator / video.SampleAspectDenominator;
        }

        if (video.Rotation is 90 or 270)
        {
            (width, height) = (height, width);
        }

        var portrait = height > width;
        var shortSide = Math.Min(width, height);
        var longSide = Math.Max(width, height);
        var sourceRate = video.FrameRate;

        List<PlannedRendition> renditions = [];
        var ladder = options.EffectiveLadder;
        foreach (var rung in ladder)
        {
            // Never upscale; a source smaller than every rung still gets the smallest rung, at its own size.
            var isLast = rung == ladder[^1];
            if (rung.ShortSide > shortSide && !(isLast && renditions.Count == 0))
            {
                continue;
            }

            var targetShort = Even(Math.Min(rung.ShortSide, shortSide));
            var targetLong = Even(longSide * targetShort / shortSide);
            var rate = sourceRate <= rung.MaxFrameRate + 0.01 ? video.FrameRateText! : rung.MaxFrameRate.ToString(CultureInfo.InvariantCulture);
            var label = string.Create(CultureInfo.InvariantCulture, $"{targetShort}p");
            if (renditions.Any(r => r.Label == label))
            {
                continue;
            }

            renditions.Add(new PlannedRendition(
                label,
                portrait ? targetShort : targetLong,
                portrait ? targetLong : targetShort,
                rate,
                rung.EffectiveMaxVideoKbps,
                rung.AudioKbps,
                renditions.Count == 0 ? "video.mp4" : $"video-{label}.mp4"));
        }

        return new RenditionPlan(renditions, probe.Duration ?? 0, probe.Audio is not null, video.HighDynamicRange, video.Index, probe.Audio?.Index ?? -1);
    }

    private static int Even(double value) => Math.Max(2, (int)Math.Round(value / 2) * 2);
}
