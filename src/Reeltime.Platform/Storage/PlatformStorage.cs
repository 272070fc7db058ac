using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Reeltime.Platform.Storage;

/// <summary>Where the platform database is.</summary>
public sealed class DatabaseOptions
{
    /// <summary>The SQLite file's connection string; used when <see cref="PostgreSql"/> is empty.</summary>
    public string Sqlite { get; set; } = "Data Source=reeltime.db";

    /// <summary>A PostgreSQL connection string; when set, the platform runs on PostgreSQL.</summary>
    public string? PostgreSql { get; set; }

    /// <summary>The engine these options select.</summary>
    public DatabaseKind Kind => string.IsNullOrWhiteSpace(PostgreSql) ? DatabaseKind.Sqlite : DatabaseKind.PostgreSql;
}

/// <summary>Per-connection SQLite settings: waits instead of failing when another writer holds the lock.</summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Applies the migrations of whichever provider is configured.</summary>
public static class PlatformDatabase
{
    /// <summary>Brings the schema up to date; on SQLite also switches the file to write-ahead logging.</summary>
    public static async Task MigrateAsync(PlatformDbContext db, CancellationToken cancellationToken = default)
    {
        if (db.Kind == DatabaseKind.Sqlite)
        {
            // WAL is a property of the file: readers no longer block the writer, and commits are cheaper.
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }

        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>Configures a context for the selected provider, with migrations in their own history.</summary>
    public static void Configure(DbContextOptionsBuilder builder, DatabaseOptions options)
    {
        if (options.Kind == DatabaseKind.PostgreSql)
        {
            builder.UseNpgsql(options.PostgreSql);
        }
        else
        {
            builder.UseSqlite(options.Sqlite).AddInterceptors(new SqlitePragmas());
        }
    }
}

/// <summary>Lets <c>dotnet ef</c> build the SQLite model at design time.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqlitePlatformDbContext>
{
    public SqlitePlatformDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlitePlatformDbContext>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef</c> build the PostgreSQL model at design time (no server needed to add a migration).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresPlatformDbContext>
{
    public PostgresPlatformDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresPlatformDbContext>().UseNpgsql("Host=localhost;Database=reeltime_design").Options);
}
