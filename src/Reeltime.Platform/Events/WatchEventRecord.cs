using System.Buffers.Binary;
using System.IO.Hashing;

namespace Reeltime.Platform.Events;

/// <summary>
/// The on-disk form of one event in a segment file: a fixed-size, little-endian record with a CRC32, so an
/// offset maps to a file position by arithmetic and a torn or damaged record is detectable on its own.
/// </summary>
/// <remarks>
/// Layout (80 bytes):
/// <code>
///  0  uint32 CRC32 of bytes 4..79
///  4  byte   format version (1)
///  5  byte   Type
///  6  byte   Surface
///  7  byte   reserved (0)
///  8  int64  offset of this record
/// 16  int64  commit start: offset of the first record written by the same group commit
/// 24  int64  UserId
/// 32  int64  VideoId
/// 40  int64  CreatorId
/// 48  int64  SessionId
/// 56  int64  ClientTimeMs
/// 64  int64  ServerTimeMs
/// 72  int32  WatchTimeMs
/// 76  int32  PositionMs
/// </code>
/// The stored offset catches records that end up at the wrong place; the commit start lets recovery tell
/// a torn last commit (tolerated) from damage to an earlier, acknowledged one (corruption).
/// </remarks>
internal static class WatchEventRecord
{
    /// <summary>Bytes per record.</summary>
    public const int Size = 80;

    /// <summary>The record format written by this code.</summary>
    public const byte FormatVersion = 1;

    private const int ChecksumSize = sizeof(uint);

    /// <summary>Encodes <paramref name="watchEvent"/> into exactly <see cref="Size"/> bytes.</summary>
    public static void Write(Span<byte> destination, long offset, long commitStart, in WatchEvent watchEvent)
    {
        destination = destination[..Size];
        destination[4] = FormatVersion;
        destination[5] = (byte)watchEvent.Type;
        destination[6] = (byte)watchEvent.Surface;
        destination[7] = 0;
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], commitStart);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], watchEvent.UserId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], watchEvent.VideoId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[40..], watchEvent.CreatorId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[48..], watchEvent.SessionId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[56..], watchEvent.ClientTimeMs);
        BinaryPrimitives.WriteInt64LittleEndian(destination[64..], watchEvent.ServerTimeMs);
        BinaryPrimitives.WriteInt32LittleEndian(destination[72..], watchEvent.WatchTimeMs);
        BinaryPrimitives.WriteInt32LittleEndian(destination[76..], watchEvent.PositionMs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Crc32.HashToUInt32(destination[ChecksumSize..]));
    }

    /// <summary>
    /// Decodes a record; false when its checksum does not match or its format is unknown
    /// (a torn write, zeros from a crash, or damage).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out long offset, out long commitStart, out WatchEvent watchEvent)
    {
        source = source[..Size];
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Crc32.HashToUInt32(source[ChecksumSize..])
            || source[4] != FormatVersion)
        {
            offset = 0;
            commitStart = 0;
            watchEvent = default;
            return false;
        }

        offset = BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
        commitStart = BinaryPrimitives.ReadInt64LittleEndian(source[16..]);
        watchEvent = new WatchEvent(
            Type: (WatchEventType)source[5],
            UserId: BinaryPrimitives.ReadInt64LittleEndian(source[24..]),
            VideoId: BinaryPrimitives.ReadInt64LittleEndian(source[32..]),
            CreatorId: BinaryPrimitives.ReadInt64LittleEndian(source[40..]),
            SessionId: BinaryPrimitives.ReadInt64LittleEndian(source[48..]),
            WatchTimeMs: BinaryPrimitives.ReadInt32LittleEndian(source[72..]),
            PositionMs: BinaryPrimitives.ReadInt32LittleEndian(source[76..]),
            ClientTimeMs: BinaryPrimitives.ReadInt64LittleEndian(source[56..]),
            ServerTimeMs: BinaryPrimitives.ReadInt64LittleEndian(source[64..]),
            Surface: (FeedSurface)source[6]);
        return true;
    }
}
