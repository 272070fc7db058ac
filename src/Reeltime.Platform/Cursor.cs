using System.Buffers.Binary;

namespace Reeltime.Platform;

/// <summary>
/// A keyset position in a list ordered by (time, id): opaque to clients, so the order can change without
/// breaking them, and stable under inserts, unlike page numbers.
/// </summary>
/// <param name="Time">The time of the last item returned.</param>
/// <param name="Id">The id of the last item returned.</param>
public readonly record struct Cursor(DateTime Time, long Id)
{
    /// <summary>The smallest and largest page sizes accepted.</summary>
    public const int MinCount = 1;

    /// <summary>The largest page size accepted.</summary>
    public const int MaxCount = 100;

    /// <summary>
    /// Ranked lists (search) have no time order: their cursor is the rank of the next item, in the same opaque
    /// form, told apart by a time no item has.
    /// </summary>
    /// <param name="rank">How many items came before the next page.</param>
    public static Cursor AtRank(int rank) => new(DateTime.MinValue, rank);

    /// <summary>The rank of a cursor made by <see cref="AtRank"/>; null for a time cursor.</summary>
    public int? Rank => Time == DateTime.MinValue && Id <= int.MaxValue ? (int)Id : null;

    /// <summary>Encodes as URL-safe base64 of 16 bytes.</summary>
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, Time.Ticks);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], Id);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Decodes a cursor a client sent back; false if it is not one of ours.</summary>
    public static bool TryDecode(string? text, out Cursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (text.Length != 22)
        {
            return false;
        }

        var padded = text.Replace('-', '+').Replace('_', '/') + "==";
        Span<byte> bytes = stackalloc byte[18];
        if (!Convert.TryFromBase64String(padded, bytes, out var written) || written != 16)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var id = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks || id < 0)
        {
            return false;
        }

        cursor = new Cursor(new DateTime(ticks, DateTimeKind.Utc), id);
        return true;
    }
}
