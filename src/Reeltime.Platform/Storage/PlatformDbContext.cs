using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Reeltime.Platform.Storage;

/// <summary>
/// The platform room's database. One model, two providers: each provider has its own subclass so that each
/// keeps its own migrations (SQLite for one machine, PostgreSQL at scale).
/// </summary>
public abstract class PlatformDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<UserRecord> Users => Set<UserRecord>();
    public DbSet<SessionRecord> Sessions => Set<SessionRecord>();
    public DbSet<FollowRecord> Follows => Set<FollowRecord>();
    public DbSet<BlockRecord> Blocks => Set<BlockRecord>();
    public DbSet<VideoRecord> Videos => Set<VideoRecord>();
    public DbSet<HashtagRecord> Hashtags => Set<HashtagRecord>();
    public DbSet<VideoHashtagRecord> VideoHashtags => Set<VideoHashtagRecord>();
    public DbSet<VideoMentionRecord> VideoMentions => Set<VideoMentionRecord>();
    public DbSet<LikeRecord> Likes => Set<LikeRecord>();
    public DbSet<BookmarkRecord> Bookmarks => Set<BookmarkRecord>();
    public DbSet<CommentRecord> Comments => Set<CommentRecord>();
    public DbSet<MediaJobRecord> MediaJobs => Set<MediaJobRecord>();
    public DbSet<VideoRenditionRecord> VideoRenditions => Set<VideoRenditionRecord>();
    public DbSet<MediaUploadRecord> MediaUploads => Set<MediaUploadRecord>();

    /// <summary>Which full-text engine this provider offers.</summary>
    public abstract DatabaseKind Kind { get; }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite hands DateTime back unspecified and PostgreSQL insists on UTC: pin every timestamp to UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserRecord>(user =>
        {
            user.ToTable("Users");
            user.Property(u => u.Username).HasMaxLength(Platform.Accounts.UsernameRules.MaxLength);
            user.Property(u => u.NormalizedUsername).HasMaxLength(Platform.Accounts.UsernameRules.MaxLength);
            user.HasIndex(u => u.NormalizedUsername).IsUnique();
            user.Property(u => u.DisplayName).HasMaxLength(64);
            user.Property(u => u.Bio).HasMaxLength(300);
            user.Property(u => u.Email).HasMaxLength(254);
            user.Property(u => u.Region).HasMaxLength(32);
        });

        modelBuilder.Entity<SessionRecord>(session =>
        {
            session.ToTable("Sessions");
            session.HasIndex(s => s.TokenHash).IsUnique();
            session.HasIndex(s => s.UserId);
        });

        modelBuilder.Entity<FollowRecord>(follow =>
        {
            follow.ToTable("Follows");
            follow.HasKey(f => new { f.FollowerId, f.FolloweeId });
            follow.HasIndex(f => new { f.FolloweeId, f.State });
        });

        modelBuilder.Entity<BlockRecord>(block =>
        {
            block.ToTable("Blocks");
            block.HasKey(b => new { b.BlockerId, b.BlockedId });
            block.HasIndex(b => b.BlockedId);
        });

        modelBuilder.Entity<VideoRecord>(video =>
        {
            video.ToTable("Videos");
            video.Property(v => v.Caption).HasMaxLength(Platform.Videos.CaptionRules.MaxLength);
            video.Property(v => v.StatusReason).HasMaxLength(500);
            video.HasIndex(v => new { v.AuthorId, v.CreatedAt });
            video.HasIndex(v => v.CreatedAt);
            video.HasMany(v => v.Hashtags).WithOne().HasForeignKey(h => h.VideoId).OnDelete(DeleteBehavior.Cascade);
            video.HasMany(v => v.Mentions).WithOne().HasForeignKey(m => m.VideoId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<HashtagRecord>(tag =>
        {
            tag.ToTable("Hashtags");
            tag.Property(t => t.Name).HasMaxLength(Platform.Videos.CaptionRules.MaxHashtagLength);
            tag.HasIndex(t => t.Name).IsUnique();
        });

        modelBuilder.Entity<VideoHashtagRecord>(link =>
        {
            link.ToTable("VideoHashtags");
            link.HasKey(l => new { l.VideoId, l.HashtagId });
            link.HasIndex(l => l.HashtagId);
            link.HasOne(l => l.Hashtag).WithMany().HasForeignKey(l => l.HashtagId);
        });

        modelBuilder.Entity<VideoMentionRecord>(link =>
        {
            link.ToTable("VideoMentions");
            link.HasKey(l => new { l.VideoId, l.UserId });
        });

        modelBuilder.Entity<LikeRecord>(like =>
        {
            like.ToTable("Likes");
            like.HasKey(l => new { l.UserId, l.VideoId });
            like.HasIndex(l => l.VideoId);
        });

        modelBuilder.Entity<BookmarkRecord>(bookmark =>
        {
            bookmark.ToTable("Bookmarks");
            bookmark.HasKey(b => new { b.UserId, b.VideoId });
            bookmark.HasIndex(b => new { b.UserId, b.CreatedAt });
        });

        modelBuilder.Entity<CommentRecord>(comment =>
        {
            comment.ToTable("Comments");
            comment.Property(c => c.Text).HasMaxLength(Platform.Engagement.CommentRules.MaxLength);
            comment.HasIndex(c => new { c.VideoId, c.ParentId, c.CreatedAt });
        });

        modelBuilder.Entity<MediaJobRecord>(job =>
        {
            job.ToTable("MediaJobs");
            job.Property(j => j.LeaseOwner).HasMaxLength(100);
            job.Property(j => j.LastError).HasMaxLength(1000);
            job.HasIndex(j => j.VideoId).IsUnique();
            job.HasIndex(j => new { j.State, j.NotBefore });
        });

        modelBuilder.Entity<VideoRenditionRecord>(rendition =>
        {
            rendition.ToTable("VideoRenditions");
            rendition.HasKey(r => new { r.VideoId, r.Name });
            rendition.Property(r => r.Name).HasMaxLength(100);
            rendition.Property(r => r.ContentType).HasMaxLength(100);
        });

        modelBuilder.Entity<MediaUploadRecord>(upload =>
        {
            upload.ToTable("MediaUploads");
            upload.Property(u => u.Id).HasMaxLength(32);
            upload.Property(u => u.Caption).HasMaxLength(Platform.Videos.CaptionRules.MaxLength);
            upload.HasIndex(u => u.ExpiresAt);
        });
    }

    private sealed class UtcDateTimeConverter : ValueConverter<DateTime, DateTime>
    {
        public UtcDateTimeConverter()
            : base(v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(), v => DateTime.SpecifyKind(v, DateTimeKind.Utc))
        {
        }
    }
}

/// <summary>The relational engine behind the platform database.</summary>
public enum DatabaseKind
{
    Sqlite,
    PostgreSql,
}

/// <summary>The SQLite flavour of the platform database (the embedded default).</summary>
public sealed class SqlitePlatformDbContext(DbContextOptions<SqlitePlatformDbContext> options) : PlatformDbContext(options)
{
    public override DatabaseKind Kind => DatabaseKind.Sqlite;
}

/// <summary>The PostgreSQL flavour of the platform database.</summary>
public sealed class PostgresPlatformDbContext(DbContextOptions<PostgresPlatformDbContext> options) : PlatformDbContext(options)
{
    public override DatabaseKind Kind => DatabaseKind.PostgreSql;
}
