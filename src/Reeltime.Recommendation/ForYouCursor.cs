using System.Buffers.Binary;
using System.Buffers.Text;
using Reeltime.Platform;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation;

/// <summary>
/// Where a run of the For You feed stands, opaque to clients: when the run began (its first page) and, for a
/// visitor, which videos the run has served. A signed-in viewer's cursor is the platform's short
/// <see cref="Cursor"/>: the engine's seen filter moves them on. A visitor has no state on the server, so the
/// run's <see cref="ServedInRun"/> travels in the cursor (about 700 characters, whatever the run's length).
/// </summary>
/// <param name="RunStartedAt">When the run's first page was served (UTC).</param>
/// <param name="Served">For a visitor, what the run has served; null for a signed-in viewer.</param>
public sealed record ForYouCursor(DateTime RunStartedAt, ServedInRun? Served)
{
    private const byte VisitorFormat = 1;
    private const int VisitorBytes = 1 + 8 + ServedInRun.Bytes;
    private static readonly int VisitorLength = Base64Url.GetEncodedLength(VisitorBytes);

    /// <summary>Encodes as URL-safe base64.</summary>
    public string Encode()
    {
        if (Served is null)
        {
            return new Cursor(RunStartedAt, 0).Encode();
        }

        var bytes = new byte[VisitorBytes];
        bytes[0] = VisitorFormat;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), RunStartedAt.Ticks);
        Served.CopyTo(bytes.AsSpan(9));
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Decodes a cursor a client sent back; false if it is not one this server gives out.</summary>
    public static bool TryDecode(string? text, out ForYouCursor? cursor)
    {
        cursor = null;
        if (text is null || text.Length != VisitorLength)
        {
            if (!Cursor.TryDecode(text, out var plain))
            {
                return false;
            }

            cursor = plain is { } start ? new ForYouCursor(start.Time, null) : null;
            return true;
        }

        // Checked before decoding: the decoder throws on characters outside the alphabet.
        var bytes = new byte[VisitorBytes];
        if (!Base64Url.IsValid(text, out var length) || length != VisitorBytes
            || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != VisitorBytes || bytes[0] != VisitorFormat)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1));
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        cursor = new ForYouCursor(new DateTime(ticks, DateTimeKind.Utc), ServedInRun.From(bytes.AsSpan(9)));
        return true;
    }
}
