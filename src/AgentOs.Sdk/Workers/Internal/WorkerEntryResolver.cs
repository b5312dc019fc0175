using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>Finds, in a worker process, the entry the parent described in its <see cref="WorkerSpec"/>.</summary>
internal static class WorkerEntryResolver
{
    internal const string TrimmingMessage =
        "A worker host finds its entry method by metadata token and may load the entry's assembly from a path; "
        + "trimming can remove or renumber that method.";

    [RequiresUnreferencedCode(TrimmingMessage)]
    public static Func<WorkerContext, CancellationToken, Task<int>> Resolve(WorkerSpec spec)
    {
        Assembly assembly = FindAssembly(spec);
        Module module = assembly.Modules.FirstOrDefault(m => m.ModuleVersionId == spec.ModuleVersionId)
            ?? throw new WorkerStartException(
                $"The assembly '{assembly.FullName}' loaded from '{Location(assembly)}' is not the build the parent runs "
                + $"(module version {assembly.ManifestModule.ModuleVersionId}, expected {spec.ModuleVersionId}): rebuild the host, or make it load "
                + $"'{spec.AssemblyPath}'.");

        MethodBase? resolved;
        try
        {
            resolved = module.ResolveMethod(spec.MetadataToken);
        }
        catch (ArgumentException ex)
        {
            throw new WorkerStartException($"The entry {spec.DeclaringType}.{spec.MethodName} (token 0x{spec.MetadataToken:x8}) is not in '{assembly.GetName().Name}': {ex.Message}", ex);
        }

        if (resolved is not MethodInfo method || method.Name != spec.MethodName || method.DeclaringType?.FullName != spec.DeclaringType)
        {
            throw new WorkerStartException(
                $"Token 0x{spec.MetadataToken:x8} in '{assembly.GetName().Name}' names '{resolved?.DeclaringType?.FullName}.{resolved?.Name}', "
                + $"not the entry {spec.DeclaringType}.{spec.MethodName}.");
        }

        object? target = method.IsStatic ? null : CreateClosureTarget(method.DeclaringType!);
        try
        {
            return method.CreateDelegate<Func<WorkerContext, CancellationToken, Task<int>>>(target);
        }
        catch (ArgumentException ex)
        {
            throw new WorkerStartException($"The entry {spec.DeclaringType}.{spec.MethodName} does not match Func<WorkerContext, CancellationToken, Task<int>>: {ex.Message}", ex);
        }
    }

    [RequiresUnreferencedCode(TrimmingMessage)]
    private static Assembly FindAssembly(WorkerSpec spec)
    {
        // 1. Already loaded: the host is the app itself, or the entry lives in a library the host uses (AgentOs.Sdk's own drills).
        foreach (Assembly loaded in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (loaded.FullName == spec.AssemblyName && loaded.ManifestModule.ModuleVersionId == spec.ModuleVersionId)
            {
                return loaded;
            }
        }

        // 2. The file the parent loaded it from; LoadFrom also resolves its dependencies from the same folder.
        if (spec.AssemblyPath.Length > 0 && File.Exists(spec.AssemblyPath))
        {
            try
            {
                return Assembly.LoadFrom(spec.AssemblyPath);
            }
            catch (Exception ex) when (ex is FileLoadException or BadImageFormatException)
            {
                throw new WorkerStartException($"Cannot load the entry's assembly '{spec.AssemblyPath}': {ex.Message}", ex);
            }
        }

        // 3. By name, through the host's own dependencies (single-file apps have no assembly paths).
        try
        {
            return Assembly.Load(new AssemblyName(spec.AssemblyName));
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            string where = spec.AssemblyPath.Length > 0 ? $"'{spec.AssemblyPath}' does not exist and " : "";
            throw new WorkerStartException(
                $"Cannot find the entry's assembly '{spec.AssemblyName}': {where}the host does not reference it ({ex.Message}).", ex);
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The closure class is referenced by the entry method being run.")]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "The closure class is referenced by the entry method being run.")]
    private static object CreateClosureTarget(Type closure)
    {
        if (!WorkerEntryReference.IsClosureClass(closure))
        {
            throw new WorkerStartException($"The entry's type '{closure.FullName}' is not a compiler-generated closure; instance entries are not supported.");
        }

        // The compiler keeps the one instance of a non-capturing closure class in its static field "<>9".
        FieldInfo? singleton = closure.GetField("<>9", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);
        if (singleton?.GetValue(null) is { } instance && instance.GetType() == closure)
        {
            return instance;
        }

        // Without that field, any instance will do as long as there is no state to restore.
        if (closure.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length == 0)
        {
            return RuntimeHelpers.GetUninitializedObject(closure);
        }

        throw new WorkerStartException($"The entry's closure class '{closure.FullName}' has captured state, which a worker process cannot restore.");
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Only used in a message; empty in single-file apps.")]
    private static string Location(Assembly assembly) => assembly.Location;
}
