using System.Runtime.CompilerServices;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation.Tests;

public sealed class StructureTests
{
    [Fact]
    public void The_embedding_table_is_collisionless_filters_rare_ids_and_expires_untouched_rows()
    {
        var table = new EmbeddingTable(8, admitAfter: 3, initialCapacity: 4);
        var reference = new Dictionary<long, int>();
        var random = new Random(3);

        // Keys that differ only in high bits, or only in sign, must not share a row.
        long[] tricky = [1, 1L << 32 | 1, 1L << 62 | 1, -1, long.MaxValue, long.MinValue + 1];
        foreach (var key in tricky)
        {
            Assert.Equal(-1, table.Touch(key, 0));
            Assert.Equal(-1, table.Touch(key, 0));
            reference[key] = table.Touch(key, 0);
            Assert.True(reference[key] >= 0);
        }

        for (var i = 0; i < 5000; i++)
        {
            var key = random.NextInt64();
            table.Insert(key, i);
            reference[key] = table.Find(key);
        }

        Assert.Equal(reference.Count, reference.Values.Distinct().Count());
        Assert.All(reference, pair => Assert.Equal(pair.Value, table.Find(pair.Key)));

        // Everything inserted at time < 2500 (and the tricky keys at time 0) expires; the rest stays findable.
        var expired = table.Expire(2500);
        Assert.Equal(2500 + tricky.Length, expired);
        Assert.Equal(reference.Count - expired, table.Count);
        foreach (var key in tricky)
        {
            Assert.Equal(-1, table.Find(key));
        }

        var survivors = reference.Where(p => table.Find(p.Key) >= 0).ToList();
        Assert.Equal(table.Count, survivors.Count);

        // Freed rows are reused: the table does not grow when ids come and go.
        var bytes = table.Bytes;
        for (var i = 0; i < 2000; i++)
        {
            table.Insert(random.NextInt64(), 10_000);
        }

        Assert.Equal(bytes, table.Bytes);
    }

    [Fact]
    public void The_compact_map_holds_what_a_dictionary_holds_after_any_mix_of_inserts_updates_and_removals()
    {
        var random = new Random(5);
        var map = new CompactMap<Interest>();
        var reference = new Dictionary<int, Interest>();
        for (var step = 0; step < 20_000; step++)
        {
            var key = random.Next(-50, 300);
            switch (random.Next(4))
            {
                case 0:
                    Assert.Equal(reference.Remove(key), map.Remove(key));
                    break;
                case 1:
                    ref var value = ref map.GetValueRefOrAddDefault(key, out var existed);
                    Assert.Equal(reference.ContainsKey(key), existed);
                    value.Weight += 1;
                    value.AtMs = step;
                    reference[key] = new Interest { Weight = reference.GetValueOrDefault(key).Weight + 1, AtMs = step };
                    break;
                case 2:
                    map[key] = new Interest { Weight = -step, AtMs = step };
                    reference[key] = new Interest { Weight = -step, AtMs = step };
                    break;
                default:
                    Assert.Equal(reference.TryGetValue(key, out var expected), map.TryGetValue(key, out var actual));
                    Assert.Equal(expected, actual);
                    break;
            }

            if (step % 5_000 == 4_999)
            {
                Assert.Equal(reference.Count, map.Count);
                List<KeyValuePair<int, Interest>> entries = [];
                foreach (var entry in map)
                {
                    entries.Add(entry);
                }

                Assert.Equal(reference.OrderBy(p => p.Key), entries.OrderBy(p => p.Key));
            }
        }

        map.Clear();
        Assert.Equal(0, map.Count);
        Assert.False(map.ContainsKey(1));
        Assert.Throws<KeyNotFoundException>(() => map[1]);
    }

    [Fact]
    public void Trimming_a_compact_map_drops_the_lowest_whatever_order_the_entries_came_in()
    {
        // Scores 0..99 with ties in pairs (key / 2); the same entries inserted in two orders.
        var keys = Enumerable.Range(0, 200).ToArray();
        var shuffled = keys.OrderBy(k => (k * 7_919) % 211).ToArray();
        var trimmed = new List<int[]>();
        foreach (var order in new[] { keys, shuffled })
        {
            var map = new CompactMap<Interest>();
            foreach (var key in order)
            {
                map[key] = new Interest { Weight = key / 2 };
            }

            map.DropLowest(51, 0, static (v, _) => v.Weight);
            var left = new List<int>();
            foreach (var (key, _) in map)
            {
                left.Add(key);
            }

            trimmed.Add([.. left.Order()]);
        }

        // 51 dropped: keys 0..50, the tie at score 25 (keys 50 and 51) broken toward the smaller key.
        Assert.Equal(Enumerable.Range(51, 149), trimmed[0]);
        Assert.Equal(trimmed[0], trimmed[1]);
    }

    [Fact]
    public void The_co_watch_score_from_a_videos_own_list_is_the_sum_over_its_anchors_lists()
    {
        const long Hour = 3_600_000;
        var graph = new CoWatchGraph(halfLifeMs: 24 * Hour);
        graph.EnsureCapacity(200);
        var random = new Random(3);
        var now = 1_780_000_000_000L;

        // Pairs within groups of 20 videos, so no list of 32 ever fills; video 199 is paired with 40 others,
        // so its list is full and has dropped some.
        for (var step = 0; step < 2_000; step++)
        {
            var group = random.Next(5) * 20;
            graph.Add(group + random.Next(20), group + random.Next(20), 1 + random.Next(3), now += random.Next(60_000));
        }

        for (var other = 100; other < 140; other++)
        {
            graph.Add(199, other, other - 99, now += 1_000);
        }

        now += 6 * Hour;
        int[] anchors = [3, 17, 45, 8, 120, 11];
        foreach (var video in new[] { 5, 12, 40, 199 })
        {
            var expected = 0f;
            for (var k = 0; k < anchors.Length; k++)
            {
                expected += graph.Weight(anchors[k], video, now) / (1 + k);
            }

            Assert.True(expected > 0 || video == 40, $"video {video} should share pairs with the anchors");
            Assert.Equal(expected, graph.Score(video, anchors, now), expected * 1e-4f);
        }

        Assert.False(graph.Has(150));
        Assert.Equal(0, graph.Score(150, anchors, now));
    }

    [Fact]
    public unsafe void Per_video_records_sit_within_cache_lines_and_keep_their_values_as_the_array_grows()
    {
        Assert.Equal(64, Unsafe.SizeOf<VideoCounters>());
        Assert.Equal(32, Unsafe.SizeOf<CatalogEntry>());

        var counters = new CacheLineRecords<VideoCounters>(3);
        for (var i = 0; i < 3; i++)
        {
            counters[i].Impressions = i + 1;
            counters[i].Stage = (byte)(i + 7);
        }

        counters.EnsureCapacity(1000);
        Assert.True(counters.Capacity >= 1000);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(i + 1, counters[i].Impressions);
            Assert.Equal(i + 7, counters[i].Stage);
        }

        Assert.Equal(0, counters[999].Impressions);
        for (var i = 0; i < counters.Capacity; i++)
        {
            Assert.Equal(0, (nint)Unsafe.AsPointer(ref counters[i]) % 64);
        }

        var entries = new CacheLineRecords<CatalogEntry>(100);
        for (var i = 0; i < entries.Capacity; i++)
        {
            var start = (nint)Unsafe.AsPointer(ref entries[i]);
            Assert.Equal(start / 64, (start + Unsafe.SizeOf<CatalogEntry>() - 1) / 64);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => counters[counters.Capacity].Impressions);
        Assert.Throws<ArgumentOutOfRangeException>(() => counters[-1].Impressions);
    }

    [Fact]
    public void Cached_hashtag_relevances_match_fresh_ones_as_a_creators_catalogue_grows()
    {
        // The board and the re-ranker read the per-video cache; it must give what a fresh look-up gives,
        // also after the creator posts more videos (which changes every relevance of theirs).
        var catalog = new VideoCatalog();
        CatalogHashtag Tag(int id) => new(id, $"tag{id}");
        var first = catalog.Upsert(new CatalogVideo(1, 100, "maker", [Tag(1), Tag(2)], 10_000, 0, true));
        AssertCached(first);
        var second = catalog.Upsert(new CatalogVideo(2, 100, "maker", [Tag(1), Tag(3), Tag(4)], 10_000, 0, true));
        catalog.Upsert(new CatalogVideo(3, 100, "maker", [Tag(1)], 10_000, 0, true));
        catalog.Upsert(new CatalogVideo(4, 200, "other", [Tag(2)], 10_000, 0, true));
        AssertCached(first);
        AssertCached(second);

        // #1 is on all three of the creator's videos, #2 on one of them.
        var relevances = catalog.HashtagRelevances(first).ToArray();
        Assert.Equal([1f, 1f / 3], relevances);

        void AssertCached(int video)
        {
            var tags = catalog.HashtagsOf(video).ToArray();
            var cached = catalog.HashtagRelevances(video).ToArray();
            Assert.Equal(tags.Length, cached.Length);
            Assert.Equal(tags.Select(t => catalog.HashtagRelevance(video, t)), cached);
        }
    }

    [Fact]
    public void A_seen_filter_over_its_cap_forgets_the_oldest_down_to_nine_tenths()
    {
        const long Start = 1_780_000_000_000;
        var window = (long)TimeSpan.FromDays(14).TotalMilliseconds;
        var profile = new UserProfile(1, 4);
        for (var video = 0; video <= 100; video++)
        {
            profile.MarkSeen(video, Start + (video * 1_000L), window, max: 100);
        }

        // The 101st video took the filter over its cap of 100: the 11 seen longest ago go, the 90 latest stay.
        var remembered = Enumerable.Range(0, 101).Where(v => profile.HasSeen(v, Start - 1_000)).ToArray();
        Assert.Equal(Enumerable.Range(11, 90), remembered);
    }

    [Fact]
    public void A_long_seen_history_forgets_no_video_within_the_window_and_rarely_hides_an_unseen_one()
    {
        const long Start = 1_780_000_000_000;
        var window = (long)TimeSpan.FromDays(14).TotalMilliseconds;
        var profile = new UserProfile(1, 4);
        var random = new Random(5);
        var seen = Enumerable.Range(0, 1_000_000).OrderBy(_ => random.Next()).Take(40_000).ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            profile.MarkSeen(seen[i], Start + (i * 10_000L), window, max: 20_000); // one every 10 s, 2.3 days in all
        }

        // The older videos moved to Bloom buckets: a Bloom filter has no false negatives, so all still count.
        Assert.True(profile.SeenBuckets >= 9, $"only {profile.SeenBuckets} buckets");
        Assert.InRange(profile.SeenCount, 20_000 - UserProfile.ExactSeen, 20_000);
        Assert.All(seen[..20_000], v => Assert.True(profile.HasSeen(v, Start - 1_000), $"video {v} was forgotten"));

        // Unseen videos wrongly claimed: a full bucket claims about 0.03 % (68 of 20,000 over ten buckets).
        var wronglyHidden = seen[20_000..].Count(v => profile.HasSeen(v, Start - 1_000));
        Assert.True(wronglyHidden < 200, $"{wronglyHidden} of 20,000 unseen videos were claimed as seen");

        // Asked about a recent span only, the buckets wholly before it are not consulted.
        var late = Start + (19_000 * 10_000L);
        var claimedLate = seen[..10_000].Count(v => profile.HasSeen(v, late));
        Assert.True(claimedLate < 200, $"{claimedLate} of 10,000 videos seen long before were claimed for the last span");
    }

    [Fact]
    public void An_archived_seen_filter_holds_at_most_its_cap_and_forgets_what_left_the_window()
    {
        const long Start = 1_780_000_000_000;
        var window = (long)TimeSpan.FromDays(14).TotalMilliseconds;
        var profile = new UserProfile(1, 4);
        for (var video = 0; video < 30_000; video++)
        {
            profile.MarkSeen(video, Start + (video * 1_000L), window, max: 20_000);
        }

        // Over the cap the oldest buckets go; the latest 15,000 are always kept.
        Assert.InRange(profile.SeenCount, 15_000, 20_000);
        Assert.All(Enumerable.Range(15_000, 15_000), v => Assert.True(profile.HasSeen(v, Start)));
        var oldestKept = Enumerable.Range(0, 5_000).Count(v => profile.HasSeen(v, Start));
        Assert.True(oldestKept < 100, $"{oldestKept} of the 5,000 oldest are still claimed");

        // Three weeks later the window has passed: a new page's worth of videos pushes all of the old out.
        var later = Start + (30_000 * 1_000L) + (long)TimeSpan.FromDays(21).TotalMilliseconds;
        for (var video = 100_000; video < 100_600; video++)
        {
            profile.MarkSeen(video, later + video, window, max: 20_000);
        }

        Assert.InRange(profile.SeenBuckets, 0, 1); // at most one, of new videos
        Assert.InRange(profile.SeenCount, 1, 600);
        Assert.All(Enumerable.Range(100_000, 600), v => Assert.True(profile.HasSeen(v, later - window)));
        Assert.Equal(0, Enumerable.Range(0, 30_000).Count(v => profile.HasSeen(v, later - window)));
    }

    [Fact]
    public void A_video_served_but_never_shown_is_held_back_only_briefly_and_a_shown_one_for_the_window()
    {
        const long Start = 1_780_000_000_000;
        var window = (long)TimeSpan.FromDays(14).TotalMilliseconds;
        var hold = (long)TimeSpan.FromHours(1).TotalMilliseconds;
        var profile = new UserProfile(1, 4);
        profile.MarkServed(1, Start, window, hold, max: 20_000); // fetched ahead, never on screen
        profile.MarkServed(2, Start, window, hold, max: 20_000);
        profile.MarkSeen(2, Start + 5_000, window, max: 20_000); // then shown
        profile.MarkSeen(3, Start, window, max: 20_000);
        profile.MarkServed(3, Start + 10_000, window, hold, max: 20_000); // shown before, served again: seen again

        bool Held(int video, long now) => profile.HasSeen(video, now - window, now - hold);
        var soon = Start + (30 * 60_000L);
        Assert.True(Held(1, soon));
        Assert.True(Held(2, soon));
        Assert.True(Held(3, soon));

        var later = Start + (2 * hold);
        Assert.False(Held(1, later));
        Assert.True(Held(2, later));
        Assert.True(Held(3, later));
        Assert.Equal(Start + 10_000, profile.SeenAtMs(3));

        // A run that counts from its own start (watch again) holds back what it served since, briefly too.
        Assert.True(profile.HasSeen(1, Start - 1_000, soon - hold));
        Assert.False(profile.HasSeen(1, Start + 1_000, soon - hold));

        // A client that never reports what it shows (a script on the API) is served thousands within the hold:
        // the served-only set stays bounded by moving its oldest into the seen filter, so none repeats.
        var seenBefore = profile.SeenCount;
        for (var video = 100; video < 5_100; video++)
        {
            profile.MarkServed(video, later + (video * 100L), window, hold, max: 20_000);
        }

        var end = later + (5_100 * 100L);
        Assert.True(Enumerable.Range(100, 5_000).All(v => Held(v, end)));
        Assert.InRange(profile.SeenCount - seenBefore, 5_000 - 512, 5_000 - 256);
        Assert.False(Held(1, end)); // the first, served long before, is still free
    }

    [Fact]
    public void A_seen_filter_with_an_archive_reads_back_as_written()
    {
        const long Start = 1_780_000_000_000;
        var window = (long)TimeSpan.FromDays(14).TotalMilliseconds;
        var profile = new UserProfile(9, 4);
        for (var video = 0; video < 6_000; video++)
        {
            profile.MarkSeen(video * 7, Start + (video * 1_000L), window, max: 20_000);
        }

        var hold = (long)TimeSpan.FromHours(1).TotalMilliseconds;
        profile.MarkServed(1, Start + 6_000_000, window, hold, max: 20_000);
        profile.MarkServed(2, Start + 6_001_000, window, hold, max: 20_000);
        profile.ImpressionReportedMs = Start + 6_002_000;

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            profile.Write(writer);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var restored = UserProfile.Read(reader, 4, format: 5);
        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(profile.ImpressionReportedMs, restored.ImpressionReportedMs);
        Assert.Equal(profile.SeenCount, restored.SeenCount);
        Assert.Equal(profile.SeenBuckets, restored.SeenBuckets);
        Assert.True(profile.SeenBuckets > 0);
        foreach (var since in new[] { Start - 1_000, Start + 3_000_000, Start + 5_900_000 })
        {
            var before = Enumerable.Range(0, 42_000).Where(v => profile.HasSeen(v, since)).ToArray();
            var after = Enumerable.Range(0, 42_000).Where(v => restored.HasSeen(v, since)).ToArray();
            Assert.Equal(before, after);
        }

        Assert.Equal(profile.SeenAtMs(7), restored.SeenAtMs(7));
        Assert.Equal(profile.SeenAtMs(7 * 5_999), restored.SeenAtMs(7 * 5_999));
    }

    [Fact]
    public void An_adagrad_step_moves_a_row_against_the_gradient_and_steps_shrink()
    {
        var table = new EmbeddingTable(4, admitAfter: 1);
        var row = table.Touch(42, 0);
        var before = table.Row(row).ToArray();
        float[] gradient = [1, 0, 0, 0];
        table.Step(row, gradient, 0.1f);
        var first = before[0] - table.Row(row)[0];
        var middle = table.Row(row)[0];
        table.Step(row, gradient, 0.1f);
        var second = middle - table.Row(row)[0];
        Assert.True(first > 0);
        Assert.True(second > 0 && second < first);
        Assert.Equal(before[1], table.Row(row)[1]);
    }

    [Fact]
    public void Hnsw_finds_almost_all_true_neighbours_and_follows_moved_vectors()
    {
        const int Dim = 32;
        const int Count = 4000;
        var random = new Random(5);
        var centers = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        var index = new HnswIndex(Dim, degree: 16, buildBreadth: 100, seed: 1);
        var vector = new float[Dim];
        for (var node = 0; node < Count; node++)
        {
            var center = centers[node % centers.Length];
            for (var d = 0; d < Dim; d++)
            {
                vector[d] = center[d] + (((float)random.NextDouble() - 0.5f) * 0.6f);
            }

            index.Upsert(node, vector);
        }

        var ids = new int[50];
        var sims = new float[50];
        var exactIds = new int[50];
        var exactSims = new float[50];
        var hits = 0;
        for (var q = 0; q < 100; q++)
        {
            for (var d = 0; d < Dim; d++)
            {
                vector[d] = (float)random.NextDouble() - 0.5f;
            }

            index.Search(vector, 100, ids, sims);
            index.ExactSearch(vector, exactIds, exactSims);
            hits += ids.Intersect(exactIds).Count();
        }

        var recall = hits / (100.0 * 50);
        Assert.True(recall >= 0.95, $"recall@50 = {recall:P1}");

        // Move node 7 far away, next to a fresh direction, and find it there.
        var direction = Enumerable.Range(0, Dim).Select(d => d % 2 == 0 ? 1f : -1f).ToArray();
        index.Upsert(7, direction);
        index.Search(direction, 100, ids, sims);
        Assert.Equal(7, ids[0]);
    }

    [Fact]
    public void What_a_visitors_run_served_travels_in_its_cursor_and_nothing_else_is_taken_for_it()
    {
        var served = new ServedInRun();
        for (long id = 1; id <= 300; id++)
        {
            served.Add(id);
        }

        var started = new DateTime(2026, 12, 7, 21, 0, 0, DateTimeKind.Utc);
        var text = new ForYouCursor(started, served).Encode();
        Assert.InRange(text.Length, 600, 800); // fits any URL, however long the run
        Assert.True(ForYouCursor.TryDecode(text, out var back));
        Assert.Equal(started, back!.RunStartedAt);
        for (long id = 1; id <= 300; id++)
        {
            Assert.True(back.Served!.Contains(id));
        }

        // Sequential ids and far-apart ones alike are rarely mistaken for served (a mistake only holds a video back).
        var mistaken = 0;
        for (long id = 301; id < 10_301; id++)
        {
            mistaken += back.Served!.Contains(id) ? 1 : 0;
            mistaken += back.Served!.Contains(id << 40) ? 1 : 0;
        }

        Assert.InRange(mistaken, 0, 100); // under 0.5 % of 20,000

        // A signed-in viewer's cursor is the platform's short one, and still reads.
        var plain = new ForYouCursor(started, null).Encode();
        Assert.Equal(22, plain.Length);
        Assert.True(ForYouCursor.TryDecode(plain, out var signedIn));
        Assert.Null(signedIn!.Served);
        Assert.Equal(started, signedIn.RunStartedAt);

        // Anything else is refused: another format, a cut or padded cursor, characters outside the alphabet.
        var otherFormat = (text[0] == 'A' ? 'B' : 'A') + text[1..];
        Assert.False(ForYouCursor.TryDecode(otherFormat, out _));
        Assert.False(ForYouCursor.TryDecode(text[..^1], out _));
        Assert.False(ForYouCursor.TryDecode(text + "A", out _));
        Assert.False(ForYouCursor.TryDecode("!" + text[1..], out _));
        Assert.False(ForYouCursor.TryDecode(" " + text[1..], out _));
        Assert.True(ForYouCursor.TryDecode(null, out var none));
        Assert.Null(none);
    }
}
