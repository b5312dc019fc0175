namespace AgentOs.Sdk.IO;

/// <summary>
/// Marks a type or member whose file writes produce artifacts: files that another step, another process or the next
/// start will trust (a checkpoint store, a report exporter).
/// </summary>
/// <remarks>
/// The AgentOs.Sdk analyzers (rule AOS001) report every in-place write (<c>File.WriteAllText</c>,
/// <c>File.Open(path, FileMode.Create)</c>, ...) inside such a type, its subclasses and implementations, or such a
/// member, whatever the path. Writes that leave nothing torn are not reported: appends, <c>FileMode.OpenOrCreate</c>,
/// empty files, and temporary files the same method moves into place or deletes. The
/// <c>agentos_sdk.artifact_writers</c> option of <c>.editorconfig</c> names such types without the attribute.
/// </remarks>
[AttributeUsage(
    AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface | AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property,
    AllowMultiple = false,
    Inherited = true)]
public sealed class ArtifactWriterAttribute : Attribute;
