namespace AgentOs.Sdk.Workers;

/// <summary>
/// Marks a delegate parameter whose argument runs in another process: it must be a static method or a lambda
/// that captures nothing, because captured locals, parameters and <c>this</c> do not cross a process boundary.
/// </summary>
/// <remarks>
/// <c>WorkerPool</c> uses it on its entry parameter, and users may put it on their own APIs.
/// The AgentOs.Sdk analyzers (rule AOS002) report capturing lambdas and instance method groups passed to such a parameter.
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = true)]
public sealed class WorkerEntryPointAttribute : Attribute;
