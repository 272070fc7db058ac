using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Reeltime.Platform.Storage;

namespace Reeltime.Cli;

/// <summary>
/// Fills an empty database with synthetic users, follows and videos, for benchmarks. Seeded users share one
/// password hash and get sessions with tokens derived from their id (see <see cref="BenchTokens"/>), so a
/// load generator can act as any of them without paying for thousands of sign-ins.
/// </summary>
internal static class Seeder
{
    public static async Task<int> RunAsync(Options options)
    {
        var userCount = options.Int("users", 10_000);
        var videoCount = options.Int("videos", 100_000);
        var followsPerUser = options.Int("follows", 50);
        var data = Path.GetFullPath(options.Required("data"));
        Directory.CreateDirectory(data);
        var database = new DatabaseOptions { Sqlite = $"Data Source={Path.Combine(data, "reeltime.db")}", PostgreSql = options.String("postgres") };

        var services = new ServiceCollection();
        services.AddDbContext<PlatformDbContext, SqlitePlatformDbContext>(o => PlatformDatabase.Configure(o, database));
        if (database.Kind == DatabaseKind.PostgreSql)
        {
            services = new ServiceCollection();
            services.AddDbContext<PlatformDbContext, PostgresPlatformDbContext>(o => PlatformDatabase.Configure(o, database));
        }

        await using var provider = services.BuildServiceProvider();
        var clock = Stopwatch.StartNew();
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            await PlatformDatabase.MigrateAsync(db);
            if (await db.Users.AnyAsync())
            {
                Console.Error.WriteLine("The database is not empty: seed only a fresh data directory or database.");
                return 1;
            }
        }

        var random = new Random(20261125);
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        var passwordHash = new Microsoft.AspNetCore.Identity.PasswordHasher<UserRecord>().HashPassword(null!, BenchTokens.Password);

        await InBatchesAsync(provider, userCount, 5_000, (db, i) =>
        {
            var id = i + 1;
            var name = string.Create(CultureInfo.InvariantCulture, $"bench{id}");
            db.Users.Add(new UserRecord
            {
                Id = id,
                Username = name,
                NormalizedUsername = name.ToUpperInvariant(),
                PasswordHash = passwordHash,
                Region = "eu",
                CreatedAt = now.AddDays(-60),
            });
            db.Sessions.Add(new SessionRecord
            {
                UserId = id,
                TokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(BenchTokens.For(id))),
                CsrfTokenHash = RandomNumberGenerator.GetBytes(32),
                CreatedAt = now,
                ExpiresAt = now.AddDays(30),
            });
        });
        Console.WriteLine($"{userCount:N0} users in {clock.Elapsed.TotalSeconds:F1} s");

        var followers = new int[userCount + 1];
        var following = new int[userCount + 1];
        await InBatchesAsync(provider, userCount, 200, (db, i) =>
        {
            var follower = i + 1;
            var chosen = new HashSet<long>();
            while (chosen.Count < Math.Min(followsPerUser, userCount - 1))
            {
                // A skew towards low ids gives some accounts many followers, as in life.
                var followee = 1 + (long)(userCount * Math.Pow(random.NextDouble(), 2));
                if (followee != follower && followee <= userCount && chosen.Add(followee))
                {
                    db.Follows.Add(new FollowRecord { FollowerId = follower, FolloweeId = followee, State = FollowState.Accepted, CreatedAt = now.AddDays(-30) });
                    followers[followee]++;
                    following[follower]++;
                }
            }
        });
        Console.WriteLine($"{userCount * followsPerUser:N0} follows in {clock.Elapsed.TotalSeconds:F1} s");

        const int tagCount = 200;
        await InBatchesAsync(provider, tagCount, tagCount, (db, i) => db.Hashtags.Add(new HashtagRecord { Id = i + 1, Name = string.Create(CultureInfo.InvariantCulture, $"topic{i + 1}") }));
        var videosOf = new int[userCount + 1];
        var videosWithTag = new int[tagCount + 1];
        await InBatchesAsync(provider, videoCount, 5_000, (db, i) =>
        {
            var id = i + 1;
            var author = 1 + random.Next(userCount);
            var tag = 1 + random.Next(tagCount);
            var roll = random.Next(100);
            db.Videos.Add(new VideoRecord
            {
                Id = id,
                AuthorId = author,
                Caption = string.Create(CultureInfo.InvariantCulture, $"Clip {id} about #topic{tag}"),
                Visibility = roll < 90 ? VideoVisibility.Public : roll < 97 ? VideoVisibility.Followers : VideoVisibility.Private,
                Status = VideoStatus.Ready,
                DurationMs = 5_000 + random.Next(55_000),
                Width = 720,
                Height = 1280,
                CreatedAt = now.AddSeconds(-random.Next(30 * 24 * 3600)),
                Hashtags = [new VideoHashtagRecord { HashtagId = tag }],
            });
            videosOf[author]++;
            videosWithTag[tag]++;
        });
        Console.WriteLine($"{videoCount:N0} videos in {clock.Elapsed.TotalSeconds:F1} s");

        await InBatchesAsync(provider, userCount, 2_000, (db, i) =>
        {
            var id = i + 1;
            var user = new UserRecord { Id = id, Username = "", NormalizedUsername = "", PasswordHash = "", Region = "" };
            db.Users.Attach(user);
            user.FollowerCount = followers[id];
            user.FollowingCount = following[id];
            user.VideoCount = videosOf[id];
        });
        await InBatchesAsync(provider, tagCount, tagCount, (db, i) =>
        {
            var tag = new HashtagRecord { Id = i + 1, Name = "" };
            db.Hashtags.Attach(tag);
            tag.VideoCount = videosWithTag[i + 1];
        });
        // Fresh statistics, as an operator would gather after a bulk load: the planner needs them, and
        // PostgreSQL's autovacuum would otherwise gather them in the middle of a measurement.
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            await db.Database.ExecuteSqlRawAsync(database.Kind == DatabaseKind.PostgreSql ? "VACUUM ANALYZE" : "ANALYZE");
        }

        Console.WriteLine($"seeded {data} ({database.Kind}) in {clock.Elapsed.TotalSeconds:F1} s; bench users are bench1…bench{userCount}, password '{BenchTokens.Password}'");
        return 0;
    }

    private static async Task InBatchesAsync(ServiceProvider provider, int count, int batch, Action<PlatformDbContext, int> add)
    {
        for (var start = 0; start < count; start += batch)
        {
            await using var scope = provider.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            db.ChangeTracker.AutoDetectChangesEnabled = true;
            await using var transaction = await db.Database.BeginTransactionAsync();
            for (var i = start; i < Math.Min(count, start + batch); i++)
            {
                add(db, i);
            }

            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }

        // Explicit ids bypass PostgreSQL's identity sequences: move them past the seeded rows.
        await using var fix = provider.CreateAsyncScope();
        var context = fix.ServiceProvider.GetRequiredService<PlatformDbContext>();
        if (context.Kind == DatabaseKind.PostgreSql)
        {
            foreach (var table in new[] { "Users", "Videos", "Hashtags", "Sessions" })
            {
#pragma warning disable EF1002 // The table names come from the constant list above, not from input.
                await context.Database.ExecuteSqlRawAsync($"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'Id'), GREATEST(1, (SELECT COALESCE(MAX(\"Id\"), 0) FROM \"{table}\")))");
#pragma warning restore EF1002
            }
        }
    }
}

/// <summary>The bench users' credentials: deterministic, and only ever seeded by the benchmark seeder.</summary>
internal static class BenchTokens
{
    public const string Password = "bench password 2026";

    public static string For(long userId) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"reeltime-bench:{userId}"))))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
