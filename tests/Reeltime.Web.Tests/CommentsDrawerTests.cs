using System.Net;
using System.Text.Json;

namespace Reeltime.Web.Tests;

/// <summary>The comments drawer: replies and deleting one's own comment, checked on the page and on the server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CommentsDrawerTests(BrowserSite site)
{
    [Fact]
    public async Task A_person_replies_to_a_comment_and_deletes_their_own_and_the_server_agrees()
    {
        var catalogue = await site.CatalogueAsync();
        var id = catalogue.Videos[2];
        using var other = (await site.NewUserAsync("chatty")).Client;
        var theirs = await other.PostAsJsonAsync($"/api/videos/{id}/comments", new { text = "Who made this?" });
        Assert.Equal(HttpStatusCode.Created, theirs.StatusCode);
        var theirsId = (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var api = new HttpClient { BaseAddress = site.Address };

        var page = await site.NewPageAsync();
        var me = await WebClientTests.SignUpAsync(page, "replier");
        await page.GotoAsync($"/video/{id}");
        var slide = page.Locator($"article[data-video-id='{id}']");
        var sheet = await OpenDrawerAsync(page, slide);
        // On a touch screen the drawer opens to read: no on-screen keyboard over the comments until one taps the box.
        await Assertions.Expect(sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" })).Not.ToBeFocusedAsync();
        // Nothing to post, nothing to press: blank text leaves Post disabled.
        await Assertions.Expect(sheet.GetByRole(AriaRole.Button, new() { Name = "Post" })).ToBeDisabledAsync();
        await sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" }).FillAsync("   ");
        await Assertions.Expect(sheet.GetByRole(AriaRole.Button, new() { Name = "Post" })).ToBeDisabledAsync();
        var parent = sheet.Locator($"li.comment[data-comment-id='{theirsId}']");
        await Assertions.Expect(parent.Locator(".comment-text")).ToHaveTextAsync("Who made this?");
        // Only one's own comments (or any, on one's own video) can be deleted.
        await Assertions.Expect(parent.GetByRole(AriaRole.Button, new() { Name = "Delete comment" })).ToHaveCountAsync(0);

        // A reply lands under the comment it answers, and the video's count follows the server's.
        await parent.GetByRole(AriaRole.Button, new() { Name = "Reply" }).ClickAsync();
        await Assertions.Expect(sheet.Locator(".reply-label")).ToContainTextAsync("Replying to @");
        await sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" }).FillAsync("I did, with ffmpeg");
        await sheet.GetByRole(AriaRole.Button, new() { Name = "Post" }).ClickAsync();
        var reply = parent.Locator(".replies li.comment");
        await Assertions.Expect(reply.Locator(".comment-text")).ToHaveTextAsync("I did, with ffmpeg");
        await Assertions.Expect(reply.Locator(".comment-author")).ToHaveTextAsync($"@{me}");
        var replies = await api.GetFromJsonAsync<JsonElement>($"/api/videos/{id}/comments?parentId={theirsId}");
        var stored = Assert.Single(replies.GetProperty("items").EnumerateArray());
        Assert.Equal("I did, with ffmpeg", stored.GetProperty("text").GetString());
        Assert.Equal(me, stored.GetProperty("author").GetProperty("username").GetString());
        await ExpectCountAsync(slide, api, id);

        // A comment of one's own (Enter posts it), then deleted: gone from the drawer, from the server, and
        // after reopening; focus goes back to the comment box.
        await sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" }).FillAsync("First!");
        await sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" }).PressAsync("Enter");
        var mine = sheet.Locator("ol.comments > li.comment", new() { HasText = "First!" });
        await Assertions.Expect(mine).ToHaveCountAsync(1);
        var mineId = long.Parse(await mine.GetAttributeAsync("data-comment-id") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        await ExpectCountAsync(slide, api, id);
        await mine.GetByRole(AriaRole.Button, new() { Name = "Delete comment" }).ClickAsync();
        await Assertions.Expect(mine).ToHaveCountAsync(0);
        await Assertions.Expect(sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" })).ToBeFocusedAsync();
        var top = await api.GetFromJsonAsync<JsonElement>($"/api/videos/{id}/comments");
        Assert.DoesNotContain(mineId, top.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetInt64()));
        Assert.Contains(theirsId, top.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetInt64()));
        await ExpectCountAsync(slide, api, id);

        // With a mouse and keyboard, the drawer opens ready to write in.
        var desk = await site.NewPageAsync(1280, 800);
        await WebClientTests.SignUpAsync(desk, "writer");
        await desk.GotoAsync($"/video/{id}");
        var deskSheet = await OpenDrawerAsync(desk, desk.Locator($"article[data-video-id='{id}']"));
        await Assertions.Expect(deskSheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" })).ToBeFocusedAsync();
        await desk.Context.CloseAsync();

        // Deleting one's reply, after reopening the drawer, where the thread shows it again.
        await page.Keyboard.PressAsync("Escape");
        sheet = await OpenDrawerAsync(page, slide);
        parent = sheet.Locator($"li.comment[data-comment-id='{theirsId}']");
        await Assertions.Expect(sheet.Locator("li.comment", new() { HasText = "First!" })).ToHaveCountAsync(0);
        await parent.GetByRole(AriaRole.Button, new() { Name = "View 1 reply" }).ClickAsync();
        reply = parent.Locator(".replies li.comment");
        await Assertions.Expect(reply.Locator(".comment-text")).ToHaveTextAsync("I did, with ffmpeg");
        await reply.GetByRole(AriaRole.Button, new() { Name = "Delete comment" }).ClickAsync();
        await Assertions.Expect(reply).ToHaveCountAsync(0);
        replies = await api.GetFromJsonAsync<JsonElement>($"/api/videos/{id}/comments?parentId={theirsId}");
        Assert.Empty(replies.GetProperty("items").EnumerateArray());
        await ExpectCountAsync(slide, api, id);

        // A half-written reply survives Escape: reopening the drawer finds the words and whom they answer.
        await parent.GetByRole(AriaRole.Button, new() { Name = "Reply" }).ClickAsync();
        await sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" }).FillAsync("Half a thou");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(sheet).ToHaveCountAsync(0);
        sheet = await OpenDrawerAsync(page, slide);
        var box = sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" });
        await Assertions.Expect(box).ToHaveValueAsync("Half a thou");
        await Assertions.Expect(sheet.Locator(".reply-label")).ToContainTextAsync("Replying to @");
        await box.FillAsync("Half a thought, finished");
        await box.PressAsync("Enter");
        await Assertions.Expect(box).ToHaveValueAsync("");
        replies = await api.GetFromJsonAsync<JsonElement>($"/api/videos/{id}/comments?parentId={theirsId}");
        Assert.Equal("Half a thought, finished", Assert.Single(replies.GetProperty("items").EnumerateArray()).GetProperty("text").GetString());

        // Once posted, the draft is gone.
        await page.Keyboard.PressAsync("Escape");
        sheet = await OpenDrawerAsync(page, slide);
        box = sheet.GetByRole(AriaRole.Textbox, new() { Name = "Comment" });
        await Assertions.Expect(box).ToHaveValueAsync("");

        // On a slow network, Enter pressed again while the comment is on its way does not post it twice.
        var before = (await api.GetFromJsonAsync<JsonElement>($"/api/videos/{id}")).GetProperty("counts").GetProperty("comments").GetInt32();
        await page.RouteAsync($"**/api/videos/{id}/comments", async route =>
        {
            await Task.Delay(1500);
            await route.ContinueAsync();
        });
        await box.FillAsync("Said once");
        await box.PressAsync("Enter");
        await box.PressAsync("Enter");
        await Assertions.Expect(box).ToHaveValueAsync("", new() { Timeout = 15_000 });
        await page.UnrouteAsync($"**/api/videos/{id}/comments");
        Assert.Equal(before + 1, (await api.GetFromJsonAsync<JsonElement>($"/api/videos/{id}")).GetProperty("counts").GetProperty("comments").GetInt32());
    }

    private static async Task<ILocator> OpenDrawerAsync(IPage page, ILocator slide)
    {
        await slide.GetByRole(AriaRole.Button, new() { Name = "Comments" }).ClickAsync();
        var sheet = page.Locator("dialog.comments-sheet");
        await Assertions.Expect(sheet.Locator("li.comment").First).ToBeVisibleAsync();
        return sheet;
    }

    /// <summary>The count on the video's comment button is the server's count of its comments and replies.</summary>
    private static async Task ExpectCountAsync(ILocator slide, HttpClient api, long id)
    {
        var counts = (await api.GetFromJsonAsync<JsonElement>($"/api/videos/{id}")).GetProperty("counts");
        var expected = counts.GetProperty("comments").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(slide.Locator(".action.comment .count")).ToHaveTextAsync(expected);
    }
}
