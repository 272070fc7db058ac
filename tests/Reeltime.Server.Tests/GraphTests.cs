using System.Net;

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
    public async Task Unknown_users_are_not_found()
    {
        var ana = await server.NewUserAsync("seeker");
        await ana.Client.GetJsonAsync("/api/users/no_such_user_here", HttpStatusCode.NotFound);
        await (await ana.Client.PostAsync("/api/users/no_such_user_here/follow", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ana.Client.PostAsync($"/api/users/{ana.Username}/follow", null)).AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}
