using Microsoft.Extensions.DependencyInjection;

namespace Reeltime.Platform.Events;

/// <summary>Registers the embedded event log.</summary>
public static class EventLogServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="FileEventLog"/> in <paramref name="directory"/> as the <see cref="IEventLog"/>,
    /// with consumer checkpoints beside it. The log opens (and recovers) when first resolved and is flushed
    /// and closed when the container is disposed.
    /// </summary>
    public static IServiceCollection AddFileEventLog(this IServiceCollection services, string directory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        services.AddSingleton(_ => new FileEventLog(new FileEventLogOptions { Directory = Path.Combine(directory, "log") }));
        services.AddSingleton<IEventLog>(sp => sp.GetRequiredService<FileEventLog>());
        services.AddSingleton<IEventLogCheckpoints>(_ => new FileEventLogCheckpoints(Path.Combine(directory, "checkpoints")));
        return services;
    }
}
