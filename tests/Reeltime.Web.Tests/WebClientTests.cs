using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Reeltime.Web.Tests;

/// <summary>The web client in a real browser against the real server.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class WebClientTests(BrowserSite site, ITestOutputHelper output)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task A_person_signs_up_uploads_a_clip_that_plays_and_another_likes_and_comments()
    {
        var page = await site.NewPageAsync();
        var username = await SignUpAsync(page, "maker");

        // Upload through the page: byte progress, then processing, then ready.
        await page.GotoAsync("/upload");
        await page.Locator("input[type=file]").SetInputFilesAsync(await Clips.PathAsync("0x2a9d8f", 3));
        await page.GetByLabel("Caption").FillAsync("My first clip #firstclip");
        await page.GetByRole(AriaRole.Button, new() { Name = "Post" }).ClickAsync();
        var status = page.Locator(".status");
        await Assertions.Expect(status).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 120_000 });
        var videoId = long.Parse(await page.Locator("form.upload-form").GetAttributeAsync("data-video-id") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(videoId > 0);
        // The form is free for the next video, whose caption is its own; the hidden file input is no tab stop.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Post" })).ToBeEnabledAsync();
        await Assertions.Expect(page.GetByLabel("Caption")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("input[type=file]")).ToHaveAttributeAsync("tabindex", "-1");

        // It plays: time advances and frames have a size.
        await page.GetByRole(AriaRole.Link, new() { Name = "Watch it" }).ClickAsync();
        var video = page.Locator($"article[data-video-id='{videoId}'] video");
        await page.WaitForFunctionAsync("id => { const v = document.querySelector(`article[data-video-id='${id}'] video`); return v && v.currentTime > 0.3 && v.videoWidth > 0; }", videoId,
            new() { Timeout = 30_000 });
        Assert.True(await video.EvaluateAsync<int>("v => v.videoWidth") > 0);

        // Another person likes and comments.
        var other = await site.NewPageAsync(1280, 800);
        await SignUpAsync(other, "fan");
        await other.GotoAsync($"/video/{videoId}");
        var slide = other.Locator($"article[data-video-id='{videoId}']");
        await slide.GetByRole(AriaRole.Button, new() { Name = "Like" }).ClickAsync();
        await Assertions.Expect(slide.Locator(".action.heart .count")).ToHaveTextAsync("1");
        await Assertions.Expect(slide.Locator(".action.heart")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(slide.Locator(".action.heart")).ToHaveAccessibleDescriptionAsync("1"); // a screen reader hears the count
        await slide.GetByRole(AriaRole.Button, new() { Name = "Comments" }).ClickAsync();
        var sheet = other.Locator("dialog.comments-sheet");
        await sheet.GetByLabel("Comment").FillAsync("Lovely colours");
        await sheet.GetByRole(AriaRole.Button, new() { Name = "Post" }).ClickAsync();
        await Assertions.Expect(sheet.Locator(".comment-text")).ToHaveTextAsync("Lovely colours");
        await Assertions.Expect(slide.Locator(".action.comment .count")).ToHaveTextAsync("1");

        // The author sees both, and may delete the comment on their video.
        using var api = new HttpClient { BaseAddress = site.Address };
        var counts = (await api.GetFromJsonAsync<JsonElement>($"/api/videos/{videoId}")).GetProperty("counts");
        Assert.Equal(1, counts.GetProperty("likes").GetInt32());
        Assert.Equal(1, counts.GetProperty("comments").GetInt32());
        await page.GotoAsync($"/@{username}");
        await Assertions.Expect(page.Locator($".grid a[href='/video/{videoId}']")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_caption_with_markup_is_shown_as_text_and_runs_nothing()
    {
        var (client, _) = await site.NewUserAsync("xss");
        const string caption = "<img src=x onerror=alert(1)> #xss for @nobody_by_this_name";
        var id = await BrowserSite.UploadAsync(client, await Clips.MakeAsync("0xe76f51"), caption);
        await BrowserSite.WaitReadyAsync(client, [id]);

        var page = await site.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };
        await page.GotoAsync($"/video/{id}");
        var shown = page.Locator($"article[data-video-id='{id}'] .caption");
        await Assertions.Expect(shown).ToContainTextAsync("<img src=x onerror=alert(1)>");
        Assert.Equal(0, await shown.Locator("img").CountAsync());
        Assert.Equal(1, await shown.Locator("a.tag[href='/tag/xss']").CountAsync());
        // A mention of no account stays text, rather than a link to "not found".
        await Assertions.Expect(shown).ToContainTextAsync("@nobody_by_this_name");
        Assert.Equal(0, await shown.Locator("a.mention").CountAsync());
        await page.WaitForTimeoutAsync(500);
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Not_interested_in_a_creator_hides_their_videos()
    {
        var (bore, boreName) = await site.NewUserAsync("bore");
        var (other, _) = await site.NewUserAsync("other");
        var clip = await Clips.MakeAsync("0x8d99ae");
        var ids = new List<(HttpClient, long)>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((bore, await BrowserSite.UploadAsync(bore, clip, $"Same again {i} #samey")));
            ids.Add((other, await BrowserSite.UploadAsync(other, clip, $"Something else {i} #varied")));
        }

        await BrowserSite.WaitReadyAsync(ids);
        var first = ids[0].Item2;
        var page = await site.NewPageAsync();
        await SignUpAsync(page, "picky");
        await page.GotoAsync($"/video/{first}");
        var slide = page.Locator($"article[data-video-id='{first}']");
        await slide.GetByRole(AriaRole.Button, new() { Name = "More options" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = $"This creator (@{boreName})" }).ClickAsync();
        await Assertions.Expect(page.Locator($"article[data-author='{boreName}']")).ToHaveCountAsync(0);

        // The next pages of For You leave the creator out.
        var authors = await page.EvaluateAsync<string[]>(@"async () => {
            const names = []; let cursor = null;
            for (let i = 0; i < 3; i++) {
              const r = await fetch('/api/feed/for-you?count=10' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
              const p = await r.json();
              names.push(...p.items.map(x => x.video.author.username));
              cursor = p.nextCursor; if (!cursor) break;
            }
            return names; }");
        Assert.NotEmpty(authors);
        Assert.DoesNotContain(boreName, authors);
    }

    [Fact]
    public async Task Watch_events_still_queued_when_the_page_is_hidden_leave_as_a_beacon()
    {
        var (creator, _) = await site.NewUserAsync("beam");
        var id = await BrowserSite.UploadAsync(creator, await Clips.MakeAsync("0x3a86ff", 4), "Beacon clip #beacon");
        await BrowserSite.WaitReadyAsync([(creator, id)]);
        var page = await site.NewPageAsync();
        await SignUpAsync(page, "leaver");

        // The ordinary flushes fail (as on a flaky network), so the client keeps its events queued.
        var beacons = new List<IRequest>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/events?csrf=", StringComparison.Ordinal))
            {
                beacons.Add(request);
            }
        };
        await page.RouteAsync("**/api/events", route => route.AbortAsync());
        await page.GotoAsync($"/video/{id}");
        await page.WaitForFunctionAsync("() => { const v = document.querySelector('article.playing video'); return v && v.currentTime > 0.3; }", null, new() { Timeout = 30_000 });
        await page.UnrouteAllAsync();

        // The person switches away: the browser reports the page hidden.
        for (var attempt = 0; attempt < 5 && beacons.Count == 0; attempt++)
        {
            await page.EvaluateAsync("() => { Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true }); document.dispatchEvent(new Event('visibilitychange')); }");
            await page.WaitForTimeoutAsync(1_000);
        }

        Assert.NotEmpty(beacons);
        var response = await beacons[0].ResponseAsync();
        Assert.Equal(202, response?.Status);
        // The queued impression and play (at least) were taken into the log.
        var accepted = (await response!.JsonAsync())!.Value.GetProperty("accepted").GetInt32();
        Assert.True(accepted >= 2, $"the beacon delivered {accepted} events");
    }

    [Fact]
    public async Task A_person_who_watches_one_topic_sees_it_dominate_within_three_pages()
    {
        // A catalogue of six topics by twelve creators: 20 #chess videos and 10 of each other topic.
        string[] topics = ["chess", "surfing", "baking", "knitting", "drums", "origami"];
        string[] colours = ["0x6d6875", "0x0077b6", "0xf4a261", "0xb5838d", "0xd62828", "0x2b9348"];
        var ids = new List<(HttpClient, long)>();
        for (var t = 0; t < topics.Length; t++)
        {
            var clip = await Clips.MakeAsync(colours[t], 1.5);
            for (var c = 0; c < 2; c++)
            {
                var (client, _) = await site.NewUserAsync(topics[t][..4]);
                for (var i = 0; i < (t == 0 ? 10 : 5); i++)
                {
                    ids.Add((client, await BrowserSite.UploadAsync(client, clip, $"{topics[t]} number {i} #{topics[t]}")));
                }
            }
        }

        await BrowserSite.WaitReadyAsync(ids);
        var page = await site.NewPageAsync();
        await SignUpAsync(page, "chessfan");
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator(".feed article").First).ToBeVisibleAsync();

        // Swipe through three pages of the feed as a person would: watch each #chess video to its end
        // and into a replay, swipe past every other video at once (a skip).
        for (var step = 0; step < 24; step++)
        {
            var active = page.Locator("article.playing");
            await Assertions.Expect(active).ToHaveCountAsync(1, new() { Timeout = 15_000 });
            var caption = await active.Locator(".caption").TextContentAsync() ?? "";
            if (caption.Contains("#chess", StringComparison.Ordinal))
            {
                await page.WaitForFunctionAsync("() => { const v = document.querySelector('article.playing video'); return v && v.currentTime > 0 && v.currentTime < 0.6 && v.played.length && v.played.end(v.played.length - 1) > 1.3; }",
                    null, new() { Timeout = 15_000, PollingInterval = 50 });
            }

            await page.Keyboard.PressAsync("ArrowDown");
            await page.WaitForTimeoutAsync(250);
        }

        // Per page the feed loaded for this person: the share of #chess, and whether it was the page's most
        // frequent topic (six topics: an even spread would give each about a sixth).
        var pages = await page.EvaluateAsync<JsonElement>(@"() => {
            const pages = {};
            for (const a of document.querySelectorAll('.feed article')) {
              const p = (pages[a.dataset.page] ??= { all: 0, tags: {} });
              p.all++;
              for (const t of a.querySelectorAll('.caption a.tag')) p.tags[t.textContent] = (p.tags[t.textContent] ?? 0) + 1;
            }
            return Object.keys(pages).sort((x, y) => x - y).map(k => {
              const p = pages[k], chess = p.tags['#chess'] ?? 0;
              return { share: chess / p.all, top: Object.values(p.tags).every(n => n <= chess) };
            }); }");
        var shares = pages.EnumerateArray().Select(p => (Share: p.GetProperty("share").GetDouble(), Top: p.GetProperty("top").GetBoolean())).ToList();
        var perPage = string.Join(", ", shares.Select(s => s.Share.ToString("P0", System.Globalization.CultureInfo.InvariantCulture)));
        output.WriteLine($"share of #chess per page: {perPage} (the catalogue has 20 of 70, 29%)");
        await BrowserSite.RecordFigureAsync($"learning chess-share-per-page {perPage}");
        Assert.True(shares.Count >= 3, $"the feed loaded only {shares.Count} pages");
        Assert.True(shares.Skip(1).Take(2).Any(p => p.Share >= 0.4 && p.Top), $"#chess did not dominate by the third page: {string.Join(", ", shares)}");

        await page.GotoAsync("/settings");
        await Assertions.Expect(page.Locator(".interests")).ToContainTextAsync("#chess", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task Not_interested_in_a_creator_from_the_feed_can_be_taken_back_at_once_or_in_settings()
    {
        var catalogue = await site.CatalogueAsync();
        var page = await site.NewPageAsync();
        await SignUpAsync(page, "relent");
        async Task SayNotInterestedAsync(long video)
        {
            await page.GotoAsync($"/video/{video}");
            var playing = page.Locator("article.playing");
            await playing.GetByRole(AriaRole.Button, new() { Name = "More options" }).ClickAsync();
            await page.GetByRole(AriaRole.Menuitem, new() { Name = $"This creator (@{catalogue.CreatorName})" }).ClickAsync();
            await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync($"No more videos from @{catalogue.CreatorName} in For You.");
        }

        // At once, from the message itself.
        await SayNotInterestedAsync(catalogue.Videos[0]);
        await page.Locator("#toast").GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Assertions.Expect(page.Locator("#toast")).ToHaveTextAsync($"@{catalogue.CreatorName} may appear again");
        Assert.Equal(0, await page.EvaluateAsync<int>("async () => (await (await fetch('/api/me/interests')).json()).notInterestedCreators.length"));

        // Or later, in Settings.
        await SayNotInterestedAsync(catalogue.Videos[1]);

        await page.GotoAsync("/settings");
        var undo = page.GetByRole(AriaRole.Button, new() { Name = $"Show again @{catalogue.CreatorName}" });
        await Assertions.Expect(undo).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await undo.ClickAsync();
        await Assertions.Expect(undo).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#toast")).ToHaveTextAsync($"@{catalogue.CreatorName} may appear again");
        // The last chip went: focus rests on its list's heading, not on the page's start.
        await Assertions.Expect(page.Locator(".interests h3", new() { HasText = "Not interested" })).ToBeFocusedAsync();

        // Taken back on the server, not only on the page: it stays gone after a reload.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".interests h3").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var refused = page.Locator(".interests > div").Filter(new() { Has = page.Locator("h3", new() { HasText = "Not interested" }) });
        await Assertions.Expect(refused).ToContainTextAsync("Nothing yet.");
    }

    [Fact]
    public async Task A_feed_that_has_no_more_says_so_after_its_last_video()
    {
        var catalogue = await site.CatalogueAsync();
        var page = await site.NewPageAsync();
        var name = await SignUpAsync(page, "ender", "/@" + catalogue.CreatorName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Following", Exact = true })).ToBeVisibleAsync();
        await page.GotoAsync("/following");
        await Assertions.Expect(page.Locator("article.playing")).ToBeVisibleAsync();
        var end = page.Locator(".end-of-feed");
        const string endInView = "() => { const e = document.querySelector('.end-of-feed'); return !!e && Math.abs(e.getBoundingClientRect().top) < 2; }";
        for (var swipe = 0; swipe < 40 && !await page.EvaluateAsync<bool>(endInView); swipe++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
            await page.WaitForTimeoutAsync(300);
        }

        await Assertions.Expect(end).ToBeInViewportAsync();
        await Assertions.Expect(end).ToContainTextAsync("every video from the accounts you follow");

        // Back up from the card: the last video, not the one before it, and it plays again.
        await page.Keyboard.PressAsync("ArrowUp");
        var last = page.Locator(".feed article").Last;
        await Assertions.Expect(last).ToBeInViewportAsync(new() { Ratio = 0.9f });
        await Assertions.Expect(last).ToHaveClassAsync(new Regex("\\bplaying\\b"));
        output.WriteLine($"{name} reached the end of Following after {await page.Locator(".feed article").CountAsync()} videos");
    }

    [Fact]
    public async Task A_viewer_who_has_seen_everything_is_offered_to_watch_again()
    {
        await site.CatalogueAsync();
        var page = await site.NewPageAsync();
        var name = await SignUpAsync(page, "encore", "/settings");

        // Everything served and watched to the end (as a long session would), with the viewer's own session.
        var served = await page.EvaluateAsync<int>("""
            async () => {
              const csrf = document.cookie.split('; ').find(c => c.startsWith('rt_csrf=')).slice('rt_csrf='.length);
              let n = 0;
              for (let i = 0; i < 100; i++) {
                const body = await (await fetch('/api/feed/for-you?count=50')).json();
                if (!body.items.length) return n;
                n += body.items.length;
                const at = Date.now();
                const events = body.items.flatMap(({ video }) => [
                  { type: 'impression', videoId: video.id, clientTime: at, sessionId: 1, surface: 'for-you' },
                  { type: 'play', videoId: video.id, clientTime: at, sessionId: 1, surface: 'for-you' },
                  { type: 'complete', videoId: video.id, watchTimeMs: video.durationMs, positionMs: video.durationMs, clientTime: at, sessionId: 1, surface: 'for-you' }]);
                const sent = await fetch('/api/events', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf) }, body: JSON.stringify({ events }) });
                if (sent.status !== 202) return -sent.status;
              }
              return -1;
            }
            """);
        Assert.True(served > 0, $"For You never ran out ({served})");
        await page.WaitForTimeoutAsync(1100); // seen times are kept to the second

        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator(".empty-feed")).ToContainTextAsync("You're all caught up");
        await page.GetByRole(AriaRole.Link, new() { Name = "Watch again" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/again$"));
        // The page says what it is, with the way back to new videos; Home stays the current place.
        await Assertions.Expect(page.Locator(".feed-tabs .feed-mode")).ToContainTextAsync("Watching again");
        await Assertions.Expect(page.Locator("nav.bar a[aria-current='page']")).ToHaveTextAsync("Home");
        var playing = page.Locator("article.playing");
        await Assertions.Expect(playing).ToBeVisibleAsync();
        await playing.GetByRole(AriaRole.Button, new() { Name = "Why this video" }).ClickAsync();
        await Assertions.Expect(page.Locator("dialog.why-sheet")).ToContainTextAsync("Seen before");
        output.WriteLine($"{name} was served {served} videos, then watched again");
    }

    [Fact]
    public async Task A_private_account_is_set_in_settings_and_its_follow_requests_are_answered_there()
    {
        var (owner, ownerName) = await site.NewUserAsync("shy");
        var id = await BrowserSite.UploadAsync(owner, await Clips.MakeAsync("0x118ab2", 2), "For friends #closecircle");
        await BrowserSite.WaitReadyAsync([(owner, id)]);
        var page = await site.NewPageAsync(1280, 800);
        await page.GotoAsync("/signin?next=/settings");
        await page.GetByLabel("Username").FillAsync(ownerName);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Switch, new() { Name = "Private account" }).CheckAsync();
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("Your account is private");
        // On a wide screen the upload button says what it is, not only "+".
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Upload", Exact = true })).ToContainTextAsync("Upload");

        // A stranger is told the account is private, and their follow is a request, not a follow.
        var stranger = await site.NewPageAsync(1280, 800);
        var strangerName = await SignUpAsync(stranger, "knock", $"/@{ownerName}");
        await Assertions.Expect(stranger.Locator(".private-note")).ToContainTextAsync("This account is private");
        await stranger.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true }).ClickAsync();
        await Assertions.Expect(stranger.GetByRole(AriaRole.Button, new() { Name = "Requested", Exact = true })).ToBeVisibleAsync();
        await stranger.ReloadAsync();
        await Assertions.Expect(stranger.GetByRole(AriaRole.Button, new() { Name = "Requested", Exact = true })).ToBeVisibleAsync();

        // The owner accepts in Settings; the follower then sees the videos.
        await page.ReloadAsync();
        await page.Locator(".follow-requests li", new() { HasText = "@" + strangerName }).GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
        await Assertions.Expect(page.Locator(".follow-requests")).ToContainTextAsync("No one is waiting");
        await stranger.ReloadAsync();
        await Assertions.Expect(stranger.GetByRole(AriaRole.Button, new() { Name = "Following", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(stranger.Locator($".grid a[href='/video/{id}']")).ToBeVisibleAsync();

        // Unfollowing a private account asks first: saying no keeps the follow, yes ends it.
        var asked = new List<string>();
        var answer = false;
        stranger.Dialog += (_, dialog) =>
        {
            asked.Add(dialog.Message);
            _ = answer ? dialog.AcceptAsync() : dialog.DismissAsync();
        };
        var following = stranger.GetByRole(AriaRole.Button, new() { Name = "Following", Exact = true });
        await following.ClickAsync();
        await Assertions.Expect(stranger.Locator(".profile-head")).ToBeVisibleAsync();
        Assert.Single(asked);
        Assert.Contains("This account is private", asked[0], StringComparison.Ordinal);
        await Assertions.Expect(following).ToBeVisibleAsync();
        Assert.Equal(1, (await owner.GetFromJsonAsync<JsonElement>($"/api/users/{ownerName}")).GetProperty("followerCount").GetInt32());
        answer = true;
        await following.ClickAsync();
        await Assertions.Expect(stranger.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true })).ToBeVisibleAsync();
        Assert.Equal(2, asked.Count);
        Assert.Equal(0, (await owner.GetFromJsonAsync<JsonElement>($"/api/users/{ownerName}")).GetProperty("followerCount").GetInt32());
    }

    [Fact]
    public async Task A_person_blocks_someone_from_their_profile_and_lifts_it_there_or_in_settings()
    {
        var (pest, pestName) = await site.NewUserAsync("pest");
        var page = await site.NewPageAsync();
        var confirms = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            confirms.Add(dialog.Message);
            _ = dialog.AcceptAsync();
        };
        var me = await SignUpAsync(page, "blocker", $"/@{pestName}");

        // Blocking asks first, then the profile shows only whom was blocked, with the way back.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true })).ToBeVisibleAsync();
        await BrowserSite.ScreenshotAsync(page, "profile-of-another");
        await page.GetByRole(AriaRole.Button, new() { Name = "Block", Exact = true }).ClickAsync();
        var unblock = page.GetByRole(AriaRole.Button, new() { Name = "Unblock", Exact = true });
        await Assertions.Expect(unblock).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator(".private-note")).ToContainTextAsync($"You blocked @{pestName}");
        Assert.Equal(0, await page.Locator(".grid, .stats").CountAsync());
        Assert.Single(confirms);
        Assert.Contains($"Block @{pestName}?", confirms[0], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await pest.GetAsync($"/api/users/{me}")).StatusCode);
        await page.ReloadAsync();
        await Assertions.Expect(unblock).ToBeVisibleAsync();
        await BrowserSite.ScreenshotAsync(page, "profile-blocked");

        // Settings lists the block and lifts it.
        await page.GotoAsync("/settings");
        var listed = page.Locator(".blocked-accounts li", new() { HasText = "@" + pestName });
        await listed.ScrollIntoViewIfNeededAsync();
        await BrowserSite.ScreenshotAsync(page, "settings-blocked-accounts");
        await listed.GetByRole(AriaRole.Button, new() { Name = $"Unblock @{pestName}" }).ClickAsync();
        await Assertions.Expect(page.Locator(".blocked-accounts")).ToContainTextAsync("You have not blocked anyone.");
        await Assertions.Expect(page.Locator(".blocked-accounts p")).ToBeFocusedAsync();
        Assert.Equal(HttpStatusCode.OK, (await pest.GetAsync($"/api/users/{me}")).StatusCode);

        // Blocked again, the profile's own Unblock brings back Follow.
        await page.GotoAsync($"/@{pestName}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Block", Exact = true }).ClickAsync();
        await unblock.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true })).ToBeFocusedAsync();
        Assert.Equal(2, confirms.Count);
        Assert.Equal(HttpStatusCode.OK, (await pest.GetAsync($"/api/users/{me}")).StatusCode);
    }

    [Fact]
    public async Task An_owner_sees_why_an_upload_failed_and_deletes_it_and_changes_or_deletes_a_ready_video_from_the_feed()
    {
        var (client, username) = await site.NewUserAsync("owner");
        var broken = await BrowserSite.UploadAsync(client, System.Text.Encoding.UTF8.GetBytes("a shopping list, not a video"), "Broken upload #oops");
        var good = await BrowserSite.UploadAsync(client, await Clips.MakeAsync("0x264653"), "Keeper #fine");
        await BrowserSite.WaitReadyAsync(client, [good]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await client.GetFromJsonAsync<JsonElement>($"/api/videos/{broken}")).GetProperty("status").GetString() != "failed")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the broken upload was not marked failed");
            await Task.Delay(200);
        }

        var page = await site.NewPageAsync();
        await SignInAsync(page, username);
        var confirms = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            confirms.Add(dialog.Message);
            _ = dialog.AcceptAsync();
        };

        // The failed upload says why, offers no black player, and only it can be deleted from the grid.
        await page.GotoAsync($"/@{username}");
        var failedTile = page.Locator($".grid li[data-video-id='{broken}']");
        await Assertions.Expect(failedTile.Locator(".tile-status")).ToContainTextAsync("Could not be processed: ");
        Assert.Equal(0, await failedTile.Locator("a").CountAsync());
        await Assertions.Expect(page.Locator($".grid li[data-video-id='{good}'] a.tile")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator($".grid li[data-video-id='{good}'] .tile-delete").CountAsync());
        await BrowserSite.ScreenshotAsync(page, "profile-with-a-failed-upload");

        // Its link, opened by the owner, says the same instead of a black player.
        await page.GotoAsync($"/video/{broken}");
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Could not be processed: " })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete this video" })).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("article").CountAsync());
        await page.GotoAsync($"/@{username}");
        await failedTile.GetByRole(AriaRole.Button, new() { Name = "Delete \"Broken upload #oops\"" }).ClickAsync();
        await Assertions.Expect(failedTile).ToHaveCountAsync(0);
        Assert.Single(confirms);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/videos/{broken}")).StatusCode);

        // A stranger's menu on the ready video offers "not interested", never a delete.
        var stranger = await site.NewPageAsync();
        await SignUpAsync(stranger, "stranger", $"/video/{good}");
        await stranger.GotoAsync($"/video/{good}");
        await stranger.Locator($"article[data-video-id='{good}']").GetByRole(AriaRole.Button, new() { Name = "More options" }).ClickAsync();
        var theirMenu = stranger.Locator("dialog.menu-sheet");
        await Assertions.Expect(theirMenu.GetByRole(AriaRole.Menuitem, new() { Name = "This video" })).ToBeVisibleAsync();
        Assert.Equal(0, await theirMenu.GetByRole(AriaRole.Menuitem, new() { Name = "Delete this video" }).CountAsync());

        // The owner deletes the ready one from the feed's menu: it leaves the feed and the server.
        await page.GotoAsync($"/video/{good}");
        var slide = page.Locator($"article[data-video-id='{good}']");
        await slide.GetByRole(AriaRole.Button, new() { Name = "More options" }).ClickAsync();
        var menu = page.Locator("dialog.menu-sheet");
        Assert.Equal(0, await menu.GetByRole(AriaRole.Menuitem, new() { Name = "This video", Exact = true }).CountAsync());

        // First only for the owner: the menu says who can watch, and the server agrees.
        await Assertions.Expect(menu.GetByRole(AriaRole.Menuitemradio, new() { Name = "Everyone can watch" })).ToHaveAttributeAsync("aria-checked", "true");
        await menu.GetByRole(AriaRole.Menuitemradio, new() { Name = "Only you can watch" }).ClickAsync();
        await Assertions.Expect(menu.GetByRole(AriaRole.Menuitemradio, new() { Name = "Only you can watch" })).ToHaveAttributeAsync("aria-checked", "true");
        await Assertions.Expect(menu.GetByRole(AriaRole.Menuitemradio, new() { Name = "Everyone can watch" })).ToHaveAttributeAsync("aria-checked", "false");
        // The message shows in the open sheet, not behind it.
        await Assertions.Expect(menu.Locator("#toast")).ToHaveTextAsync("Only you can watch this video now");
        Assert.Equal("private", (await client.GetFromJsonAsync<JsonElement>($"/api/videos/{good}")).GetProperty("visibility").GetString());
        using (var visitor = new HttpClient { BaseAddress = site.Address })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync($"/api/videos/{good}")).StatusCode);
        }

        await menu.GetByRole(AriaRole.Menuitem, new() { Name = "Delete this video" }).ClickAsync();
        await Assertions.Expect(slide).ToHaveCountAsync(0);
        Assert.Equal(2, confirms.Count);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/videos/{good}")).StatusCode);
        await page.GotoAsync($"/@{username}");
        await Assertions.Expect(page.Locator(".page .muted")).ToHaveTextAsync("No videos yet.");

        // A video still being made turns into a playable tile on the open profile, without a reload.
        var late = await BrowserSite.UploadAsync(client, await Clips.MakeAsync("0x2a9d8f", 3), "Late one #fine");
        await page.GotoAsync($"/@{username}");
        await Assertions.Expect(page.Locator($".grid a.tile[href='/video/{late}']")).ToBeVisibleAsync(new() { Timeout = 90_000 });

        // An address that names no video says so without asking the server about "NaN".
        var asked = new List<string>();
        page.Request += (_, request) => asked.Add(request.Url);
        await page.GotoAsync("/video/abc");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Not found");
        Assert.DoesNotContain(asked, url => url.Contains("/api/videos/", StringComparison.Ordinal));

        // A cut-off link (a broken %-escape) is not found either, rather than a blank page.
        await page.GotoAsync("/@%E0%A4%A");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Not found");

        // After signing in, a "next" that points off the site ("/\\host" is read as another host) goes home.
        await page.GotoAsync("/settings");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await page.GotoAsync("/signin?next=/%5Cexample.com");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(site.Address, "/").ToString());
        await Assertions.Expect(page.Locator(".auth-form .error")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_person_edits_their_name_and_bio_in_settings_and_the_profile_shows_them_with_links()
    {
        var page = await site.NewPageAsync();
        var username = await SignUpAsync(page, "bio");
        await page.GotoAsync("/settings");
        await page.GetByLabel("Name").FillAsync("Cat Person");
        await page.GetByLabel("Bio").FillAsync("Cats and #Kittens, with @" + username + "\n<b>not bold</b>");
        await Assertions.Expect(page.Locator(".profile-form .counter")).ToContainTextAsync("characters left");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Assertions.Expect(page.Locator("#toast")).ToHaveTextAsync("Profile saved");

        using var api = new HttpClient { BaseAddress = site.Address };
        var profile = await api.GetFromJsonAsync<JsonElement>($"/api/users/{username}");
        Assert.Equal("Cat Person", profile.GetProperty("displayName").GetString());
        Assert.Equal("Cats and #Kittens, with @" + username + "\n<b>not bold</b>", profile.GetProperty("bio").GetString());

        // The profile shows the name, the handle under it, and the bio's tags and mentions as links, its markup as text.
        await page.GotoAsync($"/@{username}");
        await Assertions.Expect(page.Locator(".profile-head h1")).ToHaveTextAsync("Cat Person");
        var bio = page.Locator(".profile-head .bio");
        await Assertions.Expect(bio.Locator("a.tag[href='/tag/kittens']")).ToHaveTextAsync("#Kittens");
        await Assertions.Expect(bio.Locator($"a.mention[href='/@{username}']")).ToBeVisibleAsync();
        await Assertions.Expect(bio).ToContainTextAsync("<b>not bold</b>");
        Assert.Equal(0, await bio.Locator("b").CountAsync());

        // Emptying the name falls back to the handle.
        await page.GotoAsync("/settings");
        await Assertions.Expect(page.GetByLabel("Name")).ToHaveValueAsync("Cat Person");
        await page.GetByLabel("Name").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Assertions.Expect(page.Locator("#toast")).ToHaveTextAsync("Profile saved");
        await page.GotoAsync($"/@{username}");
        await Assertions.Expect(page.Locator(".profile-head h1")).ToHaveTextAsync("@" + username);
    }

    [Fact]
    public async Task A_saved_video_is_found_under_saved_on_ones_own_profile_and_nowhere_for_others()
    {
        var catalogue = await site.CatalogueAsync();
        var video = catalogue.Videos[2];
        var page = await site.NewPageAsync();
        var username = await SignUpAsync(page, "saver", $"/video/{video}");
        var slide = page.Locator($"article[data-video-id='{video}']");
        await slide.GetByRole(AriaRole.Button, new() { Name = "Bookmark" }).ClickAsync();
        await Assertions.Expect(slide.Locator(".action.bookmark")).ToHaveAttributeAsync("aria-pressed", "true");

        // From one's own profile, the Saved list holds it and plays it.
        await page.GotoAsync($"/@{username}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Saved", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/saved$"));
        await Assertions.Expect(page).ToHaveTitleAsync("Saved videos · Reeltime");
        var tile = page.Locator($".grid a[href='/video/{video}']");
        await Assertions.Expect(tile).ToBeVisibleAsync();
        await tile.ClickAsync();
        await WaitPlayingAsync(page, video);

        // Taken back, it leaves the list.
        await page.Locator($"article[data-video-id='{video}']").GetByRole(AriaRole.Button, new() { Name = "Remove bookmark" }).ClickAsync();
        await Assertions.Expect(page.Locator($"article[data-video-id='{video}'] .action.bookmark")).ToHaveAttributeAsync("aria-pressed", "false");
        await page.GotoAsync("/saved");
        await Assertions.Expect(page.Locator(".page p.muted").Last).ToHaveTextAsync("Nothing saved yet. Tap the bookmark on a video to keep it here.");

        // Someone else's profile has no Saved tab, and a visitor is asked to sign in.
        var other = await site.NewPageAsync();
        await other.GotoAsync($"/@{username}");
        await Assertions.Expect(other.Locator(".profile-head h1")).ToBeVisibleAsync();
        Assert.Equal(0, await other.Locator(".profile-tabs").CountAsync());
        await other.GotoAsync("/saved");
        await Assertions.Expect(other.GetByText("Sign in to see the videos you saved.")).ToBeVisibleAsync();
    }

    private static async Task SignInAsync(IPage page, string username)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_shared_link_asks_for_you_for_more_only_when_the_viewer_moves_on()
    {
        var catalogue = await site.CatalogueAsync();
        var shared = catalogue.Videos[5];
        var page = await site.NewPageAsync();
        // Signed up on a page without a feed: the catalogue here is small, and For You must still hold some of it.
        await SignUpAsync(page, "linked", "/settings");
        var forYouRequests = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/feed/for-you", StringComparison.Ordinal))
            {
                forYouRequests++;
            }
        };

        // Someone who only came for the link spends none of their For You on it.
        await page.GotoAsync($"/video/{shared}");
        await WaitPlayingAsync(page, shared);
        await page.WaitForTimeoutAsync(1_500);
        Assert.Equal(0, forYouRequests);

        // Moving on fetches a page and lands on its first video, which plays.
        await page.Locator($"article[data-video-id='{shared}']").FocusAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        var next = page.Locator("article.slide").Nth(1);
        await Assertions.Expect(next).ToHaveClassAsync(new Regex("playing"), new() { Timeout = 20_000 });
        Assert.Equal(1, forYouRequests);
        Assert.NotEqual(shared.ToString(System.Globalization.CultureInfo.InvariantCulture), await next.GetAttributeAsync("data-video-id"));
    }

    [Fact]
    public async Task Tabs_of_one_browser_agree_on_who_is_signed_in_and_signing_out_offline_says_it_did_not()
    {
        var (_, other) = await site.NewUserAsync("second");
        var page = await site.NewPageAsync(1280, 800);
        var first = await SignUpAsync(page, "first", "/settings");
        var tab = await page.Context.NewPageAsync();
        await tab.GotoAsync("/");
        await Assertions.Expect(tab.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true })).ToHaveAttributeAsync("href", $"/@{first}");

        // Offline, signing out cannot end the session on the server: the page says so and stays signed in.
        await page.GotoAsync("/settings");
        await page.Context.SetOfflineAsync(true);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("You are still signed in");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true })).ToBeVisibleAsync();
        await page.Context.SetOfflineAsync(false);

        // Signing out and in as someone else in one tab: the other tab follows at once, and says so.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(tab.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(tab.Locator("#toast")).ToContainTextAsync("You signed out in another tab.");
        await SignInAsync(page, other);
        await Assertions.Expect(tab.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true })).ToHaveAttributeAsync("href", $"/@{other}");
        await Assertions.Expect(tab.Locator("#toast")).ToContainTextAsync($"You are signed in as @{other}");
    }

    [Fact]
    public async Task Network_failures_say_so_in_words_and_offer_to_try_again()
    {
        var catalogue = await site.CatalogueAsync();
        var page = await site.NewPageAsync();

        // A profile that cannot be reached is not "not found": it says why, and Try again loads it.
        await page.RouteAsync("**/api/users/**", route => route.AbortAsync());
        await page.GotoAsync($"/@{catalogue.CreatorName}");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Could not load this page");
        await Assertions.Expect(page.Locator(".page p").First).ToContainTextAsync("could not be reached");
        await page.UnrouteAsync("**/api/users/**");
        await page.GetByRole(AriaRole.Button, new() { Name = "Try again" }).ClickAsync();
        await Assertions.Expect(page.Locator(".profile-head h1")).ToHaveTextAsync("@" + catalogue.CreatorName);

        // A grid that fails to load says so where its videos would be, and Try again fills it.
        await page.RouteAsync("**/api/hashtags/**", route => route.AbortAsync());
        await page.GotoAsync($"/tag/{Catalogue.Hashtag}");
        var gridFailed = page.Locator(".grid-failed");
        await Assertions.Expect(gridFailed).ToContainTextAsync("could not be reached");
        await page.UnrouteAsync("**/api/hashtags/**");
        await gridFailed.GetByRole(AriaRole.Button, new() { Name = "Try again" }).ClickAsync();
        await Assertions.Expect(page.Locator(".grid a.tile").First).ToBeVisibleAsync();
        await Assertions.Expect(gridFailed).ToBeHiddenAsync();

        // A grid slow to fill says it is loading, and stops saying so once its videos are there.
        var videosComing = new TaskCompletionSource();
        await page.RouteAsync("**/api/hashtags/**", async route => { await videosComing.Task; await route.ContinueAsync(); });
        await page.GotoAsync($"/tag/{Catalogue.Hashtag}");
        var gridLoading = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Loading…" });
        await Assertions.Expect(gridLoading).ToBeVisibleAsync();
        videosComing.SetResult();
        await Assertions.Expect(page.Locator(".grid a.tile").First).ToBeVisibleAsync();
        await Assertions.Expect(gridLoading).ToBeHiddenAsync();
        await page.UnrouteAsync("**/api/hashtags/**");

        // A page slow to arrive says it is loading instead of leaving the last page up as if it were the new one.
        var release = new TaskCompletionSource();
        await page.RouteAsync("**/api/users/**", async route => { await release.Task; await route.ContinueAsync(); });
        await page.EvaluateAsync("path => { history.pushState(null, '', path); dispatchEvent(new PopStateEvent('popstate')); }", "/@" + catalogue.CreatorName);
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Loading…" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("h1", new() { HasText = "#" + Catalogue.Hashtag })).ToHaveCountAsync(0);
        release.SetResult();
        await Assertions.Expect(page.Locator(".profile-head h1")).ToHaveTextAsync("@" + catalogue.CreatorName);
        await page.UnrouteAsync("**/api/users/**");

        // A For You that fails to load says so instead of staying black, and Try again fills it.
        await page.RouteAsync("**/api/feed/for-you**", route => route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json", Body = "{\"title\":\"The feed is resting. Try again in a moment.\",\"status\":503}" }));
        await page.GotoAsync("/");
        var failed = page.Locator(".load-failed");
        await Assertions.Expect(failed).ToContainTextAsync("The feed is resting. Try again in a moment.");
        await page.UnrouteAsync("**/api/feed/for-you**");
        await failed.GetByRole(AriaRole.Button, new() { Name = "Try again" }).ClickAsync();
        await Assertions.Expect(page.Locator("article.slide").First).ToHaveClassAsync(new Regex("playing"), new() { Timeout = 20_000 });
        await Assertions.Expect(failed).ToHaveCountAsync(0);

        // Signing in with a field left empty names the field rather than blaming the password.
        await page.GotoAsync("/signin");
        await page.GetByLabel("Username").FillAsync("someone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator(".auth-form .error")).ToHaveTextAsync("Enter your password.");
        await Assertions.Expect(page.GetByLabel("Password")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task A_video_that_failed_while_offline_plays_once_the_connection_is_back()
    {
        await site.CatalogueAsync();
        var page = await site.NewPageAsync(1280, 800);
        await page.GotoAsync("/");
        await FeedInteractionTests.WaitAtAsync(page, 0);
        Assert.True(await page.Locator(".feed article").CountAsync() >= 5, "the feed has too few videos for this test");

        // Offline, the feed moves on: the video it reaches has nothing to play.
        await page.Context.SetOfflineAsync(true);
        await page.Locator(".feed article").First.FocusAsync();
        for (var i = 0; i < 3; i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
            await page.WaitForTimeoutAsync(300);
        }

        var third = page.Locator(".feed article").Nth(3);
        await Assertions.Expect(third).ToHaveClassAsync(new Regex("failed"), new() { Timeout = 15_000 });

        // Back online, it loads again and plays, with no reload.
        await page.Context.SetOfflineAsync(false);
        await Assertions.Expect(third).Not.ToHaveClassAsync(new Regex("failed"), new() { Timeout = 15_000 });
        await Assertions.Expect(third).ToHaveClassAsync(new Regex("playing"), new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task A_long_caption_opens_with_more_and_a_shared_link_and_following_say_why_they_are_there()
    {
        var (client, creator) = await site.NewUserAsync("wordy");
        var caption = string.Join(' ', Enumerable.Range(1, 30).Select(i => $"line{i} with words")) + " #wordy";
        var id = await BrowserSite.UploadAsync(client, await Clips.MakeAsync("0x457b9d"), caption);
        await BrowserSite.WaitReadyAsync(client, [id]);

        var page = await site.NewPageAsync();
        await SignUpAsync(page, "reader", "/settings");
        await page.GotoAsync($"/video/{id}");
        await WaitPlayingAsync(page, id);
        var slide = page.Locator($"article[data-video-id='{id}']");
        var more = slide.GetByRole(AriaRole.Button, new() { Name = "more", Exact = true });
        await Assertions.Expect(more).ToBeVisibleAsync();
        var shut = await slide.Locator(".caption").EvaluateAsync<double>("c => c.clientHeight");
        await more.ClickAsync();
        await Assertions.Expect(slide.GetByRole(AriaRole.Button, new() { Name = "less", Exact = true })).ToHaveAttributeAsync("aria-expanded", "true");
        Assert.True(await slide.Locator(".caption").EvaluateAsync<double>("c => c.clientHeight") > shut * 1.5);

        await slide.GetByRole(AriaRole.Button, new() { Name = "Why this video" }).ClickAsync();
        await Assertions.Expect(page.Locator("dialog.why-sheet")).ToContainTextAsync("You opened a link to this video.");
        await page.Keyboard.PressAsync("Escape");

        // Followed, the video is in Following, which says why.
        await page.GotoAsync($"/@{creator}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Following", Exact = true })).ToBeVisibleAsync();
        await page.GotoAsync("/following");
        var followed = page.Locator($"article[data-video-id='{id}']");
        await followed.GetByRole(AriaRole.Button, new() { Name = "Why this video" }).ClickAsync();
        await Assertions.Expect(page.Locator("dialog.why-sheet")).ToContainTextAsync($"From @{creator}, whom you follow");
        await Assertions.Expect(page).ToHaveTitleAsync("Following · Reeltime");
    }

    [Fact]
    public async Task Signing_out_in_another_tab_shows_this_one_signed_out_at_its_next_request()
    {
        var catalogue = await site.CatalogueAsync();
        var page = await site.NewPageAsync();
        await SignUpAsync(page, "twotabs", $"/video/{catalogue.Videos[3]}");
        await WaitPlayingAsync(page, catalogue.Videos[3]);

        var other = await page.Context.NewPageAsync();
        await other.GotoAsync("/settings");
        await other.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(other.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();

        // The first tab learns it at its next request: it now offers to sign in, not a Profile that fails.
        await page.Locator($"article[data-video-id='{catalogue.Videos[3]}']").GetByRole(AriaRole.Button, new() { Name = "Bookmark" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true }).CountAsync());
    }

    [Fact]
    public async Task A_link_to_a_missing_video_says_so_and_offers_for_you()
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/video/999999999");
        await Assertions.Expect(page.Locator(".empty-feed")).ToContainTextAsync("This video is not available");
        await page.GetByRole(AriaRole.Link, new() { Name = "Watch For You" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/$"));
    }

    [Fact]
    public async Task Search_submitted_while_typing_shows_the_full_results_and_forms_start_in_their_first_field()
    {
        var catalogue = await site.CatalogueAsync();
        var page = await site.NewPageAsync();
        await page.GotoAsync("/signin");
        Assert.Equal("username", await page.EvaluateAsync<string>("() => document.activeElement?.getAttribute('name') ?? ''"));
        await page.GotoAsync("/search");
        Assert.Equal("q", await page.EvaluateAsync<string>("() => document.activeElement?.getAttribute('name') ?? ''"));

        // Enter straight after typing: the suggestions' smaller search must not replace the full one.
        await page.Keyboard.TypeAsync("Tour clip");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForTimeoutAsync(1_000);
        Assert.True(await page.Locator(".results .tile").CountAsync() >= catalogue.Videos.Count);

        // A combobox's keys: ↓ from the box into the suggestions, ↑ back to the box.
        var box = page.GetByRole(AriaRole.Combobox, new() { Name = "Search" });
        await box.FillAsync($"#{Catalogue.Hashtag}");
        var suggestion = page.Locator("#search-suggestions a", new() { HasText = $"#{Catalogue.Hashtag}" }).First;
        await Assertions.Expect(suggestion).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await Assertions.Expect(suggestion).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowUp");
        await Assertions.Expect(box).ToBeFocusedAsync();

        // Escape closes the suggestions and keeps what was typed.
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#search-suggestions li")).ToHaveCountAsync(0);
        await Assertions.Expect(box).ToHaveValueAsync($"#{Catalogue.Hashtag}");
        await Assertions.Expect(box).ToHaveAttributeAsync("aria-expanded", "false");

        // Typed and not submitted, the results survive a visit to one of them and Back.
        await box.FillAsync("Tour clip");
        var tile = page.Locator(".results a.tile").First;
        await Assertions.Expect(tile).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/search\\?q=Tour(%20|\\+)clip$"));
        await tile.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/video/\\d+$"));
        await page.GoBackAsync();
        await Assertions.Expect(box).ToHaveValueAsync("Tour clip");
        await Assertions.Expect(page.Locator(".results a.tile").First).ToBeVisibleAsync();

        // On a slow network a full search says it is under way instead of leaving the last results up.
        await page.RouteAsync("**/api/search?*count=24*", async route =>
        {
            await Task.Delay(1_500);
            await route.ContinueAsync();
        });
        await box.FillAsync("Tour");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".results")).ToHaveTextAsync("Searching…");
        await Assertions.Expect(page.Locator(".results a.tile").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_main_pages_render_at_phone_and_desktop_sizes_and_the_first_video_plays_quickly()
    {
        var started = DateTime.UtcNow.AddSeconds(-1);
        var catalogue = await site.CatalogueAsync();
        var first = catalogue.Videos[0];
        // A comment to show in the drawer, and a viewer who follows the creator, so Following has videos.
        const string remark = "The purple one is my favourite";
        Assert.Equal(HttpStatusCode.Created, (await catalogue.Creator.PostAsJsonAsync($"/api/videos/{first}/comments", new { text = remark })).StatusCode);
        var (viewer, viewerName) = await site.NewUserAsync("looker");
        using (viewer)
        {
            (await viewer.PostAsync($"/api/users/{catalogue.CreatorName}/follow", null)).EnsureSuccessStatusCode();
        }

        foreach (var (width, height) in new[] { (390, 844), (1280, 800) })
        {
            // A visitor: For You plays without signing in.
            var page = await site.NewPageAsync(width, height);
            await page.GotoAsync("/");
            await page.WaitForFunctionAsync("() => performance.getEntriesByName('first-play').length > 0", null, new() { Timeout = 30_000 });
            var firstPlayMs = await page.EvaluateAsync<double>("() => performance.getEntriesByName('first-play')[0].startTime");
            output.WriteLine($"{width}x{height}: navigation to first video playing: {firstPlayMs:F0} ms");
            await BrowserSite.RecordFigureAsync($"{width}x{height} first-play-ms {firstPlayMs:F0}");
            var playing = page.Locator("article.playing");
            await Assertions.Expect(playing.Locator(".caption")).ToBeVisibleAsync();
            await BrowserSite.ScreenshotAsync(page, "for-you");

            await playing.GetByRole(AriaRole.Button, new() { Name = "Why this video" }).ClickAsync();
            await Assertions.Expect(page.Locator("dialog.why-sheet .why")).ToBeVisibleAsync();
            await BrowserSite.ScreenshotAsync(page, "why-this-video");
            await page.Keyboard.PressAsync("Escape");
            await Assertions.Expect(page.Locator("dialog[open]")).ToHaveCountAsync(0);

            await playing.GetByRole(AriaRole.Button, new() { Name = "More options" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "This video" })).ToBeVisibleAsync();
            await BrowserSite.ScreenshotAsync(page, "not-interested");
            await page.Keyboard.PressAsync("Escape");

            await page.GotoAsync($"/tag/{Catalogue.Hashtag}");
            await Assertions.Expect(page.Locator(".grid .tile img")).ToHaveCountAsync(catalogue.Videos.Count);
            await WaitForImagesAsync(page);
            await BrowserSite.ScreenshotAsync(page, "hashtag");

            await page.GotoAsync("/search");
            await page.GetByRole(AriaRole.Combobox, new() { Name = "Search" }).PressSequentiallyAsync(Catalogue.Hashtag[..3]);
            await Assertions.Expect(page.Locator($".suggestions a[href='/tag/{Catalogue.Hashtag}']")).ToBeVisibleAsync();
            await BrowserSite.ScreenshotAsync(page, "search");

            await page.GotoAsync("/signup");
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign up" })).ToBeVisibleAsync();
            await BrowserSite.ScreenshotAsync(page, "sign-up");

            await page.GotoAsync("/signin");
            await page.GetByLabel("Username").FillAsync(viewerName);
            await page.GetByLabel("Password").FillAsync(Password);
            await BrowserSite.ScreenshotAsync(page, "sign-in");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true })).ToBeVisibleAsync();

            // Signed in from here on.
            await page.GotoAsync("/following");
            await Assertions.Expect(page.Locator($"article.playing[data-author='{catalogue.CreatorName}']")).ToBeVisibleAsync();
            await BrowserSite.ScreenshotAsync(page, "following");

            await page.GotoAsync($"/video/{first}");
            await WaitPlayingAsync(page, first);
            await BrowserSite.ScreenshotAsync(page, "video");
            await page.Locator($"article[data-video-id='{first}']").GetByRole(AriaRole.Button, new() { Name = "Comments" }).ClickAsync();
            await Assertions.Expect(page.Locator("dialog.comments-sheet .comment-text").First).ToHaveTextAsync(remark);
            await BrowserSite.ScreenshotAsync(page, "comments");
            await page.Keyboard.PressAsync("Escape");

            await page.GotoAsync("/upload");
            await page.Locator("input[type=file]").SetInputFilesAsync(await Clips.PathAsync("0x2a9d8f", 3));
            await page.GetByLabel("Caption").FillAsync($"Sunset over the bay #{Catalogue.Hashtag}");
            await Assertions.Expect(page.Locator(".upload-form")).ToContainTextAsync(".mp4");
            await BrowserSite.ScreenshotAsync(page, "upload");

            await page.GotoAsync($"/@{catalogue.CreatorName}");
            await Assertions.Expect(page.Locator(".grid .tile img")).ToHaveCountAsync(catalogue.Videos.Count);
            await WaitForImagesAsync(page);
            await BrowserSite.ScreenshotAsync(page, "profile");

            await page.GotoAsync("/settings");
            await Assertions.Expect(page.Locator(".interests h3").First).ToBeVisibleAsync();
            await BrowserSite.ScreenshotAsync(page, "settings");
            await page.Context.CloseAsync();
        }

        // Every main page and sheet, at both sizes.
        string[] names = ["for-you", "following", "video", "comments", "why-this-video", "not-interested", "upload", "profile", "hashtag", "search", "sign-in", "sign-up", "settings"];
        var missing = names.SelectMany(n => new[] { $"{n}-phone.png", $"{n}-desktop.png" })
            .Where(f => !File.Exists(Path.Combine(BrowserSite.ScreenshotFolder, f)) || File.GetLastWriteTimeUtc(Path.Combine(BrowserSite.ScreenshotFolder, f)) < started).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task The_page_sends_a_strict_content_security_policy_and_deep_links_load_the_client()
    {
        using var api = new HttpClient { BaseAddress = site.Address };
        var response = await api.GetAsync("/tag/anything");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/no-such-route")).StatusCode);
    }

    /// <summary>Waits until the video plays in the feed: frames decoded and time advancing, not only the poster.</summary>
    internal static Task WaitPlayingAsync(IPage page, long videoId) =>
        page.WaitForFunctionAsync("id => { const a = document.querySelector(`article[data-video-id='${id}']`); if (!a) return false; const v = a.querySelector('video'); return a.classList.contains('playing') && v.currentTime > 0.2 && v.videoWidth > 0; }",
            videoId, new() { Timeout = 30_000 });

    /// <summary>Waits until every poster of a grid has loaded, so the screenshot shows them.</summary>
    private static async Task WaitForImagesAsync(IPage page) =>
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.grid img')].every(i => i.complete && i.naturalWidth > 0)");

    /// <summary>
    /// Signs up a new person through the page, who then lands on <paramref name="next"/>. The landing page
    /// matters: the For You feed leaves out what it has served a person already, so a test that needs a
    /// feed to scroll through should land on that feed, not visit For You first.
    /// </summary>
    internal static async Task<string> SignUpAsync(IPage page, string prefix, string next = "/")
    {
        var username = prefix + Guid.NewGuid().ToString("N")[..6];
        await page.GotoAsync("/signup?next=" + Uri.EscapeDataString(next));
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true })).ToBeVisibleAsync();
        return username;
    }

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
