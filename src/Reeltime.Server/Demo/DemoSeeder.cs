using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Reeltime.Media;
using Reeltime.Media.Jobs;
using Reeltime.Media.Uploads;
using Reeltime.Platform.Accounts;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Graph;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Server.Demo;

/// <summary>Registers the demo seeder when the server is started with <c>--Demo 1</c>.</summary>
public static class DemoSetup
{
    /// <summary>Adds the seeder if <c>Demo</c> is 1 or true; it only acts on an empty database.</summary>
    public static IServiceCollection AddDemo(this IServiceCollection services, IConfiguration configuration, string data)
    {
        var demo = configuration["Demo"];
        if (demo is "1" || bool.TryParse(demo, out var on) && on)
        {
            services.AddHostedService(sp => new DemoSeeder(sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<IOptions<MediaOptions>>(),
                sp.GetRequiredService<ILogger<DemoSeeder>>(), Path.Combine(data, "demo-clips")));
        }

        return services;
    }
}

/// <summary>
/// Fills an empty platform with demo content so a newcomer sees a working, learning feed at once: about 30
/// creators across ten topics, 200 clips drawn by ffmpeg (cached, so a second run only uploads), follows,
/// likes and comments. Everything goes through the platform's own services and the normal upload path, so
/// the media pipeline processes the clips like any upload.
/// </summary>
internal sealed partial class DemoSeeder(IServiceScopeFactory scopes, IOptions<MediaOptions> media, ILogger<DemoSeeder> log, string clipFolder) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SeedAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Stopped(log);
        }
        catch (Exception e)
        {
            // The demo is a convenience: its failure must not take the server down.
            Failed(log, e);
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            if (await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Users.AnyAsync(cancellationToken))
            {
                NotEmpty(log);
                return;
            }
        }

        var font = DemoCatalogue.FindFont();
        if (font is null)
        {
            NoFont(log);
            return;
        }

        var clock = Stopwatch.StartNew();
        var users = await CreateUsersAsync(cancellationToken);
        UsersCreated(log, users.Count, clock.Elapsed.TotalSeconds);

        // Each clip is uploaded as soon as it exists, so the first videos reach the feed within seconds. Clips
        // are drawn on half the cores: the media pipeline (niced, one job per two cores) needs the other half
        // to keep pace, or a newcomer's first minute shows a dozen videos instead of most of them.
        Directory.CreateDirectory(clipFolder);
        var clips = DemoCatalogue.Clips();
        var videos = new List<long>(clips.Count);
        var done = 0;
        using var gate = new SemaphoreSlim(1);
        await Parallel.ForEachAsync(clips, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount / 2), CancellationToken = cancellationToken }, async (clip, ct) =>
        {
            var path = await DemoCatalogue.EnsureClipAsync(clip, media.Value.Ffmpeg, font, clipFolder, ct);
            var id = await UploadAsync(users[clip.Creator], clip, path, ct);
            await gate.WaitAsync(ct);
            try
            {
                videos.Add(id);
                done++;
                if (done % 20 == 0 || done == clips.Count)
                {
                    ClipsUploaded(log, done, clips.Count, clock.Elapsed.TotalSeconds);
                }
            }
            finally
            {
                gate.Release();
            }
        });

        Uploaded(log, clock.Elapsed.TotalSeconds, users.Count, videos.Count);
        await EngageAsync(users, cancellationToken);
    }

    private async Task<Dictionary<string, long>> CreateUsersAsync(CancellationToken cancellationToken)
    {
        var users = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var scope = scopes.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var graph = scope.ServiceProvider.GetRequiredService<SocialGraph>();
        foreach (var topic in DemoCatalogue.Topics)
        {
            foreach (var name in topic.Creators)
            {
                // Nobody signs in as a demo creator: a random password no one knows.
                var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
                var outcome = await accounts.RegisterAsync(new Registration(name, password, null, null), cancellationToken);
                if (!outcome.Succeeded)
                {
                    throw new InvalidOperationException($"Could not register the demo user {name}: {outcome.Failure}");
                }

                users[name] = outcome.Value!.Id;
                var display = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(name.Replace('_', ' '));
                await accounts.ChangeSettingsAsync(outcome.Value.Id, new SettingsChange(null, null, display, $"Videos about #{topic.Name}."), cancellationToken);
            }
        }

        // Each creator follows the others of their topic and a few more, picked repeatably.
        var random = new Random(5);
        var names = users.Keys.ToArray();
        foreach (var topic in DemoCatalogue.Topics)
        {
            foreach (var follower in topic.Creators)
            {
                var followees = topic.Creators.Where(c => c != follower).Concat(random.GetItems(names, 3)).Distinct().Where(c => c != follower);
                foreach (var followee in followees)
                {
                    await graph.FollowAsync(users[follower], followee, cancellationToken);
                }
            }
        }

        return users;
    }

    private static string Stage(string folder)
    {
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "demo-" + Guid.NewGuid().ToString("N") + ".mp4");
    }

    private async Task<long> UploadAsync(long authorId, DemoClip clip, string path, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var intake = scope.ServiceProvider.GetRequiredService<VideoIntake>();
        var folders = scope.ServiceProvider.GetRequiredService<MediaFolders>();

        // The intake moves the received file into the store; it gets a copy so the cache stays whole.
        var received = Stage(folders.UploadFolder);
        File.Copy(path, received);
        try
        {
            var created = await intake.CreateAsync(authorId, new NewVideo(clip.Caption, "public"), cancellationToken);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"The demo clip {clip.FileName} was refused: {created.Failure}");
            }

            await intake.AcceptAsync(created.Value, received, cancellationToken);
            return created.Value;
        }
        finally
        {
            File.Delete(received);
        }
    }

    /// <summary>
    /// Likes (mostly within one's own topic) and a few comments, on each video once the media pipeline has made
    /// it visible, in rounds while the rest are still processing.
    /// </summary>
    private async Task EngageAsync(Dictionary<string, long> users, CancellationToken cancellationToken)
    {
        var random = new Random(7);
        var topicOf = DemoCatalogue.Topics.SelectMany(t => t.Creators.Select(c => (c, t.Name))).ToDictionary(x => users[x.c], x => x.Name);
        string[] comments = ["Love this!", "Saving this for later", "How did you do that?", "Again please 🙌", "This made my day", "Underrated"];
        var engaged = new HashSet<long>();
        var likes = 0;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var engagement = scope.ServiceProvider.GetRequiredService<EngagementService>();
            // Only the demo's own videos: its made-up audience must never like or comment on what real people post.
            var demoAuthors = topicOf.Keys.ToArray();
            var ready = await db.Videos.Where(v => v.Status == VideoStatus.Ready && demoAuthors.Contains(v.AuthorId)).Select(v => new { v.Id, v.AuthorId, v.Caption }).ToListAsync(cancellationToken);
            foreach (var video in ready.Where(v => engaged.Add(v.Id)))
            {
                foreach (var (userId, own) in topicOf)
                {
                    var sameTopic = video.Caption.Contains($"#{own} ", StringComparison.Ordinal);
                    if (video.AuthorId == userId || random.NextDouble() > (sameTopic ? 0.5 : 0.04))
                    {
                        continue;
                    }

                    if ((await engagement.LikeAsync(userId, video.Id, cancellationToken)).Succeeded)
                    {
                        likes++;
                    }

                    if (random.NextDouble() < 0.15)
                    {
                        await engagement.CommentAsync(userId, video.Id, comments[random.Next(comments.Length)], null, cancellationToken);
                    }
                }
            }

            var pending = await db.Videos.CountAsync(v => v.Status == VideoStatus.Processing || v.Status == VideoStatus.Uploaded, cancellationToken);
            if (pending == 0 || waited.Elapsed > TimeSpan.FromMinutes(30))
            {
                Engaged(log, likes, pending);
                return;
            }

            Waiting(log, pending, likes);
            await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: stopped before it finished; it starts again only on an empty database.")]
    private static partial void Stopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Demo: seeding failed; the server runs on without demo content.")]
    private static partial void Failed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: the database already has users; no demo content added.")]
    private static partial void NotEmpty(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo: no TrueType font found (install fonts-dejavu-core); no demo content added.")]
    private static partial void NoFont(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: {Users} creators and their follows are in ({Seconds:F1} s).")]
    private static partial void UsersCreated(ILogger logger, int users, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: {Done}/{Total} clips made and uploaded ({Seconds:F0} s).")]
    private static partial void ClipsUploaded(ILogger logger, int done, int total, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: clips made and uploaded in {Seconds:F0} s: {Users} users, {Videos} videos; they reach the feed as the media pipeline finishes each.")]
    private static partial void Uploaded(ILogger logger, double seconds, int users, int videos);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: {Pending} videos still processing; {Likes} likes given so far.")]
    private static partial void Waiting(ILogger logger, int pending, int likes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: done: {Likes} likes and some comments given ({Pending} videos still processing).")]
    private static partial void Engaged(ILogger logger, int likes, int pending);
}
