using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Reeltime.Platform.Events;
using Reeltime.Platform.Storage;
using Reeltime.Privacy;

namespace Reeltime.Platform.Tests;

public sealed class StorageModelTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    private static PlatformDbContext Create(string provider) => provider == "sqlite"
        ? new SqlitePlatformDbContext(new DbContextOptionsBuilder<SqlitePlatformDbContext>().UseSqlite("Data Source=:memory:").Options)
        : new PostgresPlatformDbContext(new DbContextOptionsBuilder<PostgresPlatformDbContext>().UseNpgsql("Host=localhost").Options);

    [Theory]
    [MemberData(nameof(Providers))]
    public void Every_stored_property_carries_a_data_classification(string provider)
    {
        using var db = Create(provider);
        var unmarked = db.Model.GetEntityTypes()
            .SelectMany(e => e.GetProperties().Select(p => (Entity: e.ClrType.Name, p.Name, p.PropertyInfo)))
            .Where(p => p.PropertyInfo?.GetCustomAttribute<ClassifiedAttribute>() is null)
            .Select(p => $"{p.Entity}.{p.Name}")
            .ToList();
        Assert.Empty(unmarked);
    }

    [Fact]
    public void Every_property_of_the_events_written_to_the_log_carries_a_data_classification()
    {
        // The event log is storage too: whatever its interface carries in or out is classified like a table.
        var carried = typeof(IEventLog).GetMethods()
            .SelectMany(m => m.GetParameters().Select(p => p.ParameterType))
            .Select(t => t.IsGenericType ? t.GetGenericArguments()[0] : t)
            .Where(t => t.Assembly == typeof(IEventLog).Assembly && !t.IsEnum)
            .Distinct()
            .ToList();
        Assert.Contains(typeof(WatchEvent), carried);
        Assert.Contains(typeof(LoggedEvent), carried);

        var unmarked = carried
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => (Type: t.Name, Property: p)))
            .Where(p => p.Property.GetCustomAttribute<ClassifiedAttribute>() is null)
            .Select(p => $"{p.Type}.{p.Property.Name}")
            .ToList();
        Assert.Empty(unmarked);

        // Who watched what, and for how long, is personal data.
        foreach (var name in new[] { nameof(WatchEvent.UserId), nameof(WatchEvent.VideoId), nameof(WatchEvent.WatchTimeMs) })
        {
            Assert.Equal(DataClassification.Protected, typeof(WatchEvent).GetProperty(name)!.GetCustomAttribute<ClassifiedAttribute>()!.Classification);
        }
    }

    [Fact]
    public void Secrets_are_classified_sensitive()
    {
        Assert.Equal(DataClassification.Sensitive, typeof(UserRecord).GetProperty(nameof(UserRecord.PasswordHash))!.GetCustomAttribute<ClassifiedAttribute>()!.Classification);
        Assert.Equal(DataClassification.Sensitive, typeof(SessionRecord).GetProperty(nameof(SessionRecord.TokenHash))!.GetCustomAttribute<ClassifiedAttribute>()!.Classification);
        Assert.Equal(DataClassification.Protected, typeof(UserRecord).GetProperty(nameof(UserRecord.Email))!.GetCustomAttribute<ClassifiedAttribute>()!.Classification);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_migrations_match_the_model(string provider)
    {
        using var db = Create(provider);
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} model changed without a migration: run dotnet ef migrations add for it.");
        Assert.Contains(db.Database.GetMigrations(), m => m.EndsWith("_CaptionSearch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_sqlite_migrations_apply_and_caption_search_follows_edits()
    {
        var path = Path.Combine(Path.GetTempPath(), $"reeltime-{Guid.NewGuid():N}.db");
        try
        {
            await using var db = new SqlitePlatformDbContext(new DbContextOptionsBuilder<SqlitePlatformDbContext>().UseSqlite($"Data Source={path}").Options);
            await PlatformDatabase.MigrateAsync(db);
            Assert.Equal("wal", await db.Database.SqlQuery<string>($"SELECT journal_mode AS \"Value\" FROM pragma_journal_mode").SingleAsync());

            db.Users.Add(new UserRecord { Username = "ana", NormalizedUsername = "ANA", PasswordHash = "x", Region = "eu" });
            await db.SaveChangesAsync();
            var video = new VideoRecord { AuthorId = 1, Caption = "Baking sourdough" };
            db.Videos.Add(video);
            await db.SaveChangesAsync();
            var index = new Search.SqliteCaptionIndex(db);
            Assert.Equal([video.Id], await index.MatchAsync(["sourd"], 10, default));

            video.Caption = "Cycling";
            await db.SaveChangesAsync();
            Assert.Empty(await index.MatchAsync(["sourd"], 10, default));
            Assert.Equal([video.Id], await index.MatchAsync(["cyc"], 10, default));

            db.Videos.Remove(video);
            await db.SaveChangesAsync();
            Assert.Empty(await index.MatchAsync(["cyc"], 10, default));

            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync("0");
            Assert.Empty(await db.Database.GetAppliedMigrationsAsync());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"))
            {
                File.Delete(f);
            }
        }
    }
}
