using System.Text.Json;

namespace Reeltime.Web.Tests;

/// <summary>The feed driven as people drive it: keys, the mouse wheel and a finger.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FeedInteractionTests(BrowserSite site)
{
    // The slide whose top sits at the top of the feed (the one on screen), and the one that plays; -1 for none.
    private const string OnScreenIndex = """
        () => { const feed = document.querySelector('.feed'); if (!feed) return -1; const top = feed.getBoundingClientRect().top;
          return [...feed.querySelectorAll('article')].findIndex(a => Math.abs(a.getBoundingClientRect().top - top) < 2); }
        """;

    private const string PlayingIndex = "() => [...document.querySelectorAll('.feed article')].findIndex(a => a.classList.contains('playing'))";

    [Fact]
    public async Task Arrow_keys_move_space_pauses_m_mutes_and_l_likes_what_the_server_then_holds()
    {
        var catalogue = await site.CatalogueAsync();
        var first = catalogue.Videos[1];
        var page = await site.NewPageAsync(1280, 800);
        await WebClientTests.SignUpAsync(page, "keys", $"/video/{first}");
        await WebClientTests.WaitPlayingAsync(page, first);

        // ↓ moves to the next video, which plays while the first pauses; ↑ comes back.
        await page.Keyboard.PressAsync("ArrowDown");
        await WaitAtAsync(page, 1);
        Assert.True(await page.Locator($"article[data-video-id='{first}'] video").EvaluateAsync<bool>("v => v.paused"));
        await page.Keyboard.PressAsync("ArrowUp");
        await WaitAtAsync(page, 0);

        // Space pauses (time stands still), space again plays (time moves on).
        var video = page.Locator($"article[data-video-id='{first}'] video");
        await page.Keyboard.PressAsync(" ");
        await page.WaitForFunctionAsync("v => v.paused", await video.ElementHandleAsync());
        var pausedAt = await video.EvaluateAsync<double>("v => v.currentTime");
        await page.WaitForTimeoutAsync(400);
        Assert.Equal(pausedAt, await video.EvaluateAsync<double>("v => v.currentTime"));
        await Assertions.Expect(page.Locator($"article[data-video-id='{first}']")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("playing"));
        // Held paused, the video shows a Play button (to tap, or to reach by keyboard); it goes once playing.
        var resume = page.Locator($"article[data-video-id='{first}']").GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true });
        await Assertions.Expect(resume).ToBeVisibleAsync();
        await page.Keyboard.PressAsync(" ");
        await page.WaitForFunctionAsync("([v, t]) => !v.paused && v.currentTime !== t", new object[] { await video.ElementHandleAsync(), pausedAt });
        await Assertions.Expect(resume).ToBeHiddenAsync();
        await page.Keyboard.PressAsync(" ");
        await resume.ClickAsync();
        await page.WaitForFunctionAsync("v => !v.paused", await video.ElementHandleAsync());
        await Assertions.Expect(resume).ToBeHiddenAsync();

        // m unmutes (videos start muted), and the choice outlives a reload.
        Assert.True(await video.EvaluateAsync<bool>("v => v.muted"));
        await page.Keyboard.PressAsync("m");
        await page.WaitForFunctionAsync("v => !v.muted", await video.ElementHandleAsync());
        await Assertions.Expect(page.Locator($"article[data-video-id='{first}'] .mute-pill")).ToHaveAttributeAsync("aria-label", "Mute");
        await page.ReloadAsync();
        await WebClientTests.WaitPlayingAsync(page, first);
        Assert.False(await page.Locator($"article[data-video-id='{first}'] video").EvaluateAsync<bool>("v => v.muted"));
        await page.Keyboard.PressAsync("m");
        await page.WaitForFunctionAsync("id => document.querySelector(`article[data-video-id='${id}'] video`).muted", first);
        await page.ReloadAsync();
        await WebClientTests.WaitPlayingAsync(page, first);
        Assert.True(await page.Locator($"article[data-video-id='{first}'] video").EvaluateAsync<bool>("v => v.muted"));

        // l likes: the button, its count and the server agree.
        var slide = page.Locator($"article[data-video-id='{first}']");
        var before = int.Parse(await slide.Locator(".action.heart .count").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
        await page.Keyboard.PressAsync("l");
        await Assertions.Expect(slide.Locator(".action.heart")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(slide.Locator(".action.heart .count")).ToHaveTextAsync((before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var seen = await page.EvaluateAsync<JsonElement>("id => fetch(`/api/videos/${id}`).then(r => r.json())", first);
        Assert.True(seen.GetProperty("viewer").GetProperty("liked").GetBoolean());
        Assert.Equal(before + 1, seen.GetProperty("counts").GetProperty("likes").GetInt32());

        // Share copies the link, and the count it shows is the server's, so it survives a reload.
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var shared = (await page.EvaluateAsync<JsonElement>("id => fetch(`/api/videos/${id}`).then(r => r.json())", first)).GetProperty("counts").GetProperty("shares").GetInt32();
        await slide.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        await Assertions.Expect(page.Locator("#toast")).ToHaveTextAsync("Link copied");
        var expected = (shared + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(slide.Locator(".action.share .count")).ToHaveTextAsync(expected);
        await page.ReloadAsync();
        await Assertions.Expect(slide.Locator(".action.share .count")).ToHaveTextAsync(expected);
    }

    [Fact]
    public async Task Coming_back_from_a_profile_finds_the_video_that_was_left_and_plays_it()
    {
        await site.CatalogueAsync();
        var page = await site.NewPageAsync(1280, 800);
        await page.GotoAsync("/");
        await WaitAtAsync(page, 0);
        await page.Keyboard.PressAsync("ArrowDown");
        await WaitAtAsync(page, 1);
        await page.Keyboard.PressAsync("ArrowDown");
        await WaitAtAsync(page, 2);
        var left = await page.EvaluateAsync<string>("() => document.querySelectorAll('.feed article')[2].dataset.videoId");

        // Back from the creator's profile: the same video, on screen and playing, not a new first page.
        await page.Locator($"article[data-video-id='{left}'] a.avatar").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/@"));
        await Assertions.Expect(page.Locator(".feed")).ToHaveCountAsync(0);
        await page.GoBackAsync();
        await WaitAtAsync(page, 2);
        Assert.Equal(left, await page.EvaluateAsync<string>("() => document.querySelector('.feed article.playing').dataset.videoId"));

        // The same from the creator's name under the video: the app navigates (no reload) and Back resumes.
        await page.EvaluateAsync("() => { window.reeltimeMarker = 1; }");
        await page.Locator($"article[data-video-id='{left}'] .overlay a.creator").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/@"));
        await page.GoBackAsync();
        await WaitAtAsync(page, 2);
        Assert.Equal(left, await page.EvaluateAsync<string>("() => document.querySelector('.feed article.playing').dataset.videoId"));
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.reeltimeMarker ?? 0"));

        // The same by the Home link, from another page.
        await page.GetByRole(AriaRole.Link, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.Locator(".feed")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Home", Exact = true }).ClickAsync();
        await WaitAtAsync(page, 2);
        Assert.Equal(left, await page.EvaluateAsync<string>("() => document.querySelector('.feed article.playing').dataset.videoId"));
    }

    [Fact]
    public async Task Switching_personalisation_off_starts_for_you_afresh_rather_than_where_it_was_left()
    {
        await site.CatalogueAsync();
        var page = await site.NewPageAsync(1280, 800);
        await WebClientTests.SignUpAsync(page, "switcher");
        await WaitAtAsync(page, 0);
        await page.Keyboard.PressAsync("ArrowDown");
        await WaitAtAsync(page, 1);

        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.GetByRole(AriaRole.Switch, new() { Name = "Personalise my For You feed" }).UncheckAsync();
        await Assertions.Expect(page.Locator(".toast").Last).ToContainTextAsync("Personalised For You is off");
        await page.GetByRole(AriaRole.Link, new() { Name = "Home", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator(".feed-tabs .feed-mode")).ToHaveTextAsync("Not personalised: trending and new videos");

        // A new feed, made without profiling, not the personalised one kept from before: from its first video,
        // or, when the first page held the whole catalogue (the site's may be that small), nothing new.
        await page.WaitForFunctionAsync("() => document.querySelector('.feed .empty-feed') || document.querySelector('.feed article.playing')");
        if (await page.Locator(".feed article").CountAsync() == 0)
        {
            await Assertions.Expect(page.Locator(".feed .empty-feed")).ToContainTextAsync("You're all caught up");
            return;
        }

        await WaitAtAsync(page, 0);
        await page.Locator(".feed article.playing").GetByRole(AriaRole.Button, new() { Name = "Why this video" }).ClickAsync();
        await Assertions.Expect(page.Locator("dialog.why-sheet")).ToContainTextAsync("your feed is not personalised");
    }

    [Fact]
    public async Task Not_interested_in_a_video_moves_on_to_the_next_one_not_back_to_the_first()
    {
        await site.CatalogueAsync();
        var page = await site.NewPageAsync(1280, 800);
        await WebClientTests.SignUpAsync(page, "nextone");
        await WaitAtAsync(page, 0);
        await page.Keyboard.PressAsync("ArrowDown");
        await WaitAtAsync(page, 1);
        var ids = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('.feed article')].map(a => a.dataset.videoId)");
        await page.Locator(".feed article.playing").GetByRole(AriaRole.Button, new() { Name = "More options" }).ClickAsync();

        // A menu's keys: ↓ and ↑ move among its items.
        var items = page.GetByRole(AriaRole.Menuitem);
        await Assertions.Expect(items.First).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await Assertions.Expect(items.Nth(1)).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowUp");
        await Assertions.Expect(items.First).ToBeFocusedAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "This video" }).ClickAsync();

        // The hidden video is gone and the one after it plays, in its place.
        await Assertions.Expect(page.Locator($"article[data-video-id='{ids[1]}']")).ToHaveCountAsync(0);
        await WaitAtAsync(page, 1);
        Assert.Equal(ids[2], await page.EvaluateAsync<string>("() => document.querySelector('.feed article.playing').dataset.videoId"));
    }

    [Fact]
    public async Task Not_interested_in_the_last_video_of_a_finished_feed_goes_on_to_its_end()
    {
        var catalogue = await site.CatalogueAsync();
        var page = await site.NewPageAsync(1280, 800);
        await WebClientTests.SignUpAsync(page, "lastone", "/settings");

        // Following one creator makes a feed that ends: their videos, then the end card.
        await page.GotoAsync($"/@{catalogue.CreatorName}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Follow", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Following", Exact = true })).ToBeVisibleAsync();
        await page.GotoAsync("/following");
        await WaitAtAsync(page, 0);
        await page.WaitForFunctionAsync("() => !!document.querySelector('.end-of-feed')");
        var count = await page.Locator(".feed article").CountAsync();
        for (var i = 1; i < count; i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
            await WaitAtAsync(page, i);
        }

        await page.Locator(".feed article.playing").GetByRole(AriaRole.Button, new() { Name = "More options" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "This video" }).ClickAsync();
        await Assertions.Expect(page.Locator(".end-of-feed")).ToBeInViewportAsync();
        Assert.Equal(-1, await page.EvaluateAsync<int>(PlayingIndex));
    }

    [Fact]
    public async Task Each_video_moved_to_counts_one_impression_not_another_as_it_scrolls_away()
    {
        await site.CatalogueAsync();
        // Smooth scrolling, as people have it: the video left stays half in view for a moment.
        var page = await site.NewPageAsync(1280, 800, smoothScrolling: true);
        var impressions = new List<long>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("/api/events", StringComparison.Ordinal) && request.PostData is { } body)
            {
                using var json = JsonDocument.Parse(body);
                lock (impressions)
                {
                    impressions.AddRange(json.RootElement.GetProperty("events").EnumerateArray()
                        .Where(e => e.GetProperty("type").GetString() == "impression").Select(e => e.GetProperty("videoId").GetInt64()));
                }
            }
        };
        await WebClientTests.SignUpAsync(page, "counted");
        await WaitAtAsync(page, 0);
        for (var i = 1; i <= 3; i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
            await WaitAtAsync(page, i);
        }

        // Leaving the page sends what is queued.
        var visited = await page.EvaluateAsync<long[]>("() => [...document.querySelectorAll('.feed article')].slice(0, 4).map(a => Number(a.dataset.videoId))");
        await page.GetByRole(AriaRole.Link, new() { Name = "Search" }).ClickAsync();
        await page.WaitForTimeoutAsync(5_000);
        lock (impressions)
        {
            Assert.All(visited, id => Assert.Equal(1, impressions.Count(x => x == id)));
        }
    }

    [Fact]
    public async Task A_burst_of_wheel_events_moves_one_video()
    {
        var catalogue = await site.CatalogueAsync();
        var page = await site.NewPageAsync(1280, 800);
        await page.GotoAsync($"/video/{catalogue.Videos[0]}");
        await WebClientTests.WaitPlayingAsync(page, catalogue.Videos[0]);

        // A trackpad flick: several wheel events in quick succession.
        var stage = await page.Locator("article.playing .stage").BoundingBoxAsync();
        await page.Mouse.MoveAsync(stage!.X + (stage.Width / 2), stage.Y + (stage.Height / 2));
        // Sent without waiting for each to be handled, so they arrive as close together as a flick's do.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => page.Mouse.WheelAsync(0, 120)));

        await WaitAtAsync(page, 1);
        await page.WaitForTimeoutAsync(600);
        Assert.Equal(1, await page.EvaluateAsync<int>(OnScreenIndex));
        await page.Mouse.WheelAsync(0, -120);
        await WaitAtAsync(page, 0);
    }

    [Fact]
    public async Task A_swipe_up_on_a_touch_screen_moves_to_the_next_video()
    {
        await site.CatalogueAsync();
        var page = await site.NewPageAsync(390, 844);
        await page.GotoAsync("/");
        await WaitAtAsync(page, 0);

        await SwipeAsync(page, fromY: 600, toY: 250);
        await WaitAtAsync(page, 1);
        await page.WaitForTimeoutAsync(400);
        Assert.Equal(1, await page.EvaluateAsync<int>(OnScreenIndex));
        await SwipeAsync(page, fromY: 250, toY: 600);
        await WaitAtAsync(page, 0);
    }

    [Fact]
    public async Task The_next_two_videos_are_preloaded_and_videos_far_behind_are_released()
    {
        await site.CatalogueAsync();
        var page = await site.NewPageAsync(1280, 800);
        await page.GotoAsync("/");
        await WaitAtAsync(page, 0);
        Assert.True(await page.Locator(".feed article").CountAsync() >= 7, "the feed has too few videos for this test");

        // On the first video: the next two fetch (metadata at least), the third does not.
        await WaitMediaAsync(page, [1, 2], [3]);

        // Three videos on: the previous one stays ready to come back to, the two before it gave their
        // source and buffers back, and the next two fetch.
        for (var i = 1; i <= 3; i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
            await WaitAtAsync(page, i);
        }

        await WaitMediaAsync(page, [2, 4, 5], [0, 1, 6]);
        var behind = await page.EvaluateAsync<JsonElement>("() => [...document.querySelectorAll('.feed article video')].slice(0, 2).map(v => ({ src: v.getAttribute('src'), network: v.networkState, paused: v.paused }))");
        foreach (var v in behind.EnumerateArray())
        {
            Assert.Equal(JsonValueKind.Null, v.GetProperty("src").ValueKind);
            Assert.Equal(0, v.GetProperty("network").GetInt32()); // NETWORK_EMPTY
            Assert.True(v.GetProperty("paused").GetBoolean());
        }
    }

    /// <summary>Waits until the slide at <paramref name="index"/> is the one on screen and the one playing.</summary>
    internal static async Task WaitAtAsync(IPage page, int index)
    {
        try
        {
            await page.WaitForFunctionAsync($"i => ({OnScreenIndex})() === i && ({PlayingIndex})() === i", index, new() { Timeout = 10_000 });
        }
        catch (TimeoutException)
        {
            var state = await page.EvaluateAsync<string>($"() => JSON.stringify({{ onScreen: ({OnScreenIndex})(), playing: ({PlayingIndex})(), scrollTop: document.querySelector('.feed').scrollTop, slides: document.querySelectorAll('.feed article').length }})");
            Assert.Fail($"the feed did not settle on video {index}: {state}");
        }
    }

    /// <summary>Waits until the slides in <paramref name="loaded"/> have a source with metadata and those in <paramref name="empty"/> have none.</summary>
    private static async Task WaitMediaAsync(IPage page, int[] loaded, int[] empty) =>
        await page.WaitForFunctionAsync("""
            ([loaded, empty]) => { const v = [...document.querySelectorAll('.feed article video')];
              return loaded.every(i => v[i].getAttribute('src') && v[i].readyState >= 1)
                && empty.every(i => !v[i].getAttribute('src') && v[i].networkState === 0); }
            """, new object[] { loaded, empty }, new() { Timeout = 15_000 });

    /// <summary>A one-finger swipe through the browser's touch input (as a phone's screen delivers it), not synthetic DOM events.</summary>
    private static async Task SwipeAsync(IPage page, int fromY, int toY)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        const int X = 195;
        const int Steps = 8;
        await cdp.SendAsync("Input.dispatchTouchEvent", Touch("touchStart", X, fromY));
        for (var i = 1; i <= Steps; i++)
        {
            await cdp.SendAsync("Input.dispatchTouchEvent", Touch("touchMove", X, fromY + ((toY - fromY) * i / Steps)));
            await Task.Delay(16);
        }

        await cdp.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object> { ["type"] = "touchEnd", ["touchPoints"] = Array.Empty<object>() });
        await cdp.DetachAsync();
    }

    private static Dictionary<string, object> Touch(string type, int x, int y) => new()
    {
        ["type"] = type,
        ["touchPoints"] = new[] { new Dictionary<string, object> { ["x"] = x, ["y"] = y } },
    };
}
