namespace Reeltime.Media.Probing;

/// <summary>The container formats accepted, each read by exactly one ffmpeg demuxer.</summary>
public enum ContainerFormat
{
    /// <summary>MP4 and QuickTime MOV (ffmpeg's <c>mov</c> demuxer): what phones record.</summary>
    Mp4,
    /// <summary>Matroska and WebM (ffmpeg's <c>matroska</c> demuxer): what browsers and desktop tools record.</summary>
    Matroska,
}

/// <summary>
/// Decides from the first bytes which demuxer may read a file, before any ffmpeg code sees it. ffprobe's own
/// detection would happily open an HLS playlist, an ffconcat list or an image sequence, each of which can make
/// it read other files or the network; with the format forced, those demuxers are never reached.
/// </summary>
public static class ContainerSniffer
{
    /// <summary>How many leading bytes <see cref="Sniff"/> needs.</summary>
    public const int HeaderLength = 12;

    // ISO base media files start with a box: 4 bytes of size, then its type. Phones write 'ftyp' first; older
    // QuickTime files may start with one of the other top-level boxes.
    private static readonly string[] TopLevelBoxes = ["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot"];

    /// <summary>The container of a file whose first bytes are <paramref name="header"/>, or why it is refused.</summary>
    public static (ContainerFormat? Format, MediaRefusal? Refusal) Sniff(ReadOnlySpan<byte> header, long fileLength)
    {
        if (fileLength == 0)
        {
            return (null, new MediaRefusal("The file is empty."));
        }

        if (header.Length >= 4 && header[0] == 0x1A && header[1] == 0x45 && header[2] == 0xDF && header[3] == 0xA3)
        {
            return (ContainerFormat.Matroska, null);
        }

        if (header.Length >= 8)
        {
            var type = System.Text.Encoding.ASCII.GetString(header.Slice(4, 4));
            if (TopLevelBoxes.Contains(type, StringComparer.Ordinal))
            {
                return (ContainerFormat.Mp4, null);
            }
        }

        return (null, new MediaRefusal("This file is not a video we can read: upload an MP4, MOV, WebM or MKV file."));
    }

    /// <summary>Reads the header of a file and sniffs it.</summary>
    public static async Task<(ContainerFormat? Format, MediaRefusal? Refusal)> SniffFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
        var header = new byte[HeaderLength];
        var read = await file.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, cancellationToken);
        return Sniff(header.AsSpan(0, read), file.Length);
    }
}
