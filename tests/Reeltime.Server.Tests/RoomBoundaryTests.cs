using System.Reflection;

namespace Reeltime.Server.Tests;

/// <summary>The rooms of ARCHITECTURE.md talk through public surfaces; these references must never appear.</summary>
public sealed class RoomBoundaryTests
{
    public static TheoryData<string, string> ForbiddenReferences => new()
    {
        // Platform owns metadata; it never transcodes, ranks or moderates.
        { "Reeltime.Platform", "Reeltime.Media" },
        { "Reeltime.Platform", "Reeltime.Recommendation" },
        { "Reeltime.Platform", "Reeltime.Safety" },
        // No room depends on the host.
        { "Reeltime.Platform", "Reeltime.Server" },
        { "Reeltime.Media", "Reeltime.Server" },
        { "Reeltime.Recommendation", "Reeltime.Server" },
        { "Reeltime.Safety", "Reeltime.Server" },
        { "Reeltime.Privacy", "Reeltime.Server" },
        // Privacy is the bottom of the stack: everything may ask it, it asks no one.
        { "Reeltime.Privacy", "Reeltime.Platform" },
        // Safety decides; it does not rank.
        { "Reeltime.Safety", "Reeltime.Recommendation" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenReferences))]
    public void A_room_does_not_reference_what_it_must_not(string room, string forbidden)
    {
        var assembly = Assembly.Load(room);
        Assert.DoesNotContain(assembly.GetReferencedAssemblies(), r => r.Name == forbidden);
    }

    [Fact]
    public void The_server_holds_every_room()
    {
        var names = typeof(ServerSetup).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("Reeltime.Platform", names);
        Assert.Contains("Reeltime.Recommendation", names);
    }
}
