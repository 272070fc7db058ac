namespace Reeltime.Privacy;

/// <summary>How carefully a piece of data must be handled. The privacy broker enforces it.</summary>
public enum DataClassification
{
    /// <summary>Anyone may see it: a username, a public caption, a count.</summary>
    Public = 0,
    /// <summary>Personal data that is not public: an email address, a home region, what someone watched.</summary>
    Protected = 1,
    /// <summary>Data whose exposure does serious harm: password hashes, session secrets, special categories.</summary>
    Sensitive = 2,
}

/// <summary>
/// Marks a persisted property with its classification. Every property of every stored entity carries one;
/// a test enforces it so that nothing personal is stored unmarked.
/// </summary>
/// <param name="classification">The property's classification.</param>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class ClassifiedAttribute(DataClassification classification) : Attribute
{
    /// <summary>The property's classification.</summary>
    public DataClassification Classification { get; } = classification;
}
