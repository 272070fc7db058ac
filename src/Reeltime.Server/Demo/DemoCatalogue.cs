using System.Diagnostics;
using System.Globalization;

namespace Reeltime.Server.Demo;

/// <summary>One demo topic: its hashtags, look and captions.</summary>
/// <param name="Name">The topic's main hashtag, also drawn large on its clips.</param>
/// <param name="Hashtags">Hashtags its captions use besides the main one.</param>
/// <param name="Source">The ffmpeg lavfi source drawing its background, with {0} for a per-clip variation (0–9).</param>
/// <param name="TextColour">The colour of its big text.</param>
/// <param name="Tone">The frequency of its audio tone in Hz.</param>
/// <param name="Captions">Caption lines, picked in turn.</param>
/// <param name="Creators">Its three creators' usernames.</param>
internal sealed record DemoTopic(string Name, string[] Hashtags, string Source, string TextColour, int Tone, string[] Captions, string[] Creators);

/// <summary>One clip of the demo: which topic, which variation, how long.</summary>
internal sealed record DemoClip(DemoTopic Topic, int Index, int Seconds)
{
    public string FileName => string.Create(CultureInfo.InvariantCulture, $"{Topic.Name}-{Index:D2}-{Seconds}s-v1.mp4");

    public string Creator => Topic.Creators[Index % Topic.Creators.Length];

    public string Caption
    {
        get
        {
            var line = Topic.Captions[Index % Topic.Captions.Length];
            var extra = Topic.Hashtags[Index % Topic.Hashtags.Length];
            // Some captions mention another creator of the topic, as real ones do.
            var mention = Index % 5 == 4 ? $" with @{Topic.Creators[(Index + 1) % Topic.Creators.Length]}" : "";
            return $"{line}{mention} #{Topic.Name} #{extra}";
        }
    }
}

/// <summary>The demo's content: ten topics, each visually distinct (colours, patterns, big text) and with its own captions.</summary>
internal static class DemoCatalogue
{
    public const int ClipsPerTopic = 20;
    public const int Width = 360;
    public const int Height = 640;

    private const string Grad = "gradients=s=360x640:r=15:speed=0.01{0}:seed={0}";

    public static readonly DemoTopic[] Topics =
    [
        new("cooking", ["food", "recipe", "pasta"], Grad + ":c0=0xff7b00:c1=0xd00000", "white", 330,
            ["Five-minute pasta you will make tonight", "Crispy garlic bread, no oven", "Grandma's secret tomato sauce", "The only omelette trick you need"],
            ["chef_ana", "kitchen_kai", "spoon_and_fork"]),
        new("travel", ["wanderlust", "beach", "roadtrip"], Grad + ":c0=0x00b4d8:c1=0x03045e", "white", 392,
            ["Sunrise over the harbour", "Three days, one backpack", "The quietest beach in Europe", "Night train diaries"],
            ["nomad_nina", "roam_ravi", "passport_pia"]),
        new("fitness", ["workout", "gym", "running"], Grad + ":c0=0x70e000:c1=0x004b23", "black", 440,
            ["Ten-minute core burner", "Morning run, 5 km", "No-equipment leg day", "Stretch with me"],
            ["fit_felix", "lift_lena", "run_rosa"]),
        new("music", ["guitar", "piano", "cover"], "cellauto=s=360x640:rule=1{0}0:r=15", "magenta", 494,
            ["Played this riff for an hour", "Piano cover, first take", "Finger-style practice", "Loop pedal jam"],
            ["chords_cam", "melody_mia", "beat_ben"]),
        new("pets", ["dogs", "cats", "puppy"], Grad + ":c0=0xffafcc:c1=0xa2d2ff", "black", 523,
            ["He knows it is dinner time", "The zoomies at 3 a.m.", "First day home", "She hates Mondays too"],
            ["paws_paula", "whisker_will", "good_boy_gus"]),
        new("gaming", ["speedrun", "retro", "esports"], "life=s=360x640:mold=10:r=15:ratio=0.{0}5:seed={0}:life_color=0x00ff66:death_color=0x220033", "yellow", 587,
            ["New personal best!", "This boss took 40 tries", "Retro night", "Clutch round, watch to the end"],
            ["pixel_pete", "combo_cleo", "respawn_rex"]),
        new("comedy", ["funny", "sketch", "standup"], "smptebars=s=360x640:r=15", "white", 659,
            ["When the meeting could have been an email", "Me explaining my weekend", "Plot twist", "The group chat at midnight"],
            ["joke_jo", "punchline_pat", "giggle_gia"]),
        new("science", ["physics", "space", "experiment"], "mandelbrot=s=360x640:r=15:maxiter=64:start_scale=3.{0}", "white", 698,
            ["Why the sky is blue, in 10 seconds", "Fractals are everywhere", "Kitchen chemistry", "How far away is the Moon?"],
            ["lab_luca", "quark_quinn", "orbit_olga"]),
        new("fashion", ["style", "outfit", "thrift"], Grad + ":c0=0xff006e:c1=0x8338ec:type=radial", "white", 784,
            ["Three looks, one jacket", "Thrift haul", "Autumn outfit ideas", "Style the basics"],
            ["style_sofia", "thread_theo", "vogue_vic"]),
        new("nature", ["forest", "birds", "mountains"], Grad + ":c0=0x2d6a4f:c1=0xb7e4c7:nb_colors=3", "white", 880,
            ["Listen to this forest", "A robin at the window", "Above the clouds", "Rain on the lake"],
            ["trail_tom", "fern_fay", "summit_sam"]),
    ];

    /// <summary>All clips, topic by topic interleaved so that early uploads cover every topic.</summary>
    public static IReadOnlyList<DemoClip> Clips()
    {
        var clips = new List<DemoClip>(Topics.Length * ClipsPerTopic);
        for (var i = 0; i < ClipsPerTopic; i++)
        {
            foreach (var topic in Topics)
            {
                // 5 to 15 seconds, spread evenly and repeatably.
                clips.Add(new DemoClip(topic, i, 5 + (((i * 7) + topic.Tone) % 11)));
            }
        }

        return clips;
    }

    /// <summary>The ffmpeg arguments that draw a clip: its topic's pattern, the topic in big text, a tone; H.264/AAC with faststart.</summary>
    public static IReadOnlyList<string> FfmpegArguments(DemoClip clip, string font, string output)
    {
        var source = string.Format(CultureInfo.InvariantCulture, clip.Topic.Source, clip.Index % 10);
        var seconds = clip.Seconds.ToString(CultureInfo.InvariantCulture);
        var text = clip.Topic.Name.ToUpperInvariant();
        var number = (clip.Index + 1).ToString(CultureInfo.InvariantCulture);
        var draw = $"drawtext=fontfile='{font}':text='{text}':fontsize=64:fontcolor={clip.Topic.TextColour}:borderw=4:bordercolor=black:x=(w-tw)/2:y=(h-th)/2-40,"
            + $"drawtext=fontfile='{font}':text='#{number}':fontsize=44:fontcolor={clip.Topic.TextColour}:borderw=3:bordercolor=black:x=(w-tw)/2:y=(h/2)+40,"
            + $"drawtext=fontfile='{font}':text='%{{eif\\:t\\:d}}s':fontsize=28:fontcolor=white:borderw=2:bordercolor=black:x=20:y=h-60,format=yuv420p";
        return
        [
            // One thread per clip: the seeder runs one clip per two cores, and the media pipeline needs the rest.
            "-hide_banner", "-nostdin", "-y", "-v", "error", "-filter_threads", "1",
            "-f", "lavfi", "-i", $"{source},trim=duration={seconds}",
            "-f", "lavfi", "-i", $"sine=frequency={clip.Topic.Tone}:sample_rate=44100:duration={seconds}",
            "-vf", $"scale={Width}:{Height},{draw}",
            "-t", seconds, "-threads", "1", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-g", "30",
            "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", "-shortest", output,
        ];
    }

    /// <summary>Makes the clip unless it is cached; returns its path.</summary>
    public static async Task<string> EnsureClipAsync(DemoClip clip, string ffmpeg, string font, string folder, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, clip.FileName);
        if (File.Exists(path))
        {
            return path;
        }

        var temp = path + ".part.mp4";
        var start = new ProcessStartInfo(ffmpeg) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in FfmpegArguments(clip, font, temp))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ffmpeg}.");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            File.Delete(temp);
            throw new InvalidOperationException($"ffmpeg could not make the demo clip {clip.FileName}: {(await errors).Trim()}");
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>A bold sans-serif font for the big text: Debian's DejaVu, else any TrueType font found.</summary>
    public static string? FindFont()
    {
        string[] preferred = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"];
        var found = preferred.FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }

        return Directory.Exists("/usr/share/fonts")
            ? Directory.EnumerateFiles("/usr/share/fonts", "*.ttf", SearchOption.AllDirectories).FirstOrDefault()
            : null;
    }
}
