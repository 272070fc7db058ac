using Reeltime.Server;

var builder = WebApplication.CreateBuilder(args);
builder.AddReeltimeServer();
var app = builder.Build();
await app.UseReeltimeServerAsync();
app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
    {
        Console.WriteLine($"Reeltime is running: open {url}/ (API reference: {url}/docs)");
    }
});
await app.RunAsync();
