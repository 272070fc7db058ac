using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reeltime.Recommendation.Engine;
using Reeltime.Recommendation.Hosting;

namespace Reeltime.Recommendation;

/// <summary>Wires the recommendation room.</summary>
public static class RecommendationServiceCollectionExtensions
{
    /// <summary>
    /// Adds the For You engine: its options (<c>Engine:*</c>, validated at start), the catalogue feed, the
    /// engine's host and log consumer (a hosted service), and the engine-backed <see cref="IForYouFeed"/>.
    /// Snapshots live in <c>Engine:SnapshotDirectory</c> under <paramref name="dataDirectory"/>.
    /// </summary>
    public static IServiceCollection AddForYouEngine(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EngineOptions>().Bind(configuration.GetSection("Engine"))
            .Validate(o => o.Problems().Count == 0, "Engine settings are invalid: see Engine:* in the configuration.")
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var directory = sp.GetRequiredService<IOptions<EngineOptions>>().Value.SnapshotDirectory;
            return new EngineStorage(Path.GetFullPath(Path.Combine(dataDirectory, directory)));
        });
        services.AddScoped<IVideoCatalogFeed, DatabaseVideoCatalog>();
        services.AddSingleton<ForYouEngineHost>();
        services.AddHostedService<ForYouEngineService>();
        services.AddScoped<IForYouFeed, EngineForYouFeed>();
        services.AddScoped<ViewerControls>();
        return services;
    }
}
