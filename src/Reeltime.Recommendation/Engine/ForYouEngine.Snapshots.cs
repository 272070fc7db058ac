using System.Text;

namespace Reeltime.Recommendation.Engine;

public sealed partial class ForYouEngine
{
    private const string Magic = "REELTIME-ENGINE";
    private const int FormatVersion = 5; // 3: the seen filter's Bloom archive; 4: videos served but not shown; 5: impressions awaiting the client's word

    /// <summary>
    /// Writes the whole learned state with the offset it reflects. Restoring it and applying the log from
    /// <see cref="AppliedOffset"/> gives the same state as never having stopped.
    /// </summary>
    public void WriteSnapshot(Stream stream) => WriteSnapshot(stream, includeIndex: true);

    /// <summary>Writes the snapshot; without the index it holds the learned state only (the index is derived and lags by design).</summary>
    internal void WriteSnapshot(Stream stream, bool includeIndex)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _lock.EnterReadLock();
        try
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(_dim);
            writer.Write(_appliedOffset);
            writer.Write(_lastEventMs);
            writer.Write(_unknownVideoEvents);
            writer.Write(_audienceDay);
            writer.Write(_audienceToday);
            writer.Write(_audienceYesterday);
            _catalog.Write(writer);
            _users.Write(writer);
            _videos.Write(writer);
            _creators.Write(writer);
            _hashtags.Write(writer);
            if (includeIndex)
            {
                _index.Write(writer);
            }

            _stats.Write(writer, _catalog.Count, _catalog.CreatorCount);
            _coWatch.Write(writer, _catalog.Count);
            _ranker.Write(writer);
            _impressions.Write(writer);
            writer.Write(_profiles.Count);
            foreach (var profile in _profiles.Values.OrderBy(p => p.UserId))
            {
                profile.Write(writer);
            }

            writer.Write(Magic);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Reads an engine written by <see cref="WriteSnapshot(Stream)"/>; throws <see cref="InvalidDataException"/> if it is not one.</summary>
    public static ForYouEngine ReadSnapshot(Stream stream, EngineOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var engine = new ForYouEngine(options, clock);
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            // Formats 3 and 4 lack only later additions (served-only entries, impression reports): still read,
            // so an upgrade keeps its state.
            var version = reader.ReadString() == Magic ? reader.ReadInt32() : -1;
            if (version is not (>= 3 and <= FormatVersion))
            {
                throw new InvalidDataException("This is not a snapshot of this version of the engine.");
            }

            if (reader.ReadInt32() != options.Dimensions)
            {
                throw new InvalidDataException("The snapshot has another number of dimensions than configured.");
            }

            engine._appliedOffset = reader.ReadInt64();
            engine._lastEventMs = reader.ReadInt64();
            engine._unknownVideoEvents = reader.ReadInt64();
            engine._audienceDay = reader.ReadInt64();
            engine._audienceToday = reader.ReadInt32();
            engine._audienceYesterday = reader.ReadInt32();
            engine._catalog.Read(reader);
            engine.GrowPerVideo();
            engine._users.Read(reader);
            engine._videos.Read(reader);
            engine._creators.Read(reader);
            engine._hashtags.Read(reader);
            engine._index.Read(reader);
            engine._stats.Read(reader);
            engine._coWatch.Read(reader);
            engine._ranker.Read(reader);
            engine._impressions.Read(reader);
            var profiles = reader.ReadInt32();
            for (var i = 0; i < profiles; i++)
            {
                var profile = UserProfile.Read(reader, options.Dimensions, version);
                engine._profiles.Add(profile.UserId, profile);
            }

            if (reader.ReadString() != Magic)
            {
                throw new InvalidDataException("The snapshot is truncated.");
            }

            engine.RebuildBoard(engine._lastEventMs);

            // The nearline model is not in the snapshot (it is derived, and large): refitted from the restored favourites.
            if (engine.NearlineDue())
            {
                engine.RefitNearline(background: !options.ReproducibleIndexRefresh);
            }

            return engine;
        }
        catch (EndOfStreamException e)
        {
            engine.Dispose();
            throw new InvalidDataException("The snapshot is truncated.", e);
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>Writes a snapshot to <paramref name="path"/> atomically (temporary file, flush to disk, rename).</summary>
    public void SaveSnapshot(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            WriteSnapshot(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Loads the snapshot at <paramref name="path"/>, or returns null if there is none.</summary>
    public static ForYouEngine? LoadSnapshot(string path, EngineOptions options, TimeProvider clock)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return ReadSnapshot(stream, options, clock);
    }
}
