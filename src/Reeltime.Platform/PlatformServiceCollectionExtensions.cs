using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Reeltime.Platform.Accounts;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Feeds;
using Reeltime.Platform.Graph;
using Reeltime.Platform.Search;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Platform;

/// <summary>Wires the platform room.</summary>
public static class PlatformServiceCollectionExtensions
{
    /// <summary>
    /// Adds the platform's services and its database (SQLite unless a PostgreSQL connection string is set
    /// under <c>Database:PostgreSql</c>).
    /// </summary>
    public static IServiceCollection AddPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        var database = new DatabaseOptions();
        configuration.GetSection("Database").Bind(database);
        services.AddSingleton(database);
        services.AddOptions<AccountOptions>().Bind(configuration.GetSection("Accounts"))
            .Validate(o => o.Regions.Count > 0 && o.Regions.All(r => r.Length is > 0 and <= 32), "Accounts:Regions needs at least one region code of 1–32 characters.")
            .Validate(o => o.MaxFailedSignIns > 0 && o.MaxFailedSignInsPerAccount > 0 && o.LockoutDuration > TimeSpan.Zero, "Accounts:MaxFailedSignIns, MaxFailedSignInsPerAccount and LockoutDuration must be positive.")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        if (database.Kind == DatabaseKind.PostgreSql)
        {
            services.AddDbContextPool<PlatformDbContext, PostgresPlatformDbContext>(o => PlatformDatabase.Configure(o, database));
            services.AddScoped<ICaptionIndex, PostgresCaptionIndex>();
        }
        else
        {
            services.AddDbContextPool<PlatformDbContext, SqlitePlatformDbContext>(o => PlatformDatabase.Configure(o, database));
            services.AddScoped<ICaptionIndex, SqliteCaptionIndex>();
        }

        services.AddScoped<AccountService>();
        services.AddSingleton<SignInFailures>();
        services.AddScoped<SocialGraph>();
        services.AddScoped<VideoLibrary>();
        services.AddScoped<EngagementService>();
        services.AddScoped<FeedService>();
        services.AddScoped<SearchService>();
        return services;
    }
}
