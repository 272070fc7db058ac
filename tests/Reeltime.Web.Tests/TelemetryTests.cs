using System.Diagnostics;
using System.Text.Json;
using Reeltime.Platform.Events;

namespace Reeltime.Web.Tests;

/// <summary>What the client reports about watching, as it arrives in the server's event log.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TelemetryTests(BrowserSite site)
{
    [Fact]
    public async Task A_video_watched_to_its_end_and_one_left_at_once_reach_the_log_as_a_view_and_a_skip()
    {
        var catalogue = await site.CatalogueAsync();
        var watched = catalogue.Videos[3];
        var page = await site.NewPageAsync(1280, 800);
        await WebClientTests.SignUpAsync(page, "watcher", $"/video/{watched}");
        var me = (await page.EvaluateAsync<JsonElement>("() => fetch('/api/me').then(r => r.json())")).GetProperty("id").GetInt64();

        // Watched to the end and into the loop's second round.
        await page.WaitForFunctionAsync("id => { const v = document.querySelector(`article[data-video-id='${id}'] video`); return v && v.played.length && v.played.end(v.played.length - 1) > v.duration - 0.3 && v.currentTime > 0.2 && v.currentTime < 1; }",
            watched, new() { Timeout = 20_000, PollingInterval = 50 });
        var durationMs = await page.Locator($"article[data-video-id='{watched}'] video").EvaluateAsync<double>("v => v.duration * 1000");

        // The next one is left as soon as it plays: a skip.
        await page.Keyboard.PressAsync("ArrowDown");
        await FeedInteractionTests.WaitAtAsync(page, 1);
        var skipped = long.Parse(await page.Locator(".feed article").Nth(1).GetAttributeAsync("data-video-id") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        await page.Keyboard.PressAsync("ArrowDown");
        await FeedInteractionTests.WaitAtAsync(page, 2);

        // The log holds what the client sent, in order, once its batches are flushed (at once after a decisive event).
        var clock = Stopwatch.StartNew();
        List<LoggedEvent> view, skip;
        while (true)
        {
            var mine = site.ReadEventLog().Where(e => e.UserId == me && (byte)e.Type < 32).ToList();
            view = mine.Where(e => e.VideoId == watched).ToList();
            skip = mine.Where(e => e.VideoId == skipped).ToList();
            if ((view.Any(e => e.Type == WatchEventType.Complete) && skip.Any(e => e.Type == WatchEventType.Skip)) || clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal(
            [WatchEventType.Impression, WatchEventType.Play, WatchEventType.Progress, WatchEventType.Progress, WatchEventType.Progress, WatchEventType.Complete, WatchEventType.Replay],
            view.Select(e => e.Type).Take(7));
        // Only more loops may follow; a finished view is never a skip.
        Assert.All(view.Skip(7), e => Assert.Equal(WatchEventType.Replay, e.Type));
        var quarters = view.Where(e => e.Type == WatchEventType.Progress).Select(e => e.PositionMs).ToList();
        for (var q = 0; q < 3; q++)
        {
            Assert.InRange(quarters[q], (durationMs * (q + 1) / 4) - 50, (durationMs * (q + 1) / 4) + 50);
        }

        // Left at once: it started, and ended as a skip. A short test clip may pass its first quarter before the
        // swipe lands on a busy machine (the browser's timing, not the client's rule); a quarter mark is then
        // logged, but never a completion, and the view still ends as a skip.
        var skipTypes = skip.Select(e => e.Type).ToList();
        Assert.Equal([WatchEventType.Impression, WatchEventType.Play], skipTypes.Take(2));
        Assert.Equal(WatchEventType.Skip, skipTypes[^1]);
        Assert.All(skipTypes.Skip(2).SkipLast(1), t => Assert.Equal(WatchEventType.Progress, t));
        Assert.All(view.Concat(skip), e => Assert.Equal(FeedSurface.ForYou, e.Surface));
    }
}
