using System.Security.Cryptography;
using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation.Tests;

public sealed class LearningTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Hidden_preferences_of_many_viewers_are_recovered(int seed)
    {
        var world = new SyntheticWorld(seed);
        const int Viewers = 40;
        double firstShare = 0, lastShare = 0;
        for (var round = 0; round < 4; round++)
        {
            double share = 0;
            for (var viewer = 1; viewer <= Viewers; viewer++)
            {
                var loved = viewer % SyntheticWorld.Topics;
                share += world.ShareOfTopic(world.Session(viewer, loved), loved);
            }

            share /= Viewers;
            if (round == 0)
            {
                firstShare = share;
            }

            lastShare = share;
        }

        // One topic in six: a feed that learned nothing serves about 17 % of the loved topic.
        Assert.True(firstShare < 0.45, $"cold start is diverse: {firstShare:P0}");
        Assert.True(lastShare >= 0.6, $"after three sessions the loved topic is {lastShare:P0} of the feed (first {firstShare:P0})");

        // And what the engine shows it believes names the right topic for every viewer.
        for (var viewer = 1; viewer <= Viewers; viewer++)
        {
            var interests = world.Engine.Interests(viewer);
            Assert.Equal("topic" + (viewer % SyntheticWorld.Topics), interests.Hashtags[0].Name);
        }
    }

    [Fact]
    public void The_embeddings_alone_learn_the_topics_structure()
    {
        var world = new SyntheticWorld(7);
        for (var round = 0; round < 5; round++)
        {
            for (var viewer = 1; viewer <= 60; viewer++)
            {
                world.Session(viewer, viewer % SyntheticWorld.Topics);
            }
        }

        // A viewer with a known taste but no explicit interest list: scoring by the model must prefer the loved topic.
        var ids = world.TopicOf.Keys.ToArray();
        var scores = new float[ids.Length];
        var hits = 0;
        for (var viewer = 1; viewer <= 60; viewer++)
        {
            world.Engine.ScoreVideos(viewer, ids, scores);
            var best = ids.Zip(scores).OrderByDescending(p => p.Second).Take(20).ToList();
            hits += best.Count(p => world.TopicOf[p.First] == viewer % SyntheticWorld.Topics);
        }

        Assert.True(hits / (60.0 * 20) >= 0.8, $"top-20 precision of the loved topic: {hits / (60.0 * 20):P0}");
    }

    [Fact]
    public void Applying_a_batch_twice_changes_nothing_and_a_snapshot_plus_replay_equals_never_stopping()
    {
        var world = WatchedThreeRounds(11);

        var log = world.Log.ToArray();
        var half = log.Length / 2;

        ForYouEngine Replay(Action<ForYouEngine> apply)
        {
            var fresh = new SyntheticWorld(11).Engine;
            apply(fresh);
            return fresh;
        }

        // At-least-once delivery: redelivered events are skipped by offset.
        var once = Replay(e => e.Apply(log));
        var twice = Replay(e =>
        {
            e.Apply(log.AsSpan(0, half + 10));
            e.Apply(log.AsSpan(half));
            e.Apply(log);
        });
        Assert.Equal(Hash(once), Hash(twice));

        // Crash after a snapshot at half: restore and replay the rest.
        var beforeCrash = Replay(e => e.Apply(log.AsSpan(0, half)));
        using var snapshot = new MemoryStream();
        beforeCrash.WriteSnapshot(snapshot);
        snapshot.Position = 0;
        var restored = ForYouEngine.ReadSnapshot(snapshot, world.Options, world.Clock);
        Assert.Equal(half, restored.AppliedOffset);
        restored.Apply(log);
        Assert.Equal(Hash(once), Hash(restored));
        Assert.Equal(Hash(world.Engine), Hash(restored));
    }

    [Fact]
    public void What_is_learned_does_not_depend_on_how_the_events_are_batched()
    {
        // Applying a batch, the engine prefetches the memory of the next few events while it applies one;
        // that must never change what it learns, so one batch and one event at a time leave the same state.
        var world = WatchedThreeRounds(13);

        var log = world.Log.ToArray();
        var whole = new SyntheticWorld(13).Engine;
        whole.Apply(log);
        var single = new SyntheticWorld(13).Engine;
        foreach (var logged in log)
        {
            single.Apply([logged]);
        }

        Assert.True(log.Length > 1_000, $"{log.Length} events");
        Assert.Equal(Hash(whole), Hash(single));
        Assert.Equal(Hash(world.Engine), Hash(whole));
    }

    [Fact]
    public void A_resync_of_video_states_withdraws_and_restores_videos_and_names_the_ones_it_does_not_know()
    {
        var world = new SyntheticWorld(5, videos: 120);
        var withdrawn = Enumerable.Range(1, 60).Select(v => (long)v).ToHashSet();
        var unknown = world.Engine.UpdateVideoStates([.. withdrawn.Select(v => new CatalogVideoState(v, 20_000, false)), new CatalogVideoState(9_999, 0, true)]);

        Assert.Equal([9_999L], unknown);
        var shown = Enumerable.Range(0, 5).SelectMany(_ => world.Session(1, 1)).Select(r => r.VideoId).ToList();
        Assert.NotEmpty(shown);
        Assert.DoesNotContain(shown, withdrawn.Contains);

        // Restored (a moderation appeal upheld, say): the same videos may be recommended again.
        Assert.Empty(world.Engine.UpdateVideoStates([.. withdrawn.Select(v => new CatalogVideoState(v, 20_000, true))]));
        var later = Enumerable.Range(0, 5).SelectMany(_ => world.Session(2, 2)).Select(r => r.VideoId).ToList();
        Assert.Contains(later, withdrawn.Contains);
    }

    [Fact]
    public void Not_interested_in_a_creator_or_hashtag_removes_them_and_reset_forgets_everything()
    {
        var world = new SyntheticWorld(5);
        for (var round = 0; round < 3; round++)
        {
            world.Session(1, lovedTopic: 2);
        }

        var page = world.Engine.Recommend(new RecommendationRequest(1, 30));
        var creator = world.CreatorOf[page[0].VideoId];
        var t = world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        world.Apply([new WatchEvent(WatchEventType.NotInterestedInSubject, 1, page[0].VideoId, creator, 0, 0, 0, t, t, FeedSurface.ForYou)]);
        world.Apply([new WatchEvent(WatchEventType.NotInterestedInSubject, 1, page[0].VideoId, 0, 500 + 3, 0, 0, t, t, FeedSurface.ForYou)]);
        var after = world.Engine.Recommend(new RecommendationRequest(1, 50));
        Assert.DoesNotContain(after, r => world.CreatorOf[r.VideoId] == creator);
        Assert.DoesNotContain(after, r => world.TopicOf[r.VideoId] == 3);

        Assert.NotEmpty(world.Engine.Interests(1).Hashtags);
        world.Apply([new WatchEvent(WatchEventType.InterestsReset, 1, 0, 0, 0, 0, 0, t, t, FeedSurface.Unknown)]);
        var interests = world.Engine.Interests(1);
        Assert.Empty(interests.Hashtags);
        Assert.Empty(interests.Creators);
        Assert.Single(interests.NotInterestedCreators);

        // Taken back: the hashtag's videos may be served again; the creator stays refused.
        world.Apply([new WatchEvent(WatchEventType.NotInterestedWithdrawn, 1, 0, 0, 500 + 3, 0, 0, t, t, FeedSurface.Unknown)]);
        Assert.Empty(world.Engine.Interests(1).NotInterestedHashtags);
        var again = world.Engine.Recommend(new RecommendationRequest(1, 200));
        Assert.Contains(again, r => world.TopicOf[r.VideoId] == 3);
        Assert.DoesNotContain(again, r => world.CreatorOf[r.VideoId] == creator);
    }

    [Fact]
    public void Watching_again_after_seeing_everything_brings_back_what_was_enjoyed_once_each()
    {
        var world = new SyntheticWorld(11, videos: 60, creators: 12);
        var served = new HashSet<long>();
        for (var round = 0; round < 40; round++)
        {
            var page = world.Session(1, lovedTopic: 2);
            if (page.Count == 0)
            {
                break;
            }

            served.UnionWith(page.Select(p => p.VideoId));
        }

        Assert.Equal(60, served.Count);
        Assert.Empty(world.Engine.Recommend(new RecommendationRequest(1, 10)));

        // Refused before watching again: a refusal holds here too.
        var t = world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        world.Apply([new WatchEvent(WatchEventType.NotInterestedInSubject, 1, 8, 1008, 0, 0, 0, t, t, FeedSurface.ForYou)]);

        // A video served (fetched ahead) but never watched comes back too, without claiming to have been seen.
        world.Engine.UpsertVideos([new CatalogVideo(61, 1002, "creator1002", [new CatalogHashtag(502, "topic2")], 20_000, t, true)]);
        world.Engine.MarkServed(1, [61]);
        world.TopicOf[61] = 2;
        world.CreatorOf[61] = 1002;
        served.Add(61);

        // Seen times are kept to the second: the run starts after the last page was served, as a person's would.
        world.Clock.Advance(TimeSpan.FromSeconds(2));
        var since = world.Clock.GetUtcNow();
        var again = new List<long>();
        for (var round = 0; round < 20; round++)
        {
            world.Clock.Advance(TimeSpan.FromSeconds(5));
            var page = world.Engine.Recommend(new RecommendationRequest(1, 10, WatchAgainSince: since));
            if (page.Count == 0)
            {
                break;
            }

            foreach (var item in page)
            {
                if (item.VideoId == 61)
                {
                    Assert.NotEqual("watch-again", item.ReasonCode);
                }
                else
                {
                    Assert.Equal("watch-again", item.ReasonCode);
                }
            }

            again.AddRange(page.Select(p => p.VideoId));
            world.Engine.MarkServed(1, [.. page.Select(p => p.VideoId)]);
        }

        // Every video of the loved topic (completed before, or only served) comes back once, the refused
        // creator's excepted; none of the skipped ones does.
        var expected = served.Where(v => world.TopicOf[v] == 2 && world.CreatorOf[v] != 1008).Order().ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(again.Count, again.Distinct().Count());
        Assert.Equal(expected, again.Order().ToArray());

        // The ordinary feed still keeps to the seen window.
        Assert.Empty(world.Engine.Recommend(new RecommendationRequest(1, 10)));
    }

    [Fact]
    public void A_reason_names_only_a_hashtag_that_is_true_of_it()
    {
        // Viewers who love one topic each and skip the rest: a reason may say "because you watched #x" or
        // "popular in #x, which you like" only of a topic they watched to the end, and of the video's own
        // hashtag; an explored hashtag is never passed off as a watched one.
        var world = WatchedThreeRounds(9);
        var checkedReasons = 0;
        for (var viewer = 1; viewer <= 20; viewer++)
        {
            var loved = "topic" + (viewer % SyntheticWorld.Topics);
            for (var page = 0; page < 3; page++)
            {
                foreach (var item in world.Session(viewer, viewer % SyntheticWorld.Topics, count: 20))
                {
                    var own = "#topic" + world.TopicOf[item.VideoId];
                    if (item.ReasonCode is "watched-similar" or "popular-in-hashtag" && item.ReasonText.Contains('#', StringComparison.Ordinal))
                    {
                        checkedReasons++;
                        Assert.True(item.ReasonText.Contains("#" + loved + " ", StringComparison.Ordinal) || item.ReasonText.Contains("#" + loved + ",", StringComparison.Ordinal),
                            $"viewer {viewer} loves #{loved} and skipped everything else, yet was told \"{item.ReasonText}\" of a {own} video");
                    }

                    if (item.ReasonCode == "explore" && item.ReasonText.Contains('#', StringComparison.Ordinal))
                    {
                        Assert.EndsWith(own, item.ReasonText, StringComparison.Ordinal);
                    }
                }
            }
        }

        Assert.True(checkedReasons > 50, $"only {checkedReasons} reasons named a hashtag");
    }

    [Fact]
    public void Videos_fetched_ahead_and_never_shown_come_back_after_the_hold_and_shown_ones_do_not()
    {
        // A client fetched two pages; the viewer saw the first and went elsewhere (a shared link, a closed tab).
        var world = new SyntheticWorld(12, videos: 60);
        long[] Serve(int count)
        {
            var ids = world.Engine.Recommend(new RecommendationRequest(1, count)).Select(r => r.VideoId).ToArray();
            world.Engine.MarkServed(1, ids);
            var t = world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            world.Apply(ids.Select(id => new WatchEvent(WatchEventType.Served, 1, id, 0, 1, 0, 0, t, t, FeedSurface.ForYou)));
            return ids;
        }

        var shown = Serve(10);
        var t0 = world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        world.Apply(shown.Select(id => new WatchEvent(WatchEventType.Impression, 1, id, 0, 1, 0, 0, t0, t0, FeedSurface.ForYou)));
        var fetchedAhead = Serve(10);

        // Within the hold neither page comes back; the next page is new.
        world.Clock.Advance(TimeSpan.FromMinutes(20));
        var soon = world.Engine.Recommend(new RecommendationRequest(1, 40)).Select(r => r.VideoId).ToHashSet();
        Assert.Empty(soon.Intersect(shown));
        Assert.Empty(soon.Intersect(fetchedAhead));

        // After it, what was never on screen is the viewer's again; what was shown stays out for the window.
        world.Clock.Advance(world.Options.ServedHold);
        var later = world.Engine.Recommend(new RecommendationRequest(1, 60)).Select(r => r.VideoId).ToHashSet();
        Assert.Empty(later.Intersect(shown));
        Assert.Subset(later, fetchedAhead.ToHashSet());
        Assert.Equal(50, later.Count);

        // A snapshot and replay hold the same: what is held back survives a restart.
        using var stream = new MemoryStream();
        world.Engine.WriteSnapshot(stream);
        stream.Position = 0;
        using var restored = ForYouEngine.ReadSnapshot(stream, world.Options, world.Clock);
        Assert.Equal(later, restored.Recommend(new RecommendationRequest(1, 60)).Select(r => r.VideoId).ToHashSet());
    }

    [Fact]
    public void A_creator_watching_and_liking_their_own_videos_teaches_nothing_and_lifts_nothing()
    {
        // Creator 1003 (a user like any other) binges and likes their own videos; viewer 7 does the same with them.
        var world = new SyntheticWorld(25, videos: 120);
        var own = world.CreatorOf.Where(p => p.Value == 1003).Select(p => p.Key).ToArray();
        long At() => world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        IEnumerable<WatchEvent> Binge(long viewer) => own.SelectMany(id => new[]
        {
            new WatchEvent(WatchEventType.Complete, viewer, id, 1003, 1, 20_000, 20_000, At(), At(), FeedSurface.ForYou),
            new WatchEvent(WatchEventType.Replay, viewer, id, 1003, 1, 40_000, 20_000, At(), At(), FeedSurface.ForYou),
            new WatchEvent(WatchEventType.Like, viewer, id, 1003, 1, 0, 0, At(), At(), FeedSurface.ForYou),
        });

        world.Apply(Binge(1003));
        var self = world.Engine.Interests(1003);
        Assert.Empty(self.Creators);
        Assert.Empty(self.Hashtags);
        var trendingAfterSelf = world.Engine.Recommend(new RecommendationRequest(0, 10, Personalized: false)).Select(r => r.VideoId).ToList();
        Assert.Empty(trendingAfterSelf.Intersect(own)); // their own likes lifted none of them into visitors' trending

        // The same watching by someone else is taste, and lifts the videos.
        world.Apply(Binge(7));
        var other = world.Engine.Interests(7);
        Assert.Contains(other.Creators, c => c.Id == 1003);
        Assert.NotEmpty(other.Hashtags);
        Assert.NotEmpty(world.Engine.Recommend(new RecommendationRequest(0, 10, Personalized: false)).Select(r => r.VideoId).Intersect(own));

        // What they watched of their own stays out of their feed for the seen window.
        Assert.Empty(world.Engine.Recommend(new RecommendationRequest(1003, 120)).Select(r => r.VideoId).Intersect(own));
    }

    [Fact]
    public void What_an_earlier_run_of_the_feed_fetched_ahead_and_never_showed_is_free_for_the_next_run()
    {
        // A viewer opens the app, sees three videos of a page of ten, and opens the app again a minute later.
        var world = new SyntheticWorld(23, videos: 80);
        long At() => world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        HashSet<long> Run(long viewer, DateTimeOffset started, WatchEventType onScreen, int shown)
        {
            var ids = world.Engine.Recommend(new RecommendationRequest(viewer, 10, RunStartedAt: started)).Select(r => r.VideoId).ToArray();
            world.Engine.MarkServed(viewer, ids);
            world.Apply(ids.Select(id => new WatchEvent(WatchEventType.Served, viewer, id, 0, 1, 0, 0, At(), At(), FeedSurface.ForYou)));
            world.Apply(ids.Take(shown).Select(id => new WatchEvent(onScreen, viewer, id, 0, 1, 0, 0, At(), At(), FeedSurface.ForYou)));
            return [.. ids];
        }

        foreach (var (viewer, onScreen) in new[] { (1L, WatchEventType.Impression), (2L, WatchEventType.Play) })
        {
            var firstStart = world.Clock.GetUtcNow();
            var first = Run(viewer, firstStart, onScreen, 10); // the client's first report comes with this page
            world.Clock.Advance(TimeSpan.FromSeconds(30));
            var second = Run(viewer, firstStart, onScreen, 3);
            var unshown = second.Skip(3).ToHashSet();
            world.Clock.Advance(TimeSpan.FromMinutes(1));

            // The same run (its cursor carries its start) does not repeat what it fetched.
            var sameRun = world.Engine.Recommend(new RecommendationRequest(viewer, 70, RunStartedAt: firstStart)).Select(r => r.VideoId).ToHashSet();
            Assert.Empty(sameRun.Intersect(second));

            // A new run may bring back what the gone run never showed, if the client reports what it shows;
            // what was shown stays out either way.
            var newRun = world.Engine.Recommend(new RecommendationRequest(viewer, 70, RunStartedAt: world.Clock.GetUtcNow())).Select(r => r.VideoId).ToHashSet();
            Assert.Empty(newRun.Intersect(first));
            Assert.Empty(newRun.Intersect(second.Take(3)));
            if (onScreen == WatchEventType.Impression)
            {
                Assert.Subset(newRun, unshown.ToHashSet());
            }
            else
            {
                Assert.Empty(newRun.Intersect(unshown)); // a client that never says what it showed: served is shown
            }
        }
    }

    [Fact]
    public void A_video_fetched_ahead_and_never_shown_teaches_the_ranker_nothing_when_the_client_reports_what_it_shows()
    {
        // Two viewers get the same two pages. One's client reports what it puts on screen (the web client);
        // the other's never does (a script on the API), so everything it was served counts as shown.
        var world = new SyntheticWorld(21, videos: 120);
        long At() => world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        WatchEvent Event(WatchEventType type, long viewer, long video, int watchedMs = 0) =>
            new(type, viewer, video, world.CreatorOf[video], 1, watchedMs, watchedMs, At(), At(), FeedSurface.ForYou);
        void Serve(long viewer, long[] ids)
        {
            world.Engine.MarkServed(viewer, ids);
            world.Apply(ids.Select(id => Event(WatchEventType.Served, viewer, id)));
        }

        var first = world.Engine.Recommend(new RecommendationRequest(1, 10)).Select(r => r.VideoId).ToArray();
        var second = world.Engine.Recommend(new RecommendationRequest(1, 20)).Select(r => r.VideoId).Except(first).Take(10).ToArray();
        foreach (var viewer in new long[] { 1, 2 })
        {
            // Page one in full; of page two, fetched ahead, the viewer sees three and leaves.
            var onScreen = viewer == 1 ? WatchEventType.Impression : WatchEventType.Play;
            Serve(viewer, first);
            world.Apply(first.Select(id => Event(onScreen, viewer, id)));
            world.Apply(first.Select(id => Event(WatchEventType.Complete, viewer, id, 20_000)));
            Serve(viewer, second);
            world.Apply(second.Take(3).Select(id => Event(onScreen, viewer, id)));
            world.Apply(second.Take(3).Select(id => Event(WatchEventType.Skip, viewer, id, 500)));
        }

        // The state survives a snapshot: what awaits the client's word still does after a restart.
        using var stream = new MemoryStream();
        world.Engine.WriteSnapshot(stream);
        stream.Position = 0;
        using var restored = ForYouEngine.ReadSnapshot(stream, world.Options, world.Clock);
        foreach (var engine in new[] { world.Engine, restored })
        {
            var before = engine.Statistics();
            Assert.Equal(0, before.RankerExamples);
            world.Clock.Advance(world.Options.OutcomeWindow + TimeSpan.FromMinutes(1));
            engine.Apply([new LoggedEvent(world.Log.Count, Event(WatchEventType.Impression, 3, first[0]))]);

            // Viewer 1: 10 + 3 examples (the 7 never shown are dropped); viewer 2, whose client says nothing, 10 + 10.
            Assert.Equal(13 + 20, engine.Statistics().RankerExamples);
            Assert.Equal(1, engine.Statistics().PendingImpressions);
        }
    }

    [Fact]
    public void Following_feeds_the_following_source_and_unfollowing_stops_it()
    {
        var world = new SyntheticWorld(6);
        world.Session(1, lovedTopic: 2);
        var creator = world.CreatorOf.First(c => world.TopicOf[c.Key] == 4).Value;
        var t = world.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        world.Apply([new WatchEvent(WatchEventType.Follow, 1, 0, creator, 0, 0, 0, t, t, FeedSurface.Unknown)]);
        var following = world.Engine.Recommend(new RecommendationRequest(1, 60));
        Assert.Contains(following, r => (r.Sources & CandidateSource.Following) != 0 && world.CreatorOf[r.VideoId] == creator);

        world.Apply([new WatchEvent(WatchEventType.Unfollow, 1, 0, creator, 0, 0, 0, t, t, FeedSurface.Unknown)]);
        var after = world.Engine.Recommend(new RecommendationRequest(1, 60));
        Assert.DoesNotContain(after, r => (r.Sources & CandidateSource.Following) != 0);
    }

    [Fact]
    public void Pages_respect_creator_spacing_and_never_repeat_what_was_served()
    {
        var world = new SyntheticWorld(9, videos: 300, creators: 12);
        var served = new HashSet<long>();
        for (var round = 0; round < 6; round++)
        {
            var page = world.Session(1, lovedTopic: 4, count: 10);
            Assert.All(page, p => Assert.True(served.Add(p.VideoId), "a served video came back"));
            var creators = page.Select(p => world.CreatorOf[p.VideoId]).ToList();
            for (var i = 0; i < creators.Count; i++)
            {
                for (var back = 1; back < 5 && i - back >= 0; back++)
                {
                    Assert.NotEqual(creators[i - back], creators[i]);
                }
            }

            Assert.All(page, p => Assert.False(string.IsNullOrWhiteSpace(p.ReasonText)));
        }
    }

    [Fact]
    public void Fresh_videos_that_engage_are_promoted_and_those_that_do_not_stop()
    {
        var world = new SyntheticWorld(4, videos: 20, creators: 5, options: new EngineOptions { Dimensions = 8, FreshStages = [20, 200], FreshStageBars = [0.8f, 1f] });
        var events = new List<WatchEvent>();
        var t = world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (var viewer = 1; viewer <= 30; viewer++)
        {
            foreach (var video in new long[] { 1, 2, 3 })
            {
                events.Add(new WatchEvent(WatchEventType.Served, viewer, video, 0, 0, 0, 0, t, t, FeedSurface.ForYou));
            }

            events.Add(new WatchEvent(WatchEventType.Complete, viewer, 1, 0, 0, 20_000, 20_000, t, t, FeedSurface.ForYou));
            events.Add(new WatchEvent(WatchEventType.Skip, viewer, 2, 0, 0, 300, 300, t, t, FeedSurface.ForYou));
            events.Add(viewer % 2 == 0
                ? new WatchEvent(WatchEventType.Complete, viewer, 3, 0, 0, 20_000, 20_000, t, t, FeedSurface.ForYou)
                : new WatchEvent(WatchEventType.Skip, viewer, 3, 0, 0, 300, 300, t, t, FeedSurface.ForYou));
        }

        world.Apply(events);
        var stage = StageOf(world.Engine);
        Assert.Equal(1, stage(1));
        Assert.Equal(VideoStats.Stopped, stage(2));
    }

    [Fact]
    public void A_skip_is_never_counted_as_a_long_watch_even_late_in_a_clip()
    {
        var world = new SyntheticWorld(5, videos: 20, creators: 5, options: new EngineOptions { Dimensions = 8, FreshStages = [20, 200], FreshStageBars = [0.8f, 1f] });
        var events = new List<WatchEvent>();
        var t = world.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (var viewer = 1; viewer <= 30; viewer++)
        {
            events.Add(new WatchEvent(WatchEventType.Served, viewer, 1, 0, 0, 0, 0, t, t, FeedSurface.ForYou));
            events.Add(new WatchEvent(WatchEventType.Served, viewer, 2, 0, 0, 0, 0, t, t, FeedSurface.ForYou));
            events.Add(new WatchEvent(WatchEventType.Progress, viewer, 1, 0, 0, 19_000, 19_000, t, t, FeedSurface.ForYou));

            // The client says "skip" at 95 % of the clip: the viewer swiped away, whatever the position.
            events.Add(new WatchEvent(WatchEventType.Skip, viewer, 2, 0, 0, 19_000, 19_000, t, t, FeedSurface.ForYou));
        }

        world.Apply(events);
        var stage = StageOf(world.Engine);
        Assert.Equal(1, stage(1));
        Assert.Equal(VideoStats.Stopped, stage(2));
    }

    // Twenty viewers, each loving one topic, watch three sessions each.
    private static SyntheticWorld WatchedThreeRounds(int seed)
    {
        var world = new SyntheticWorld(seed);
        for (var round = 0; round < 3; round++)
        {
            for (var viewer = 1; viewer <= 20; viewer++)
            {
                world.Session(viewer, viewer % SyntheticWorld.Topics);
            }
        }

        return world;
    }

    private static Func<long, int> StageOf(ForYouEngine engine) => videoId => engine.StageOf(videoId);

    private static string Hash(ForYouEngine engine)
    {
        using var stream = new MemoryStream();
        engine.WriteSnapshot(stream, includeIndex: false);
        return Convert.ToHexString(SHA256.HashData(stream.ToArray()));
    }
}
