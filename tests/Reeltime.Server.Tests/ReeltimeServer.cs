using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Reeltime.Server.Tests;

/// <summary>
/// The real server over a real database: a SQLite file in a fresh data directory, or a fresh database on the
/// PostgreSQL cluster that ./reeltime test starts (REELTIME_TEST_DATABASE=postgres, REELTIME_TEST_POSTGRES).
/// </summary>
public sealed class ReeltimeServer : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "reeltime-test-" + Guid.NewGuid().ToString("N"));
    private string? postgresDatabase;
    private int userCounter;
    private Uri? kestrelAddress;

    public static bool OnPostgres => string.Equals(Environment.GetEnvironmentVariable("REELTIME_TEST_DATABASE"), "postgres", StringComparison.OrdinalIgnoreCase);

    public string DataDirectory => data;

    /// <summary>Settings a test class wants on top of the defaults.</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.Ordinal);

    /// <summary>Serve on real Kestrel over loopback (for what the in-memory test server cannot do, such as a dropped connection).</summary>
    public bool OverKestrel { get; init; }

    /// <summary>Starts a server of a test's own with <paramref name="configure"/>'s settings; dispose it to drop its database and data.</summary>
    public static async Task<ReeltimeServer> StartAsync(Action<Dictionary<string, string?>> configure, bool overKestrel = false)
    {
        var server = new ReeltimeServer { OverKestrel = overKestrel };
        configure(server.Settings);
        await server.InitializeAsync();
        return server;
    }

    public async Task InitializeAsync()
    {
        if (OnPostgres)
        {
            var admin = Environment.GetEnvironmentVariable("REELTIME_TEST_POSTGRES")
                ?? throw new InvalidOperationException("REELTIME_TEST_DATABASE=postgres needs REELTIME_TEST_POSTGRES (a connection string); ./reeltime test sets both.");
            postgresDatabase = "reeltime_test_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{postgresDatabase}\"", connection);
                await create.ExecuteNonQueryAsync();
            }

            Settings["Database:PostgreSql"] = new NpgsqlConnectionStringBuilder(admin) { Database = postgresDatabase, MaxPoolSize = 40 }.ConnectionString;
        }

        // Start the host now, so that migrations run before the first test.
        if (OverKestrel)
        {
            UseKestrel(0);
            StartServer();
            var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!;
            kestrelAddress = new Uri(addresses.Addresses.First());
        }
        else
        {
            _ = Server;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Data", data);
        builder.UseSetting("SignInPermitsPerMinute", "100000");
        builder.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestClientAddress>());

        // A small ladder and a fast preset: these tests are about the platform, not picture quality.
        builder.UseSetting("Media:Ladder:0:ShortSide", "144");
        builder.UseSetting("Media:Ladder:0:MaxVideoKbps", "300");
        builder.UseSetting("Media:Ladder:0:AudioKbps", "64");
        builder.UseSetting("Media:Preset", "superfast");
        builder.UseSetting("Media:Workers", "2");
        builder.UseSetting("Media:PollInterval", "00:00:00.200");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>
    /// Lets a test say which client address a request comes from (header <c>X-Test-Client-Address</c>): the
    /// in-process test server has none, and rules such as sign-in throttling are per address.
    /// </summary>
    private sealed class TestClientAddress : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (context.Request.Headers.TryGetValue("X-Test-Client-Address", out var value) && System.Net.IPAddress.TryParse(value.ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return following(context);
            });
            next(app);
        };
    }

    /// <summary>Stops the server, then drops its database and data directory.</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("REELTIME_TEST_POSTGRES"));
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{postgresDatabase}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finishing background task; the temp folder is cleaned by the OS.
        }
    }

    /// <summary>A client that sends no credentials.</summary>
    public HttpClient Visitor() => CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = kestrelAddress ?? new Uri("http://localhost") });

    /// <summary>Registers a new user with a unique name and signs in with a bearer token.</summary>
    public async Task<TestUser> NewUserAsync(string prefix = "user")
    {
        var username = $"{prefix}{Interlocked.Increment(ref userCounter)}_{Guid.NewGuid().ToString("N")[..6]}";
        const string password = "correct horse battery";
        var client = Visitor();
        var registered = await client.PostAsJsonAsync("/api/auth/register", new { username, password });
        registered.EnsureSuccessStatusCode();
        var id = (await registered.Content.ReadFromJsonAsync<IdAndName>())!.Id;
        var login = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<LoginBody>())!.Token;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new TestUser(id, username, password, token, client);
    }

    private sealed record IdAndName(long Id, string Username);

    private sealed record LoginBody(string Token, string CsrfToken);
}

/// <summary>A signed-in user and a client that acts as them.</summary>
public sealed record TestUser(long Id, string Username, string Password, string Token, HttpClient Client);
