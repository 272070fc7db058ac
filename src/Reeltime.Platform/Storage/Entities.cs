using Reeltime.Privacy;

namespace Reeltime.Platform.Storage;

// The platform room's stored records. Every property carries its data classification: the privacy room
// enforces it later, and a test fails if a property is stored unmarked.

/// <summary>An account.</summary>
public sealed class UserRecord
{
    [Classified(DataClassification.Public)] public long Id { get; set; }
    [Classified(DataClassification.Public)] public required string Username { get; set; }
    /// <summary>Upper-case invariant form, for case-insensitive uniqueness and prefix search.</summary>
    [Classified(DataClassification.Public)] public required string NormalizedUsername { get; set; }
    [Classified(DataClassification.Public)] public string? DisplayName { get; set; }
    [Classified(DataClassification.Public)] public string? Bio { get; set; }
    [Classified(DataClassification.Protected)] public string? Email { get; set; }
    [Classified(DataClassification.Sensitive)] public required string PasswordHash { get; set; }
    /// <summary>The data region where this user's protected data lives.</summary>
    [Classified(DataClassification.Protected)] public required string Region { get; set; }
    [Classified(DataClassification.Public)] public bool IsPrivate { get; set; }
    [Classified(DataClassification.Protected)] public bool Personalization { get; set; } = true;
    [Classified(DataClassification.Protected)] public int AccessFailedCount { get; set; }
    [Classified(DataClassification.Protected)] public DateTime? LockoutEnd { get; set; }
    [Classified(DataClassification.Public)] public int FollowerCount { get; set; }
    [Classified(DataClassification.Public)] public int FollowingCount { get; set; }
    /// <summary>
    /// Every live video of the user, private ones included; not shown as is (a profile counts what the viewer
    /// may see), so a stranger cannot learn of private videos from it.
    /// </summary>
    [Classified(DataClassification.Public)] public int VideoCount { get; set; }
    [Classified(DataClassification.Public)] public DateTime CreatedAt { get; set; }
}

/// <summary>A signed-in session; the same record backs the browser cookie and the bearer token.</summary>
public sealed class SessionRecord
{
    [Classified(DataClassification.Public)] public long Id { get; set; }
    [Classified(DataClassification.Protected)] public long UserId { get; set; }
    /// <summary>SHA-256 of the token; the token itself is never stored.</summary>
    [Classified(DataClassification.Sensitive)] public required byte[] TokenHash { get; set; }
    /// <summary>SHA-256 of the CSRF token bound to this session.</summary>
    [Classified(DataClassification.Sensitive)] public required byte[] CsrfTokenHash { get; set; }
    [Classified(DataClassification.Protected)] public DateTime CreatedAt { get; set; }
    [Classified(DataClassification.Protected)] public DateTime ExpiresAt { get; set; }
    [Classified(DataClassification.Protected)] public DateTime? RevokedAt { get; set; }
}

/// <summary>Whether a follow is in force or waits for a private account's approval.</summary>
public enum FollowState
{
    Pending = 0,
    Accepted = 1,
}

/// <summary>One user following another.</summary>
public sealed class FollowRecord
{
    [Classified(DataClassification.Public)] public long FollowerId { get; set; }
    [Classified(DataClassification.Public)] public long FolloweeId { get; set; }
    [Classified(DataClassification.Public)] public FollowState State { get; set; }
    [Classified(DataClassification.Protected)] public DateTime CreatedAt { get; set; }
}

/// <summary>One user blocking another.</summary>
public sealed class BlockRecord
{
    [Classified(DataClassification.Protected)] public long BlockerId { get; set; }
    [Classified(DataClassification.Protected)] public long BlockedId { get; set; }
    [Classified(DataClassification.Protected)] public DateTime CreatedAt { get; set; }
}

/// <summary>Who may watch a video.</summary>
public enum VideoVisibility
{
    Public = 0,
    Followers = 1,
    Private = 2,
}

/// <summary>Where a video is in its life.</summary>
public enum VideoStatus
{
    /// <summary>Received, waiting for the media pipeline.</summary>
    Uploaded = 0,
    /// <summary>Being probed and transcoded.</summary>
    Processing = 1,
    /// <summary>Playable.</summary>
    Ready = 2,
    /// <summary>The pipeline refused or failed it; see the status reason.</summary>
    Failed = 3,
}

/// <summary>The moderation state the safety room sets.</summary>
public enum ModerationState
{
    Visible = 0,
    Removed = 1,
}

/// <summary>A video's metadata.</summary>
public sealed class VideoRecord
{
    [Classified(DataClassification.Public)] public long Id { get; set; }
    [Classified(DataClassification.Public)] public long AuthorId { get; set; }
    [Classified(DataClassification.Public)] public required string Caption { get; set; }
    [Classified(DataClassification.Public)] public VideoVisibility Visibility { get; set; }
    [Classified(DataClassification.Public)] public VideoStatus Status { get; set; }
    [Classified(DataClassification.Public)] public string? StatusReason { get; set; }
    [Classified(DataClassification.Public)] public int? Progress { get; set; }
    [Classified(DataClassification.Public)] public ModerationState Moderation { get; set; }
    [Classified(DataClassification.Public)] public int DurationMs { get; set; }
    [Classified(DataClassification.Public)] public int Width { get; set; }
    [Classified(DataClassification.Public)] public int Height { get; set; }
    [Classified(DataClassification.Public)] public int LikeCount { get; set; }
    [Classified(DataClassification.Public)] public int CommentCount { get; set; }
    [Classified(DataClassification.Public)] public int BookmarkCount { get; set; }
    [Classified(DataClassification.Public)] public int ShareCount { get; set; }
    [Classified(DataClassification.Public)] public DateTime CreatedAt { get; set; }
    /// <summary>Set by a soft delete; the purge removes the record after the grace period.</summary>
    [Classified(DataClassification.Public)] public DateTime? DeletedAt { get; set; }

    public List<VideoHashtagRecord> Hashtags { get; set; } = [];
    public List<VideoMentionRecord> Mentions { get; set; } = [];
}

/// <summary>A hashtag, stored once in lower case.</summary>
public sealed class HashtagRecord
{
    [Classified(DataClassification.Public)] public long Id { get; set; }
    [Classified(DataClassification.Public)] public required string Name { get; set; }
    /// <summary>
    /// Every live video with the tag, private ones included; never shown (search and trending count the
    /// videos any visitor may watch), so a tag used only in private stays unknown.
    /// </summary>
    [Classified(DataClassification.Public)] public int VideoCount { get; set; }
}

/// <summary>A hashtag used in a video's caption.</summary>
public sealed class VideoHashtagRecord
{
    [Classified(DataClassification.Public)] public long VideoId { get; set; }
    [Classified(DataClassification.Public)] public long HashtagId { get; set; }
    public HashtagRecord? Hashtag { get; set; }
}

/// <summary>A user mentioned in a video's caption.</summary>
public sealed class VideoMentionRecord
{
    [Classified(DataClassification.Public)] public long VideoId { get; set; }
    [Classified(DataClassification.Public)] public long UserId { get; set; }
}

/// <summary>A like.</summary>
public sealed class LikeRecord
{
    [Classified(DataClassification.Protected)] public long UserId { get; set; }
    [Classified(DataClassification.Protected)] public long VideoId { get; set; }
    [Classified(DataClassification.Protected)] public DateTime CreatedAt { get; set; }
}

/// <summary>A bookmark: private to its owner.</summary>
public sealed class BookmarkRecord
{
    [Classified(DataClassification.Protected)] public long UserId { get; set; }
    [Classified(DataClassification.Protected)] public long VideoId { get; set; }
    [Classified(DataClassification.Protected)] public DateTime CreatedAt { get; set; }
}

/// <summary>A comment or a reply (one level deep).</summary>
public sealed class CommentRecord
{
    [Classified(DataClassification.Public)] public long Id { get; set; }
    [Classified(DataClassification.Public)] public long VideoId { get; set; }
    [Classified(DataClassification.Public)] public long AuthorId { get; set; }
    [Classified(DataClassification.Public)] public long? ParentId { get; set; }
    [Classified(DataClassification.Public)] public required string Text { get; set; }
    [Classified(DataClassification.Public)] public int ReplyCount { get; set; }
    [Classified(DataClassification.Public)] public DateTime CreatedAt { get; set; }
    [Classified(DataClassification.Public)] public DateTime? DeletedAt { get; set; }
}

/// <summary>Where a media job is in its life.</summary>
public enum MediaJobState
{
    /// <summary>Waiting for a worker (not before <see cref="MediaJobRecord.NotBefore"/>).</summary>
    Queued = 0,
    /// <summary>Held by a worker while its lease lasts.</summary>
    Running = 1,
    /// <summary>Done; the renditions are published.</summary>
    Succeeded = 2,
    /// <summary>Given up on; the video carries the reason.</summary>
    Failed = 3,
}

/// <summary>
/// A durable media job: the media room's queue lives in the database, so that a crash at any moment leaves
/// every job queued, or running under a lease that expires and lets another worker retry it.
/// </summary>
public sealed class MediaJobRecord
{
    [Classified(DataClassification.Public)] public long Id { get; set; }
    [Classified(DataClassification.Public)] public long VideoId { get; set; }
    [Classified(DataClassification.Public)] public MediaJobState State { get; set; }
    /// <summary>How many times a worker has claimed the job.</summary>
    [Classified(DataClassification.Public)] public int Attempts { get; set; }
    /// <summary>The job is not claimed before this time (uploads still arriving, back-off after a transient error).</summary>
    [Classified(DataClassification.Public)] public DateTime NotBefore { get; set; }
    /// <summary>The worker that holds the job while it runs.</summary>
    [Classified(DataClassification.Public)] public string? LeaseOwner { get; set; }
    /// <summary>When the running job's lease ends unless the worker's heartbeat extends it.</summary>
    [Classified(DataClassification.Public)] public DateTime? LeaseExpiresAt { get; set; }
    /// <summary>The last error, for operators (creators see the video's status reason).</summary>
    [Classified(DataClassification.Public)] public string? LastError { get; set; }
    [Classified(DataClassification.Public)] public DateTime CreatedAt { get; set; }
    [Classified(DataClassification.Public)] public DateTime UpdatedAt { get; set; }
}

/// <summary>A published rendition file of a video: a playable MP4, the HLS master playlist, or a poster.</summary>
public sealed class VideoRenditionRecord
{
    [Classified(DataClassification.Public)] public long VideoId { get; set; }
    /// <summary>The file's name under the video's media, e.g. <c>video.mp4</c> or <c>hls/master.m3u8</c>.</summary>
    [Classified(DataClassification.Public)] public required string Name { get; set; }
    [Classified(DataClassification.Public)] public required string ContentType { get; set; }
    [Classified(DataClassification.Public)] public long Bytes { get; set; }
    [Classified(DataClassification.Public)] public int Width { get; set; }
    [Classified(DataClassification.Public)] public int Height { get; set; }
    /// <summary>Average bits per second of a playable rendition (0 for images and playlists).</summary>
    [Classified(DataClassification.Public)] public long BitsPerSecond { get; set; }
}

/// <summary>A resumable upload in progress (the tus protocol): its bytes live in a file, its metadata here.</summary>
public sealed class MediaUploadRecord
{
    /// <summary>A random identifier (32 hex digits), also the upload's URL.</summary>
    [Classified(DataClassification.Public)] public required string Id { get; set; }
    [Classified(DataClassification.Protected)] public long UserId { get; set; }
    /// <summary>The declared total length in bytes.</summary>
    [Classified(DataClassification.Protected)] public long Length { get; set; }
    [Classified(DataClassification.Protected)] public required string Caption { get; set; }
    [Classified(DataClassification.Protected)] public VideoVisibility Visibility { get; set; }
    /// <summary>Set when the last byte arrived and the video was created.</summary>
    [Classified(DataClassification.Protected)] public long? VideoId { get; set; }
    [Classified(DataClassification.Protected)] public DateTime CreatedAt { get; set; }
    [Classified(DataClassification.Protected)] public DateTime ExpiresAt { get; set; }
}
