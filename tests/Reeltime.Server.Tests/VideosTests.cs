using System.Net;
using System.Text.Json;

namespace Reeltime.Server.Tests;

public sealed class VideosTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    [Fact]
    public async Task An_upload_is_recorded_with_its_hashtags_and_mentions()
    {
        var ben = await server.NewUserAsync("mentioned");
        var ana = await server.NewUserAsync("creator");
        var id = await ana.UploadAsync($"Sunset run #Running #sunset with @{ben.Username}, again #running");
        var video = await ana.Client.GetJsonAsync($"/api/videos/{id}");
        Assert.Equal(["running", "sunset"], video.GetProperty("hashtags").EnumerateArray().Select(h => h.GetString()).Order());
        Assert.Equal([ben.Username], video.GetProperty("mentions").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(ana.Username, video.GetProperty("author").GetProperty("username").GetString());
        Assert.Equal("ready", video.GetProperty("status").GetString());
        Assert.Equal(1, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("videoCount").GetInt32());
    }

    [Fact]
    public async Task Videos_that_bring_the_same_new_hashtag_at_the_same_moment_are_all_recorded()
    {
        var ana = await server.NewUserAsync("tagrace");
        var tag = "race" + Guid.NewGuid().ToString("N")[..10];
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            await using var scope = server.Services.CreateAsyncScope();
            var library = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Videos.VideoLibrary>();
            return await library.CreateAsync(ana.Id, new Reeltime.Platform.Videos.NewVideo($"Take {i} #{tag}", "public"), Reeltime.Platform.Storage.VideoStatus.Ready, null, CancellationToken.None);
        }));

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Failure?.ToString()));
        var page = await ana.Client.GetJsonAsync($"/api/hashtags/{tag}/videos?count=20");
        Assert.Equal(8, page.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("<img src=x onerror=alert(1)> #xss")]
    [InlineData("'; DROP TABLE \"Videos\"; -- #sql")]
    [InlineData("Robert'); DELETE FROM Users WHERE ('1'='1")]
    [InlineData("日本語のキャプション #日本 😀 ÄÖÜ")]
    public async Task Captions_are_stored_verbatim_and_never_executed(string caption)
    {
        var ana = await server.NewUserAsync("verbatim");
        var id = await ana.UploadAsync(caption);
        var video = await ana.Client.GetJsonAsync($"/api/videos/{id}");
        Assert.Equal(caption, video.GetProperty("caption").GetString());
        Assert.Equal(1, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("videoCount").GetInt32());
    }

    [Fact]
    public async Task Uploads_are_validated()
    {
        var ana = await server.NewUserAsync("badup");
        using (var noFile = new MultipartFormDataContent { { new StringContent("hi"), "caption" } })
        {
            await (await ana.Client.PostAsync("/api/videos", noFile)).AssertProblemAsync(HttpStatusCode.BadRequest);
        }

        using (var badVisibility = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "a.mp4" }, { new StringContent("everyone"), "visibility" } })
        {
            await (await ana.Client.PostAsync("/api/videos", badVisibility)).AssertProblemAsync(HttpStatusCode.BadRequest);
        }

        using (var longCaption = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "a.mp4" }, { new StringContent(new string('x', 2201)), "caption" } })
        {
            await (await ana.Client.PostAsync("/api/videos", longCaption)).AssertProblemAsync(HttpStatusCode.BadRequest);
        }

        await (await ana.Client.PostAsJsonAsync("/api/videos", new { caption = "json is not an upload" })).AssertProblemAsync(HttpStatusCode.BadRequest);
        using var anonymous = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "a.mp4" } };
        await (await server.Visitor().PostAsync("/api/videos", anonymous)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("nul \u0000 inside")]
    [InlineData("\u001b[2Jclear screen")]
    [InlineData("bell \u0007 #tag")]
    [InlineData("c1 \u0085 control")]
    public async Task Captions_with_control_characters_are_refused_before_any_upload(string caption)
    {
        var ana = await server.NewUserAsync("ctrlcap");
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await TestClip.BytesAsync()), "file", "clip.mp4" }, { new StringContent(caption), "caption" } };
        var problem = await (await ana.Client.PostAsync("/api/videos", form)).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("caption", out _), problem.GetRawText());
        Assert.Empty((await ana.Client.GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());
    }

    [Fact]
    public async Task Private_and_followers_only_videos_stay_with_who_may_see_them()
    {
        var ana = await server.NewUserAsync("owner");
        var fan = await server.NewUserAsync("fan");
        var stranger = await server.NewUserAsync("stranger");
        await fan.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        var open = await ana.UploadAsync("open #vis");
        var friends = await ana.UploadAsync("friends #vis", "followers");
        var mine = await ana.UploadAsync("mine #vis", "private");

        Assert.Equal([mine, friends, open], (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());
        Assert.Equal([friends, open], (await fan.Client.GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());
        Assert.Equal([open], (await stranger.Client.GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());
        Assert.Equal([open], (await server.Visitor().GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());

        await stranger.Client.GetJsonAsync($"/api/videos/{friends}", HttpStatusCode.NotFound);
        await stranger.Client.GetJsonAsync($"/api/videos/{mine}", HttpStatusCode.NotFound);
        await fan.Client.GetJsonAsync($"/api/videos/{mine}", HttpStatusCode.NotFound);
        await fan.Client.GetJsonAsync($"/api/videos/{friends}");

        foreach (var who in new[] { fan, stranger })
        {
            var lists = new[] { "/api/feed/for-you?count=100", "/api/hashtags/vis/videos", "/api/search?q=mine&type=videos", "/api/trending?count=100" };
            foreach (var list in lists)
            {
                var text = (await who.Client.GetJsonAsync(list)).GetRawText();
                Assert.DoesNotContain($"\"id\":{mine},", text, StringComparison.Ordinal);
            }
        }

        Assert.DoesNotContain(friends, (await stranger.Client.GetJsonAsync("/api/hashtags/vis/videos")).Ids());
        Assert.Contains(friends, (await fan.Client.GetJsonAsync("/api/feed/following")).Ids());
    }

    [Fact]
    public async Task Hashtag_search_and_profile_counts_reveal_only_what_a_visitor_may_see()
    {
        var ana = await server.NewUserAsync("counted");
        var fan = await server.NewUserAsync("counter");
        await fan.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        var tag = "vc" + Guid.NewGuid().ToString("N")[..8];
        var open = await server.PostMetadataAsync(ana, $"open #{tag}open");
        await server.PostMetadataAsync(ana, $"hidden #{tag}open #{tag}private", "private");
        await server.PostMetadataAsync(ana, $"friends #{tag}friends", "followers");

        async Task<Dictionary<string, int>> TagsAsync(HttpClient client) =>
            (await client.GetJsonAsync($"/api/search?q=%23{tag}&type=hashtags&count=50")).GetProperty("hashtags").EnumerateArray()
                .ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("videoCount").GetInt32());
        async Task<int> VideoCountAsync(HttpClient client) =>
            (await client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("videoCount").GetInt32();

        // Tags used only on private or followers-only videos do not exist for anyone, and counts leave them out.
        var expected = new Dictionary<string, int> { [$"{tag}open"] = 1 };
        Assert.Equal(expected, await TagsAsync(server.Visitor()));
        Assert.Equal(expected, await TagsAsync(fan.Client));
        Assert.Equal(expected, await TagsAsync(ana.Client));
        var trending = (await server.Visitor().GetJsonAsync("/api/trending?count=100")).GetProperty("hashtags").EnumerateArray().ToList();
        Assert.DoesNotContain(trending, h => h.GetProperty("name").GetString() == $"{tag}private");
        Assert.Equal(1, trending.Single(h => h.GetProperty("name").GetString() == $"{tag}open").GetProperty("totalVideos").GetInt32());

        // A profile counts the videos its viewer's list of them holds.
        Assert.Equal(1, await VideoCountAsync(server.Visitor()));
        Assert.Equal(2, await VideoCountAsync(fan.Client));
        Assert.Equal(3, await VideoCountAsync(ana.Client));

        // Counts follow deletion and the account's privacy at once.
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync($"/api/videos/{open}")).StatusCode);
        Assert.Empty(await TagsAsync(server.Visitor()));
        Assert.Equal(0, await VideoCountAsync(server.Visitor()));
        await server.PostMetadataAsync(ana, $"again #{tag}open");
        Assert.Equal(HttpStatusCode.OK, (await ana.Client.PatchAsJsonAsync("/api/me/settings", new { isPrivate = true })).StatusCode);
        Assert.Empty(await TagsAsync(server.Visitor()));
        Assert.Equal(0, await VideoCountAsync(server.Visitor()));
        Assert.Equal(HttpStatusCode.OK, (await ana.Client.PatchAsJsonAsync("/api/me/settings", new { isPrivate = false })).StatusCode);
        Assert.Equal(expected, await TagsAsync(server.Visitor()));
        Assert.Equal(1, await VideoCountAsync(server.Visitor()));
    }

    [Fact]
    public async Task A_late_progress_report_does_not_take_a_finished_video_back_to_processing()
    {
        var ana = await server.NewUserAsync("late");
        var ready = await server.PostMetadataAsync(ana, "finished");
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var library = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Videos.VideoLibrary>();
            await library.SetStatusAsync(ready, Reeltime.Platform.Storage.VideoStatus.Processing, null, 97, null, null, null, CancellationToken.None);
        }

        var video = await ana.Client.GetJsonAsync($"/api/videos/{ready}");
        Assert.Equal("ready", video.GetProperty("status").GetString());
        Assert.Contains(ready, (await server.Visitor().GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());
    }

    [Fact]
    public async Task Only_the_author_changes_who_can_watch_a_video_and_every_list_follows_at_once()
    {
        var ana = await server.NewUserAsync("changer");
        var fan = await server.NewUserAsync("changefan");
        var eve = await server.NewUserAsync("changeintruder");
        await fan.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        var id = await ana.UploadAsync("second thoughts #rethink");
        await eve.Client.GetJsonAsync($"/api/videos/{id}");

        // Others cannot, and a value that is not a visibility is refused in words.
        await (await eve.Client.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "private" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await server.Visitor().PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "private" })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var bad = await ana.Client.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "friends" });
        await bad.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("public, followers or private", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await (await ana.Client.PatchAsJsonAsync($"/api/videos/{id}", new { })).AssertProblemAsync(HttpStatusCode.BadRequest);
        await eve.Client.GetJsonAsync($"/api/videos/{id}");

        // Followers only: the stranger loses it everywhere, the follower keeps it.
        var changed = await ana.Client.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "followers" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("followers", (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("visibility").GetString());
        await eve.Client.GetJsonAsync($"/api/videos/{id}", HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, (await eve.Client.GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());
        Assert.DoesNotContain(id, (await eve.Client.GetJsonAsync("/api/hashtags/rethink/videos")).Ids());
        Assert.DoesNotContain(id, (await eve.Client.GetJsonAsync("/api/feed/for-you?count=100")).Ids());
        await fan.Client.GetJsonAsync($"/api/videos/{id}");

        // Private: now the follower cannot change it either, and cannot even see it to try.
        Assert.Equal(HttpStatusCode.OK, (await ana.Client.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "private" })).StatusCode);
        await fan.Client.GetJsonAsync($"/api/videos/{id}", HttpStatusCode.NotFound);
        await (await fan.Client.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "public" })).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal([id], (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());

        // Public again: back for everyone.
        Assert.Equal(HttpStatusCode.OK, (await ana.Client.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "PUBLIC" })).StatusCode);
        Assert.Equal("public", (await eve.Client.GetJsonAsync($"/api/videos/{id}")).GetProperty("visibility").GetString());
    }

    [Fact]
    public async Task Only_the_author_can_delete_a_video_and_then_it_is_gone_everywhere()
    {
        var ana = await server.NewUserAsync("deleter");
        var eve = await server.NewUserAsync("intruder");
        var id = await ana.UploadAsync("to be deleted #gone");
        var hidden = await ana.UploadAsync("secret", "private");

        await (await eve.Client.DeleteAsync($"/api/videos/{id}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await eve.Client.DeleteAsync($"/api/videos/{hidden}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await eve.Client.GetJsonAsync($"/api/videos/{id}");

        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync($"/api/videos/{id}")).StatusCode);
        await ana.Client.GetJsonAsync($"/api/videos/{id}", HttpStatusCode.NotFound);
        await eve.Client.GetJsonAsync($"/api/videos/{id}", HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, (await eve.Client.GetJsonAsync("/api/hashtags/gone/videos")).Ids());
        Assert.DoesNotContain(id, (await eve.Client.GetJsonAsync("/api/feed/for-you?count=100")).Ids());
        Assert.DoesNotContain(id, (await eve.Client.GetJsonAsync("/api/search?q=deleted&type=videos")).Ids("videos"));
        await (await eve.Client.PostAsync($"/api/videos/{id}/like", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("videoCount").GetInt32());
    }

    [Fact]
    public async Task Deleted_videos_are_purged_after_the_grace_period()
    {
        var ana = await server.NewUserAsync("purger");
        var id = await ana.UploadAsync("short-lived");
        await ana.Client.PostAsync($"/api/videos/{id}/like", null);
        await ana.Client.DeleteAsync($"/api/videos/{id}");

        using var scope = server.Services.CreateScope();
        var library = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Videos.VideoLibrary>();
        var db = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Storage.PlatformDbContext>();
        Assert.Empty(await library.PurgeAsync(DateTime.UtcNow.AddDays(-30), default));
        Assert.Contains(id, await library.PurgeAsync(DateTime.UtcNow.AddMinutes(1), default));
        Assert.False(db.Videos.Any(v => v.Id == id));
        Assert.False(db.Likes.Any(l => l.VideoId == id));
    }

    private static async Task<bool> ExistsAsync(Reeltime.Media.IObjectStore store, string key)
    {
        var found = await store.OpenAsync(key, default);
        if (found is null)
        {
            return false;
        }

        await found.DisposeAsync();
        return true;
    }

    [Fact]
    public async Task The_purge_round_waits_for_the_grace_period_then_removes_metadata_and_media()
    {
        var ana = await server.NewUserAsync("purgeround");
        var id = await ana.UploadAsync("soon gone");
        await ana.Client.DeleteAsync($"/api/videos/{id}");
        var store = server.Services.GetRequiredService<Reeltime.Media.IObjectStore>();
        var key = Reeltime.Media.MediaKeys.Original(id);
        var poster = Reeltime.Media.MediaKeys.Rendition(id, "poster.jpg");
        Assert.True(await ExistsAsync(store, key)); // kept during the grace period

        VideoPurge PurgeAt(DateTimeOffset now) => new(
            server.Services.GetRequiredService<IServiceScopeFactory>(), store,
            Microsoft.Extensions.Options.Options.Create(new VideoRetentionOptions()),
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<VideoPurge>.Instance);

        await PurgeAt(DateTimeOffset.UtcNow.AddDays(29)).PurgeOnceAsync(default);
        Assert.True(await ExistsAsync(store, key));

        Assert.True(await PurgeAt(DateTimeOffset.UtcNow.AddDays(31)).PurgeOnceAsync(default) >= 1);
        Assert.False(await ExistsAsync(store, key));
        Assert.False(await ExistsAsync(store, poster));
        await (await ana.Client.GetAsync($"/api/videos/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}

public sealed class EngagementTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    [Fact]
    public async Task Likes_are_idempotent_and_counted_once()
    {
        var ana = await server.NewUserAsync("liked");
        var ben = await server.NewUserAsync("liker");
        var id = await ana.UploadAsync("like me");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ben.Client.PostAsync($"/api/videos/{id}/like", null)).StatusCode);
        }

        var video = await ben.Client.GetJsonAsync($"/api/videos/{id}");
        Assert.Equal(1, video.GetProperty("counts").GetProperty("likes").GetInt32());
        Assert.True(video.GetProperty("viewer").GetProperty("liked").GetBoolean());

        await ben.Client.DeleteAsync($"/api/videos/{id}/like");
        await ben.Client.DeleteAsync($"/api/videos/{id}/like");
        Assert.Equal(0, (await ben.Client.GetJsonAsync($"/api/videos/{id}")).GetProperty("counts").GetProperty("likes").GetInt32());
    }

    [Fact]
    public async Task Every_share_of_a_video_one_may_see_is_counted_and_kept()
    {
        var ana = await server.NewUserAsync("shared");
        var ben = await server.NewUserAsync("sharer");
        var id = await server.PostMetadataAsync(ana, "share me");
        var hidden = await server.PostMetadataAsync(ana, "only mine", "private");
        for (var i = 0; i < 2; i++)
        {
            var counts = await (await ben.Client.PostAsync($"/api/videos/{id}/share", null)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(i + 1, counts.GetProperty("shares").GetInt32());
        }

        // Kept by the server, not only shown by the client that shared.
        Assert.Equal(2, (await server.Visitor().GetJsonAsync($"/api/videos/{id}")).GetProperty("counts").GetProperty("shares").GetInt32());
        await (await ben.Client.PostAsync($"/api/videos/{hidden}/share", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ben.Client.PostAsync("/api/videos/999999999/share", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await server.Visitor().PostAsync($"/api/videos/{id}/share", null)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(0, (await ana.Client.GetJsonAsync($"/api/videos/{hidden}")).GetProperty("counts").GetProperty("shares").GetInt32());
    }

    [Fact]
    public async Task Like_counts_stay_consistent_under_concurrency()
    {
        var ana = await server.NewUserAsync("popular");
        var id = await ana.UploadAsync("everyone likes this");
        var fans = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => server.NewUserAsync("fan")));

        // Every fan likes several times at once, and one fan toggles: the count must equal the rows.
        var storm = fans.SelectMany(f => Enumerable.Range(0, 4).Select(_ => f.Client.PostAsync($"/api/videos/{id}/like", null)));
        var responses = await Task.WhenAll(storm);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await Task.WhenAll(fans[0].Client.DeleteAsync($"/api/videos/{id}/like"), fans[0].Client.DeleteAsync($"/api/videos/{id}/like"));

        Assert.Equal(11, (await ana.Client.GetJsonAsync($"/api/videos/{id}")).GetProperty("counts").GetProperty("likes").GetInt32());
        using var scope = server.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Storage.PlatformDbContext>();
        Assert.Equal(11, db.Likes.Count(l => l.VideoId == id));
    }

    [Fact]
    public async Task Comments_have_one_level_of_replies_and_only_their_author_or_the_video_author_deletes_them()
    {
        var ana = await server.NewUserAsync("host");
        var ben = await server.NewUserAsync("talker");
        var eve = await server.NewUserAsync("troll");
        var id = await ana.UploadAsync("discuss");

        var first = await (await ben.Client.PostAsJsonAsync($"/api/videos/{id}/comments", new { text = "<b>first</b>" })).Content.ReadFromJsonAsync<JsonElement>();
        var firstId = first.GetProperty("id").GetInt64();
        Assert.Equal("<b>first</b>", first.GetProperty("text").GetString());
        var reply = await ana.Client.PostAsJsonAsync($"/api/videos/{id}/comments", new { text = "thanks", parentId = firstId });
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        var replyId = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await (await eve.Client.PostAsJsonAsync($"/api/videos/{id}/comments", new { text = "deeper", parentId = replyId })).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await eve.Client.PostAsJsonAsync($"/api/videos/{id}/comments", new { text = "   " })).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await eve.Client.PostAsJsonAsync($"/api/videos/{id}/comments", new { text = new string('a', 1001) })).AssertProblemAsync(HttpStatusCode.BadRequest);

        var top = await eve.Client.GetJsonAsync($"/api/videos/{id}/comments");
        Assert.Equal([firstId], top.Ids());
        Assert.Equal(1, top.GetProperty("items")[0].GetProperty("replyCount").GetInt32());
        Assert.Equal([replyId], (await eve.Client.GetJsonAsync($"/api/videos/{id}/comments?parentId={firstId}")).Ids());

        await (await eve.Client.DeleteAsync($"/api/comments/{firstId}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync($"/api/comments/{replyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ben.Client.DeleteAsync($"/api/comments/{firstId}")).StatusCode);
        Assert.Empty((await eve.Client.GetJsonAsync($"/api/videos/{id}/comments")).Ids());
        Assert.Equal(0, (await ana.Client.GetJsonAsync($"/api/videos/{id}")).GetProperty("counts").GetProperty("comments").GetInt32());
    }

    [Fact]
    public async Task Bookmarks_are_listed_for_their_owner_only()
    {
        var ana = await server.NewUserAsync("marked");
        var ben = await server.NewUserAsync("marker");
        var a = await ana.UploadAsync("keep this");
        var b = await ana.UploadAsync("and this");
        await ben.Client.PostAsync($"/api/videos/{a}/bookmark", null);
        await ben.Client.PostAsync($"/api/videos/{b}/bookmark", null);
        await ben.Client.PostAsync($"/api/videos/{b}/bookmark", null);
        Assert.Equal([b, a], (await ben.Client.GetJsonAsync("/api/me/bookmarks")).Ids());
        Assert.Empty((await ana.Client.GetJsonAsync("/api/me/bookmarks")).Ids());
        Assert.Equal(1, (await ana.Client.GetJsonAsync($"/api/videos/{b}")).GetProperty("counts").GetProperty("bookmarks").GetInt32());
        await ben.Client.DeleteAsync($"/api/videos/{a}/bookmark");
        Assert.Equal([b], (await ben.Client.GetJsonAsync("/api/me/bookmarks")).Ids());
    }

    [Fact]
    public async Task Engaging_with_a_video_or_comment_that_does_not_exist_is_not_found()
    {
        var ana = await server.NewUserAsync("ghost");
        await (await ana.Client.PostAsync("/api/videos/999999999/bookmark", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ana.Client.DeleteAsync("/api/videos/999999999/bookmark")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ana.Client.PostAsync("/api/videos/999999999/like", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ana.Client.DeleteAsync("/api/comments/999999999")).AssertProblemAsync(HttpStatusCode.NotFound);

        // A comment already deleted is gone as well.
        var video = await server.PostMetadataAsync(ana, "say something");
        var comment = await (await ana.Client.PostAsJsonAsync($"/api/videos/{video}/comments", new { text = "soon gone" })).Content.ReadFromJsonAsync<JsonElement>();
        var id = comment.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync($"/api/comments/{id}")).StatusCode);
        await (await ana.Client.DeleteAsync($"/api/comments/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await ana.Client.GetJsonAsync("/api/me/bookmarks")).Ids());
    }

    [Theory]
    [InlineData("hi \\ud800 there")] // a lone high surrogate, as JSON escapes it
    [InlineData("hi \\udc00")] // a lone low surrogate
    [InlineData("nul \\u0000 inside")]
    [InlineData("\\u001b[31mred\\u001b[0m")]
    [InlineData("bell \\u0007")]
    [InlineData("c1 \\u009b control")]
    public async Task Comments_with_invalid_unicode_or_control_characters_are_refused(string escaped)
    {
        var ana = await server.NewUserAsync("badtext");
        var video = await server.PostMetadataAsync(ana, "comment on this");
        using var body = new StringContent($"{{\"text\":\"{escaped}\"}}", System.Text.Encoding.UTF8, "application/json");
        await (await ana.Client.PostAsync($"/api/videos/{video}/comments", body)).AssertTextRefusedAsync("text", escaped);
        Assert.Empty((await ana.Client.GetJsonAsync($"/api/videos/{video}/comments")).Ids());
    }

    [Fact]
    public async Task Comments_keep_their_line_breaks()
    {
        var ana = await server.NewUserAsync("lines");
        var video = await server.PostMetadataAsync(ana, "multi-line comments");
        var created = await ana.Client.PostAsJsonAsync($"/api/videos/{video}/comments", new { text = "first line\nsecond\tline" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("first line\nsecond\tline", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("text").GetString());
    }
}
