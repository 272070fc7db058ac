using Reeltime.Privacy;

namespace Reeltime.Platform.Events;

/// <summary>What happened. Values are persisted in the event log: never renumber, only add.</summary>
public enum WatchEventType : byte
{
    /// <summary>The video was at least half visible.</summary>
    Impression = 1,
    /// <summary>Playback started.</summary>
    Play = 2,
    /// <summary>Playback reached a position (the client sends quarters).</summary>
    Progress = 3,
    /// <summary>Playback reached the end.</summary>
    Complete = 4,
    /// <summary>Playback restarted after completing.</summary>
    Replay = 5,
    /// <summary>The viewer left the video quickly (under 2 s or 10 %).</summary>
    Skip = 6,
    /// <summary>The viewer shared the video.</summary>
    Share = 7,
    /// <summary>The viewer said "not interested".</summary>
    NotInterested = 8,

    // Emitted by the server itself, never accepted from clients.

    /// <summary>The viewer liked the video.</summary>
    Like = 32,
    /// <summary>The viewer took a like back.</summary>
    Unlike = 33,
    /// <summary>The viewer commented on the video.</summary>
    Comment = 34,
    /// <summary>The viewer bookmarked the video.</summary>
    Bookmark = 35,
    /// <summary>The viewer followed the video's creator (creator id in <see cref="WatchEvent.CreatorId"/>).</summary>
    Follow = 36,
    /// <summary>The feed served the video to the viewer.</summary>
    Served = 37,
    /// <summary>
    /// "Not interested" in a creator (<see cref="WatchEvent.CreatorId"/>) or, when the creator id is 0, in a
    /// hashtag (its id in <see cref="WatchEvent.SessionId"/>); <see cref="WatchEvent.VideoId"/> is the video it was said on.
    /// </summary>
    NotInterestedInSubject = 38,
    /// <summary>The viewer deleted one learned interest: a creator (<see cref="WatchEvent.CreatorId"/>) or a hashtag (id in <see cref="WatchEvent.SessionId"/>).</summary>
    InterestRemoved = 39,
    /// <summary>The viewer reset everything the recommender learned about them.</summary>
    InterestsReset = 40,
    /// <summary>The viewer stopped following a creator (creator id in <see cref="WatchEvent.CreatorId"/>), or a block ended the follow.</summary>
    Unfollow = 41,
    /// <summary>
    /// The viewer took back a "not interested" in a creator (<see cref="WatchEvent.CreatorId"/>) or, when the
    /// creator id is 0, in a hashtag (its id in <see cref="WatchEvent.SessionId"/>): its videos may be served again.
    /// </summary>
    NotInterestedWithdrawn = 42,
}

/// <summary>Where in the product the event happened.</summary>
public enum FeedSurface : byte
{
    /// <summary>Not said.</summary>
    Unknown = 0,
    /// <summary>The personalised For You feed.</summary>
    ForYou = 1,
    /// <summary>The Following feed.</summary>
    Following = 2,
    /// <summary>A profile page.</summary>
    Profile = 3,
    /// <summary>A hashtag page.</summary>
    Hashtag = 4,
    /// <summary>Search results.</summary>
    Search = 5,
}

/// <summary>
/// One event of watch telemetry or engagement, as stored in the event log. A fixed-size value so the log
/// can be written and read without per-event allocation. Times are Unix milliseconds.
/// </summary>
/// <remarks>
/// Every field is Protected: together they are one person's viewing history (who watched what, for how
/// long, when and where), personal data that is not public even where a single field, such as a video id, is.
/// </remarks>
/// <param name="Type">What happened.</param>
/// <param name="UserId">Who (0 for a visitor who is not signed in).</param>
/// <param name="VideoId">Which video.</param>
/// <param name="CreatorId">The video's creator when the server knows it (else 0).</param>
/// <param name="SessionId">The client's viewing session, for joining impressions with outcomes.</param>
/// <param name="WatchTimeMs">How long the video was watched in this view, in milliseconds.</param>
/// <param name="PositionMs">Playback position, in milliseconds.</param>
/// <param name="ClientTimeMs">When the client says it happened.</param>
/// <param name="ServerTimeMs">When the server received it: the order of the log.</param>
/// <param name="Surface">Where it happened.</param>
public readonly record struct WatchEvent(
    [property: Classified(DataClassification.Protected)] WatchEventType Type,
    [property: Classified(DataClassification.Protected)] long UserId,
    [property: Classified(DataClassification.Protected)] long VideoId,
    [property: Classified(DataClassification.Protected)] long CreatorId,
    [property: Classified(DataClassification.Protected)] long SessionId,
    [property: Classified(DataClassification.Protected)] int WatchTimeMs,
    [property: Classified(DataClassification.Protected)] int PositionMs,
    [property: Classified(DataClassification.Protected)] long ClientTimeMs,
    [property: Classified(DataClassification.Protected)] long ServerTimeMs,
    [property: Classified(DataClassification.Protected)] FeedSurface Surface);

/// <summary>An event with its position in the log.</summary>
/// <param name="Offset">Zero-based, dense, increasing position in the log.</param>
/// <param name="Event">The event.</param>
public readonly record struct LoggedEvent(
    [property: Classified(DataClassification.Public)] long Offset,
    [property: Classified(DataClassification.Protected)] WatchEvent Event);
