using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Reeltime.Media.Tests;

/// <summary>
/// The hostile uploads of the intake's tests, each made on the spot from a real clip or by hand, so that the
/// pipeline's tests and the worker's tests refuse the very same bytes.
/// </summary>
public static class HostileFiles
{
    /// <summary>A text file, as if named .mp4.</summary>
    public static byte[] Text() => Encoding.UTF8.GetBytes("Dear diary, today I uploaded a text file.\n");

    /// <summary>The first half of a valid MP4 (its index at the end is missing).</summary>
    public static async Task<byte[]> TruncatedAsync()
    {
        var whole = await File.ReadAllBytesAsync(await Clips.PortraitAsync());
        return whole[..(whole.Length / 2)];
    }

    /// <summary>An HLS playlist whose one segment is <paramref name="target"/>.</summary>
    public static byte[] Playlist(string target) =>
        Encoding.UTF8.GetBytes($"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{target}\n#EXT-X-ENDLIST\n");

    /// <summary>An ffconcat list of a real clip and a file on a local port.</summary>
    public static async Task<byte[]> FfconcatAsync(int port) =>
        Encoding.UTF8.GetBytes($"ffconcat version 1.0\nfile '{await Clips.PortraitAsync()}'\nfile 'http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/x.mp4'\n");

    /// <summary>A raw-video QuickTime file whose sample description claims <paramref name="side"/>×<paramref name="side"/> pixels.</summary>
    public static async Task<byte[]> HugePictureAsync(string scratch, int side)
    {
        var raw = Path.Combine(scratch, $"raw-{Guid.NewGuid():N}.mov");
        await Clips.RunFfmpegAsync("-f", "lavfi", "-i", "testsrc2=s=16x16:r=5:d=1", "-c:v", "rawvideo", "-pix_fmt", "uyvy422", raw);
        var bytes = await File.ReadAllBytesAsync(raw);
        File.Delete(raw);
        var entry = IndexOf(bytes, "stsd"u8) + 12;
        var width = entry + 4 + 4 + 6 + 2 + 2 + 2 + 4 + 4 + 4;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(width), (ushort)side);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(width + 2), (ushort)side);
        return bytes;
    }

    /// <summary>A one-second Matroska file of a few kilobytes whose header declares ten hours.</summary>
    public static async Task<byte[]> TenHoursAsync(string scratch)
    {
        var small = Path.Combine(scratch, $"small-{Guid.NewGuid():N}.mkv");
        await Clips.RunFfmpegAsync("-f", "lavfi", "-i", "testsrc2=s=64x64:r=10:d=1", "-c:v", "libx264", "-preset", "ultrafast", small);
        var bytes = await File.ReadAllBytesAsync(small);
        File.Delete(small);
        var duration = IndexOf(bytes, [0x44, 0x89, 0x88]) + 3;
        BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(duration), 10 * 3600 * 1000.0);
        return bytes;
    }

    /// <summary>A JPEG picture followed by a ZIP archive holding a valid clip.</summary>
    public static async Task<byte[]> PolyglotAsync(string scratch)
    {
        var jpeg = Path.Combine(scratch, $"picture-{Guid.NewGuid():N}.jpg");
        await Clips.RunFfmpegAsync("-f", "lavfi", "-i", "testsrc2=s=64x64:d=1", "-frames:v", "1", jpeg);
        var picture = await File.ReadAllBytesAsync(jpeg);
        File.Delete(jpeg);
        using var zip = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = archive.CreateEntry("video.mp4").Open();
            await entry.WriteAsync(await File.ReadAllBytesAsync(await Clips.PortraitAsync()));
        }

        return [.. picture, .. zip.ToArray()];
    }

    private static int IndexOf(byte[] bytes, ReadOnlySpan<byte> pattern)
    {
        var at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0, "pattern not found");
        return at;
    }
}
