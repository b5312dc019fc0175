namespace AgentOs.Sdk.IO;

/// <summary>
/// Marks a parameter, field, property, local or method return value as holding the path of an artifact:
/// a file whose content must be written with <c>AtomicFile</c> so that a crash never leaves it torn.
/// </summary>
/// <remarks>
/// The AgentOs.Sdk analyzers (rule AOS001) report a non-atomic write such as <c>File.WriteAllText</c>
/// to any path that carries this attribute, whatever its value.
/// </remarks>
[AttributeUsage(
    AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.ReturnValue,
    AllowMultiple = false,
    Inherited = true)]
public sealed class ArtifactPathAttribute : Attribute;
