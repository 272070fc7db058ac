using System.Globalization;

namespace Reeltime.Media.Probing;

/// <summary>
/// The sanity checks a probe must pass before anything is decoded: the demuxer that read it, the codecs,
/// the picture size, the frame rate and the length. A hostile header that declares a huge picture or an
/// endless length is refused here, before a decoder allocates anything for it.
/// </summary>
public static class IntakeRules
{
    private static readonly string[] VideoCodecs = ["h264", "hevc", "vp8", "vp9", "av1", "mpeg4"];
    private static readonly string[] AudioCodecs = ["aac", "mp3", "opus", "vorbis", "ac3", "eac3", "flac", "alac"];

    /// <summary>Why the probed file is refused, or null when it may be transcoded.</summary>
    public static MediaRefusal? Check(MediaProbe probe, ContainerFormat container, MediaOptions options)
    {
        var expected = container == ContainerFormat.Mp4 ? "mov,mp4,m4a,3gp,3g2,mj2" : "matroska,webm";
        if (!string.Equals(probe.FormatName, expected, StringComparison.Ordinal))
        {
            return new MediaRefusal("This file is not a video we can read: upload an MP4, MOV, WebM or MKV file.");
        }

        if (probe.Video is not { } video)
        {
            return new MediaRefusal(probe.Audio is null ? "This file has no picture: choose a video file." : "This file is sound only, with no picture: choose a video file.");
        }

        if (video.Width <= 0 || video.Height <= 0)
        {
            return new MediaRefusal("The video's picture size cannot be read; the file is damaged or uses a format we do not accept.");
        }

        if (video.Width > options.MaxDimension || video.Height > options.MaxDimension || (long)video.Width * video.Height > options.MaxPixels)
        {
            return new MediaRefusal(string.Create(CultureInfo.InvariantCulture,
                $"The video's picture is {video.Width}×{video.Height} pixels; the largest accepted is {options.MaxDimension} pixels a side and 8K in all."));
        }

        if (video.CodecName is null || !VideoCodecs.Contains(video.CodecName, StringComparer.Ordinal))
        {
            return new MediaRefusal($"The video is encoded as {video.CodecName ?? "an unknown format"}, which we do not accept: export it as H.264, HEVC, VP9 or AV1.");
        }

        var rate = video.FrameRate;
        if (rate <= 0 || video.FrameRateText is null)
        {
            return new MediaRefusal("The video's frame rate cannot be read; the file may be damaged.");
        }

        if (rate > options.MaxSourceFrameRate)
        {
            return new MediaRefusal(string.Create(CultureInfo.InvariantCulture, $"The video declares {rate:0.#} frames a second; the most accepted is {options.MaxSourceFrameRate:0}."));
        }

        if (probe.Duration is not { } seconds)
        {
            return new MediaRefusal("The video's length cannot be read; the file may be damaged or incomplete.");
        }

        if (seconds > options.MaxDuration.TotalSeconds)
        {
            return new MediaRefusal($"The video is {Clock(seconds)} long; the longest accepted is {Clock(options.MaxDuration.TotalSeconds)}.");
        }

        if (seconds < 0.1)
        {
            return new MediaRefusal("The video is too short to play (under a tenth of a second).");
        }

        // A real video cannot fill its length with almost no bytes: a tiny file declaring hours is a lie that
        // would keep a decoder busy (or produce hours of nothing).
        if (seconds > 10 && probe.Size * 8 / seconds < 500)
        {
            return new MediaRefusal("The file declares a length its content cannot fill; it is damaged.");
        }

        if (probe.Audio is { } audio && (audio.CodecName is null || !(AudioCodecs.Contains(audio.CodecName, StringComparer.Ordinal) || audio.CodecName.StartsWith("pcm_", StringComparison.Ordinal))))
        {
            return new MediaRefusal($"The sound is encoded as {audio.CodecName ?? "an unknown format"}, which we do not accept: export it with AAC, MP3 or Opus sound.");
        }

        return null;
    }

    /// <summary>A length as m:ss (or m:ss.f under a minute's rounding), for messages.</summary>
    public static string Clock(double seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        var whole = (int)span.TotalMinutes;
        return span.Milliseconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{whole}:{span.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{whole}:{span.Seconds:00}.{span.Milliseconds / 100}");
    }
}
