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

    [PostgresFact]
    public async Task The_postgres_migrations_apply_to_a_fresh_database_and_roll_back()
    {
        var admin = Environment.GetEnvironmentVariable("REELTIME_TEST_POSTGRES")
            ?? throw new InvalidOperationException("REELTIME_TEST_DATABASE=postgres needs REELTIME_TEST_POSTGRES (a connection string); ./reeltime test sets both.");
        var name = "reeltime_migrations_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"");
        try
        {
            var connection = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ConnectionString;
            await using var db = new PostgresPlatformDbContext(new DbContextOptionsBuilder<PostgresPlatformDbContext>().UseNpgsql(connection).Options);
            await PlatformDatabase.MigrateAsync(db);
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());

            // The schema the code relies on: the caption search's generated column and GIN index, and the unique username index.
            var indexes = await db.Database.SqlQuery<string>($"SELECT indexdef AS \"Value\" FROM pg_indexes WHERE schemaname = 'public'").ToListAsync();
            Assert.Contains(indexes, i => i.Contains("\"IX_Videos_SearchVector\"", StringComparison.Ordinal) && i.Contains("USING gin", StringComparison.Ordinal));
            Assert.Contains(indexes, i => i.Contains("UNIQUE INDEX \"IX_Users_NormalizedUsername\"", StringComparison.Ordinal));
            Assert.Equal(["tsvector"], await db.Database.SqlQuery<string>($"SELECT data_type AS \"Value\" FROM information_schema.columns WHERE table_name = 'Videos' AND column_name = 'SearchVector'").ToListAsync());

            // The index follows edits, as on SQLite.
            db.Users.Add(new UserRecord { Username = "ana", NormalizedUsername = "ANA", PasswordHash = "x", Region = "eu" });
            await db.SaveChangesAsync();
            var author = await db.Users.Select(u => u.Id).SingleAsync();
            var video = new VideoRecord { AuthorId = author, Caption = "Baking sourdough" };
            db.Videos.Add(video);
            await db.SaveChangesAsync();
            var index = new Search.PostgresCaptionIndex(db);
            Assert.Equal([video.Id], await index.MatchAsync(["sourd"], 10, default));
            video.Caption = "Cycling";
            await db.SaveChangesAsync();
            Assert.Empty(await index.MatchAsync(["sourd"], 10, default));
            Assert.Equal([video.Id], await index.MatchAsync(["cyc"], 10, default));

            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync("0");
            Assert.Empty(await db.Database.GetAppliedMigrationsAsync());
            var tables = await db.Database.SqlQuery<string>($"SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory'").ToListAsync();
            Assert.Empty(tables);
        }
        finally
        {
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// A test that needs the PostgreSQL cluster: it runs when REELTIME_TEST_DATABASE=postgres (./reeltime test
/// runs this project once per provider and sets REELTIME_TEST_POSTGRES), and is skipped on the SQLite pass.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!string.Equals(Environment.GetEnvironmentVariable("REELTIME_TEST_DATABASE"), "postgres", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "Runs on PostgreSQL only (REELTIME_TEST_DATABASE=postgres).";
        }
    }
}
