using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reeltime.Media.Jobs;
using Reeltime.Media.Tools;
using Reeltime.Media.Transcoding;
using Reeltime.Media.Uploads;

namespace Reeltime.Media;

/// <summary>Wires the media room.</summary>
public static class MediaServiceCollectionExtensions
{
    /// <summary>
    /// Adds the media room: options (section <c>Media</c>, validated at start-up), the local-disk object store
    /// and scratch folders under <paramref name="dataFolder"/>, the pipeline, the job queue and its worker.
    /// </summary>
    public static IServiceCollection AddMedia(this IServiceCollection services, IConfiguration configuration, string dataFolder, bool runWorker = true)
    {
        services.AddOptions<MediaOptions>().Bind(configuration.GetSection("Media")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MediaOptions>, MediaOptionsValidation>();
        services.AddSingleton<IObjectStore>(new LocalDiskObjectStore(Path.Combine(dataFolder, "media")));
        services.AddSingleton(new MediaFolders(Path.Combine(dataFolder, "media-work"), Path.Combine(dataFolder, "uploads")));
        services.AddSingleton(sp => new MediaProcess(sp.GetRequiredService<IOptions<MediaOptions>>().Value));
        services.AddSingleton<MediaPipeline>();
        services.AddSingleton<MediaToolCheck>();
        services.AddSingleton<MediaJobSignal>();
        services.AddScoped<MediaJobQueue>();
        services.AddScoped<VideoIntake>();
        services.AddScoped<ResumableUploads>();
        services.AddSingleton<TranscodeWorker>();
        if (runWorker)
        {
            services.AddHostedService(sp => sp.GetRequiredService<TranscodeWorker>());
        }

        return services;
    }

    // Says which settings are wrong, in the operator's words, rather than one generic failure.
    private sealed class MediaOptionsValidation : IValidateOptions<MediaOptions>
    {
        public ValidateOptionsResult Validate(string? name, MediaOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
