using System.Net;
using System.Text.Json;

namespace Reeltime.Server.Tests;

public sealed class GraphTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    [Fact]
    public async Task Following_a_public_account_counts_both_ways_and_unfollow_undoes_it()
    {
        var ana = await server.NewUserAsync("ana");
        var ben = await server.NewUserAsync("ben");
        var follow = await ben.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        Assert.Equal(HttpStatusCode.OK, follow.StatusCode);
        Assert.Contains("following", await follow.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ben.Client.PostAsync($"/api/users/{ana.Username}/follow", null); // idempotent

        var profile = await ben.Client.GetJsonAsync($"/api/users/{ana.Username}");
        Assert.Equal(1, profile.GetProperty("followerCount").GetInt32());
        Assert.Equal("following", profile.GetProperty("relationship").GetString());
        Assert.Equal(1, (await ana.Client.GetJsonAsync($"/api/users/{ben.Username}")).GetProperty("followingCount").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await ben.Client.DeleteAsync($"/api/users/{ana.Username}/follow")).StatusCode);
        Assert.Equal(0, (await ben.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("followerCount").GetInt32());
    }

    [Fact]
    public async Task A_private_account_approves_followers_before_they_see_its_videos()
    {
        var ana = await server.NewUserAsync("priv");
        var ben = await server.NewUserAsync("asker");
        Assert.Equal(HttpStatusCode.OK, (await ana.Client.PatchAsJsonAsync("/api/me/settings", new { isPrivate = true })).StatusCode);
        var video = await ana.UploadAsync("only for friends #secret");

        await ben.Client.GetJsonAsync($"/api/videos/{video}", HttpStatusCode.NotFound);
        var asked = await ben.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        Assert.Contains("requested", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ben.Client.GetJsonAsync($"/api/videos/{video}", HttpStatusCode.NotFound);
        Assert.Empty((await ben.Client.GetJsonAsync("/api/feed/following")).Ids());

        var requests = await ana.Client.GetJsonAsync("/api/me/follow-requests");
        Assert.Equal(ben.Username, requests[0].GetProperty("username").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.PostAsJsonAsync($"/api/users/{ben.Username}/follow-request", new { approve = true })).StatusCode);

        await ben.Client.GetJsonAsync($"/api/videos/{video}");
        Assert.Equal([video], (await ben.Client.GetJsonAsync("/api/feed/following")).Ids());
        Assert.Equal(1, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("followerCount").GetInt32());
    }

    [Fact]
    public async Task A_blocked_user_sees_nothing_of_the_blocker_and_cannot_interact()
    {
        var ana = await server.NewUserAsync("blocker");
        var eve = await server.NewUserAsync("blocked");
        var video = await ana.UploadAsync("hello #world");
        await eve.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.PostAsync($"/api/users/{eve.Username}/block", null)).StatusCode);

        await eve.Client.GetJsonAsync($"/api/users/{ana.Username}", HttpStatusCode.NotFound);
        await eve.Client.GetJsonAsync($"/api/users/{ana.Username}/videos", HttpStatusCode.NotFound);
        await eve.Client.GetJsonAsync($"/api/videos/{video}", HttpStatusCode.NotFound);
        await (await eve.Client.PostAsync($"/api/videos/{video}/like", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await eve.Client.PostAsJsonAsync($"/api/videos/{video}/comments", new { text = "hi" })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await eve.Client.PostAsync($"/api/users/{ana.Username}/follow", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(video, (await eve.Client.GetJsonAsync("/api/feed/for-you?count=100")).Ids());
        Assert.DoesNotContain(video, (await eve.Client.GetJsonAsync("/api/hashtags/world/videos?count=100")).Ids());
        Assert.DoesNotContain(video, (await eve.Client.GetJsonAsync("/api/search?q=hello&type=videos&count=100")).Ids("videos"));
        Assert.Empty((await eve.Client.GetJsonAsync($"/api/search?q={ana.Username}&type=users")).GetProperty("users").EnumerateArray());
        Assert.Empty((await eve.Client.GetJsonAsync("/api/feed/following")).Ids());
        Assert.Equal(0, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("followerCount").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync($"/api/users/{eve.Username}/block")).StatusCode);
        await eve.Client.GetJsonAsync($"/api/videos/{video}");
    }

    [Fact]
    public async Task The_blocker_sees_whom_they_blocked_only_as_blocked_and_lifts_blocks_from_their_own_list()
    {
        var ana = await server.NewUserAsync("lister");
        var eve = await server.NewUserAsync("listed");
        var sam = await server.NewUserAsync("bystander");
        await eve.Client.PatchAsJsonAsync("/api/me/settings", new { bio = "my own words" });
        await eve.UploadAsync("eve's video #blocklist");
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.PostAsync($"/api/users/{eve.Username}/block", null)).StatusCode);

        // The blocker may open the profile, to lift the block, and sees nothing more than who it is.
        var profile = await ana.Client.GetJsonAsync($"/api/users/{eve.Username}");
        Assert.True(profile.GetProperty("isBlockedByMe").GetBoolean());
        Assert.Equal("blocked", profile.GetProperty("relationship").GetString());
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("bio").ValueKind);
        Assert.Equal(0, profile.GetProperty("videoCount").GetInt32());
        await ana.Client.GetJsonAsync($"/api/users/{eve.Username}/videos", HttpStatusCode.NotFound);
        await eve.Client.GetJsonAsync($"/api/users/{ana.Username}", HttpStatusCode.NotFound);
        Assert.False((await sam.Client.GetJsonAsync($"/api/users/{eve.Username}")).GetProperty("isBlockedByMe").GetBoolean());

        // Each person's list is their own.
        Assert.Equal([eve.Username], Usernames(await ana.Client.GetJsonAsync("/api/me/blocked")));
        Assert.Empty(Usernames(await eve.Client.GetJsonAsync("/api/me/blocked")));
        Assert.Empty(Usernames(await sam.Client.GetJsonAsync("/api/me/blocked")));
        await sam.Client.DeleteAsync($"/api/users/{eve.Username}/block");
        Assert.Equal([eve.Username], Usernames(await ana.Client.GetJsonAsync("/api/me/blocked")));
        await (await server.Visitor().GetAsync("/api/me/blocked")).AssertProblemAsync(HttpStatusCode.Unauthorized);

        // Paged, most recently blocked first.
        var more = new[] { await server.NewUserAsync("listed"), await server.NewUserAsync("listed") };
        foreach (var other in more)
        {
            await ana.Client.PostAsync($"/api/users/{other.Username}/block", null);
        }

        var first = await ana.Client.GetJsonAsync("/api/me/blocked?count=2");
        var rest = await ana.Client.GetJsonAsync("/api/me/blocked?count=2&cursor=" + first.GetProperty("nextCursor").GetString());
        Assert.Equal([more[1].Username, more[0].Username, eve.Username], [.. Usernames(first), .. Usernames(rest)]);
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);

        // Blocked both ways, each still sees the other as blocked by them (and nothing of the other's block).
        await eve.Client.PostAsync($"/api/users/{ana.Username}/block", null);
        var both = await ana.Client.GetJsonAsync($"/api/users/{eve.Username}");
        Assert.True(both.GetProperty("isBlockedByMe").GetBoolean());
        Assert.Equal(profile.GetRawText(), both.GetRawText());
        Assert.True((await eve.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("isBlockedByMe").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await eve.Client.DeleteAsync($"/api/users/{ana.Username}/block")).StatusCode);
        await eve.Client.GetJsonAsync($"/api/users/{ana.Username}", HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync($"/api/users/{eve.Username}/block")).StatusCode);
        profile = await ana.Client.GetJsonAsync($"/api/users/{eve.Username}");
        Assert.False(profile.GetProperty("isBlockedByMe").GetBoolean());
        Assert.Equal("my own words", profile.GetProperty("bio").GetString());
        Assert.DoesNotContain(eve.Username, Usernames(await ana.Client.GetJsonAsync("/api/me/blocked")));

        static List<string> Usernames(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("username").GetString()!)];
    }

    [Fact]
    public async Task Blocking_removes_what_the_blocked_left_on_the_blockers_videos_and_the_counts_follow()
    {
        var ana = await server.NewUserAsync("cleaner");
        var eve = await server.NewUserAsync("troll");
        var carl = await server.NewUserAsync("regular");
        var video = await server.PostMetadataAsync(ana, "ana's video");
        var elsewhere = await server.PostMetadataAsync(carl, "carl's video");
        async Task<long> CommentAsync(TestUser who, long on, string text, long? parentId = null) =>
            (await (await who.Client.PostAsJsonAsync($"/api/videos/{on}/comments", new { text, parentId })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var carls = await CommentAsync(carl, video, "nice one");
        var eves = await CommentAsync(eve, video, "boo");
        await CommentAsync(eve, video, "boo again", carls);
        await CommentAsync(carl, video, "why so negative", eves);
        var eveElsewhere = await CommentAsync(eve, elsewhere, "a fair remark");
        await eve.Client.PostAsync($"/api/videos/{video}/like", null);
        await eve.Client.PostAsync($"/api/videos/{video}/bookmark", null);
        await carl.Client.PostAsync($"/api/videos/{video}/like", null);
        var counts = (await ana.Client.GetJsonAsync($"/api/videos/{video}")).GetProperty("counts");
        Assert.Equal((2, 4, 1), (counts.GetProperty("likes").GetInt32(), counts.GetProperty("comments").GetInt32(), counts.GetProperty("bookmarks").GetInt32()));

        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.PostAsync($"/api/users/{eve.Username}/block", null)).StatusCode);

        // Eve's like, bookmark, comment and reply are gone, and so is Carl's reply under her comment; Carl's
        // own comment and like stay, and Eve's comment on someone else's video is untouched.
        counts = (await carl.Client.GetJsonAsync($"/api/videos/{video}")).GetProperty("counts");
        Assert.Equal((1, 1, 0), (counts.GetProperty("likes").GetInt32(), counts.GetProperty("comments").GetInt32(), counts.GetProperty("bookmarks").GetInt32()));
        var thread = (await carl.Client.GetJsonAsync($"/api/videos/{video}/comments")).GetProperty("items");
        var only = Assert.Single(thread.EnumerateArray());
        Assert.Equal(carls, only.GetProperty("id").GetInt64());
        Assert.Equal(0, only.GetProperty("replyCount").GetInt32());
        Assert.Empty((await carl.Client.GetJsonAsync($"/api/videos/{video}/comments?parentId={carls}")).GetProperty("items").EnumerateArray());
        Assert.Contains(eveElsewhere, (await carl.Client.GetJsonAsync($"/api/videos/{elsewhere}/comments")).Ids());
        Assert.Equal(1, (await carl.Client.GetJsonAsync($"/api/videos/{elsewhere}")).GetProperty("counts").GetProperty("comments").GetInt32());

        // Lifting the block does not bring them back.
        await ana.Client.DeleteAsync($"/api/users/{eve.Username}/block");
        Assert.Equal(1, (await eve.Client.GetJsonAsync($"/api/videos/{video}")).GetProperty("counts").GetProperty("comments").GetInt32());
        Assert.False((await eve.Client.GetJsonAsync($"/api/videos/{video}")).GetProperty("viewer").GetProperty("liked").GetBoolean());
    }

    [Fact]
    public async Task A_profile_counts_videos_not_failed_uploads()
    {
        var ana = await server.NewUserAsync("counted");
        await server.PostMetadataAsync(ana, "a real one");
        await server.Services.PostVideoInStatusAsync(ana, "never made it", Reeltime.Platform.Storage.VideoStatus.Failed);
        Assert.Equal(1, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("videoCount").GetInt32());
        Assert.Equal(2, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids().Count); // the owner still sees it, to delete it
        Assert.Equal(1, (await server.Visitor().GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("videoCount").GetInt32());
    }

    [Fact]
    public async Task Unknown_users_are_not_found()
    {
        var ana = await server.NewUserAsync("seeker");
        await ana.Client.GetJsonAsync("/api/users/no_such_user_here", HttpStatusCode.NotFound);
        await (await ana.Client.PostAsync("/api/users/no_such_user_here/follow", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ana.Client.PostAsync($"/api/users/{ana.Username}/follow", null)).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_declined_follow_request_leaves_nothing_behind()
    {
        var ana = await server.NewUserAsync("decliner");
        var ben = await server.NewUserAsync("declined");
        Assert.Equal(HttpStatusCode.OK, (await ana.Client.PatchAsJsonAsync("/api/me/settings", new { isPrivate = true })).StatusCode);
        var video = await server.PostMetadataAsync(ana, "friends only", "followers");
        Assert.Contains("requested", await (await ben.Client.PostAsync($"/api/users/{ana.Username}/follow", null)).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.PostAsJsonAsync($"/api/users/{ben.Username}/follow-request", new { approve = false })).StatusCode);
        Assert.Empty((await ana.Client.GetJsonAsync("/api/me/follow-requests")).EnumerateArray());
        Assert.Equal("none", (await ben.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("relationship").GetString());
        Assert.Equal(0, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("followerCount").GetInt32());
        await ben.Client.GetJsonAsync($"/api/videos/{video}", HttpStatusCode.NotFound);

        // Declined once, it can no longer be approved.
        await (await ana.Client.PostAsJsonAsync($"/api/users/{ben.Username}/follow-request", new { approve = true })).AssertProblemAsync(HttpStatusCode.NotFound);
        await ben.Client.GetJsonAsync($"/api/videos/{video}", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_withdrawn_follow_request_is_gone_before_it_is_answered()
    {
        var ana = await server.NewUserAsync("asked");
        var ben = await server.NewUserAsync("withdrawer");
        Assert.Equal(HttpStatusCode.OK, (await ana.Client.PatchAsJsonAsync("/api/me/settings", new { isPrivate = true })).StatusCode);
        await ben.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        Assert.Equal([ben.Username], (await ana.Client.GetJsonAsync("/api/me/follow-requests")).EnumerateArray().Select(r => r.GetProperty("username").GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await ben.Client.DeleteAsync($"/api/users/{ana.Username}/follow")).StatusCode);
        Assert.Empty((await ana.Client.GetJsonAsync("/api/me/follow-requests")).EnumerateArray());
        Assert.Equal("none", (await ben.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("relationship").GetString());
        await (await ana.Client.PostAsJsonAsync($"/api/users/{ben.Username}/follow-request", new { approve = true })).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("followerCount").GetInt32());
        Assert.Equal(0, (await ben.Client.GetJsonAsync($"/api/users/{ben.Username}")).GetProperty("followingCount").GetInt32());
    }

    [Fact]
    public async Task Answering_a_request_that_was_never_made_is_not_found()
    {
        var ana = await server.NewUserAsync("unasked");
        var ben = await server.NewUserAsync("silent");
        await (await ana.Client.PostAsJsonAsync($"/api/users/{ben.Username}/follow-request", new { approve = true })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ana.Client.PostAsJsonAsync($"/api/users/{ben.Username}/follow-request", new { approve = false })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ana.Client.PostAsJsonAsync("/api/users/no_such_user_here/follow-request", new { approve = true })).AssertProblemAsync(HttpStatusCode.NotFound);

        // A follow in force is not a request either: approving it again changes nothing.
        await ben.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        await (await ana.Client.PostAsJsonAsync($"/api/users/{ben.Username}/follow-request", new { approve = true })).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, (await ana.Client.GetJsonAsync($"/api/users/{ana.Username}")).GetProperty("followerCount").GetInt32());
    }

    [Fact]
    public async Task Blocking_yourself_or_someone_unknown_is_refused()
    {
        var ana = await server.NewUserAsync("selfblock");
        var problem = await (await ana.Client.PostAsync($"/api/users/{ana.Username}/block", null)).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("username", out _));
        await (await ana.Client.PostAsync($"/api/users/{ana.Username.ToUpperInvariant()}/block", null)).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await ana.Client.PostAsync("/api/users/no_such_user_here/block", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ana.Client.DeleteAsync("/api/users/no_such_user_here/block")).AssertProblemAsync(HttpStatusCode.NotFound);
        await ana.Client.GetJsonAsync($"/api/users/{ana.Username}");
    }

    [Fact]
    public async Task The_blockers_comments_on_a_third_partys_video_are_hidden_from_the_blocked()
    {
        var ana = await server.NewUserAsync("cblocker");
        var eve = await server.NewUserAsync("cblocked");
        var carl = await server.NewUserAsync("thirdparty");
        var video = await server.PostMetadataAsync(carl, "talk about it");
        var anas = await (await ana.Client.PostAsJsonAsync($"/api/videos/{video}/comments", new { text = "from ana" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var carls = await (await carl.Client.PostAsJsonAsync($"/api/videos/{video}/comments", new { text = "from carl" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var anaReply = await (await ana.Client.PostAsJsonAsync($"/api/videos/{video}/comments", new { text = "ana again", parentId = carls.GetProperty("id").GetInt64() })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var anaComment = anas.GetProperty("id").GetInt64();
        var carlComment = carls.GetProperty("id").GetInt64();
        Assert.Equal([anaComment, carlComment], (await eve.Client.GetJsonAsync($"/api/videos/{video}/comments")).Ids());

        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.PostAsync($"/api/users/{eve.Username}/block", null)).StatusCode);
        Assert.Equal([carlComment], (await eve.Client.GetJsonAsync($"/api/videos/{video}/comments")).Ids());
        Assert.Empty((await eve.Client.GetJsonAsync($"/api/videos/{video}/comments?parentId={carlComment}")).Ids());
        Assert.Equal([anaComment, carlComment], (await carl.Client.GetJsonAsync($"/api/videos/{video}/comments")).Ids());
        Assert.Equal([anaReply.GetProperty("id").GetInt64()], (await carl.Client.GetJsonAsync($"/api/videos/{video}/comments?parentId={carlComment}")).Ids());

        // Eve's own comments are likewise hidden from the blocker.
        var eves = await (await eve.Client.PostAsJsonAsync($"/api/videos/{video}/comments", new { text = "from eve" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.DoesNotContain(eves.GetProperty("id").GetInt64(), (await ana.Client.GetJsonAsync($"/api/videos/{video}/comments")).Ids());
    }

    [Fact]
    public async Task A_blocked_user_can_neither_like_nor_bookmark_the_blockers_video()
    {
        var ana = await server.NewUserAsync("eblocker");
        var eve = await server.NewUserAsync("eblocked");
        var video = await server.PostMetadataAsync(ana, "mine to keep");
        Assert.Equal(HttpStatusCode.OK, (await eve.Client.PostAsync($"/api/videos/{video}/bookmark", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.PostAsync($"/api/users/{eve.Username}/block", null)).StatusCode);

        await (await eve.Client.PostAsync($"/api/videos/{video}/like", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await eve.Client.PostAsync($"/api/videos/{video}/bookmark", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await eve.Client.DeleteAsync($"/api/videos/{video}/bookmark")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(video, (await eve.Client.GetJsonAsync("/api/me/bookmarks")).Ids());
        var counts = (await ana.Client.GetJsonAsync($"/api/videos/{video}")).GetProperty("counts");
        Assert.Equal(0, counts.GetProperty("likes").GetInt32());
        Assert.Equal(0, counts.GetProperty("bookmarks").GetInt32()); // the bookmark from before the block went with it
    }
}
