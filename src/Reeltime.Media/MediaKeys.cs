using System.Globalization;

namespace Reeltime.Media;

/// <summary>Where the media of a video is kept in the object store.</summary>
public static class MediaKeys
{
    /// <summary>Everything stored for a video: its original and its renditions.</summary>
    public static string Video(long videoId) => string.Create(CultureInfo.InvariantCulture, $"videos/{videoId}");

    /// <summary>The uploaded file, as received.</summary>
    public static string Original(long videoId) => string.Create(CultureInfo.InvariantCulture, $"videos/{videoId}/original");

    /// <summary>The folder of a video's published renditions.</summary>
    public static string RenditionFolder(long videoId) => string.Create(CultureInfo.InvariantCulture, $"videos/{videoId}/media");

    /// <summary>A published rendition file, by its name under the video's media (e.g. "hls/720p/seg_000.m4s").</summary>
    public static string Rendition(long videoId, string name) => RenditionFolder(videoId) + "/" + name;
}
