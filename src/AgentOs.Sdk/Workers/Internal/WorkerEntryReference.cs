using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>
/// Checks that a worker entry can be found again in another process and records where it lives.
/// Accepted: a static method, or a lambda that captures nothing (the compiler puts such a lambda on a singleton closure class
/// <c>&lt;&gt;c</c> that has no instance fields, so the child can recreate the target). Refused, with a message naming the problem:
/// a capturing lambda (its display class has one field per captured variable), an instance method of a user type, a static
/// method bound to a first argument, a multicast delegate, a dynamic method, and a generic entry.
/// </summary>
internal sealed record WorkerEntryReference(
    string AssemblyName,
    string AssemblyPath,
    Guid ModuleVersionId,
    int MetadataToken,
    string DeclaringType,
    string MethodName)
{
    private const string Advice =
        " A worker runs in its own process: pass a static method or a `static` lambda, and send data through "
        + "WorkerPoolOptions.Arguments (read it with WorkerContext.GetArgument<T>).";

    public static WorkerEntryReference FromDelegate(Delegate entry, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(entry, parameterName);

        Delegate[] invocationList = entry.GetInvocationList();
        if (invocationList.Length > 1)
        {
            string methods = string.Join(", ", invocationList.Select(d => $"'{Describe(d.Method)}'"));
            throw new ArgumentException(
                $"The worker entry is a multicast delegate of {invocationList.Length} methods ({methods}); a worker runs exactly one entry."
                + Advice, parameterName);
        }

        MethodInfo method = entry.Method;
        Type? declaringType = method.DeclaringType;
        if (method is DynamicMethod || declaringType is null || method.Module.Assembly.IsDynamic)
        {
            throw new ArgumentException(
                $"The worker entry '{method.Name}' is a dynamic method (emitted at run time or compiled from an expression tree): "
                + "it exists only in this process's memory, so a worker process cannot find it." + Advice, parameterName);
        }

        if (method.IsGenericMethod || declaringType.IsGenericType)
        {
            throw new ArgumentException(
                $"The worker entry '{Describe(method)}' is generic or declared in a generic type (as a lambda inside a generic method is): "
                + "the worker host cannot rebuild its type arguments. Move the entry to a static method of a non-generic type." + Advice,
                parameterName);
        }

        if (method.IsStatic)
        {
            if (entry.Target is not null)
            {
                throw new ArgumentException(
                    $"The worker entry '{Describe(method)}' is a static method bound to a first argument (an extension method called on a value, "
                    + "or a delegate created with a target): that argument cannot be sent to a worker process." + Advice, parameterName);
            }
        }
        else if (IsClosureClass(declaringType))
        {
            List<string> captured = [];
            CollectCapturedVariables(declaringType, captured, depth: 0);
            if (captured.Count > 0)
            {
                throw new ArgumentException(
                    $"The worker entry '{Describe(method)}' captures {JoinNames(captured)}: captured variables stay in this "
                    + "process and do not exist in the worker process." + Advice, parameterName);
            }
        }
        else
        {
            throw new ArgumentException(
                $"The worker entry '{Describe(method)}' is an instance method: its target (a {declaringType.Name}) lives in this process and "
                + "cannot be sent to a worker process. Make the method static." + Advice, parameterName);
        }

        Assembly assembly = method.Module.Assembly;
        return new WorkerEntryReference(
            assembly.FullName ?? assembly.GetName().Name ?? "",
            GetLocation(assembly),
            method.Module.ModuleVersionId,
            method.MetadataToken,
            declaringType.FullName ?? declaringType.Name,
            method.Name);
    }

    /// <summary>A readable name: <c>Type.Method</c>, or <c>lambda in Type.Member</c> for compiler-generated methods.</summary>
    public static string Describe(MethodInfo method)
    {
        Type? type = method.DeclaringType;
        if (type is null)
        {
            return method.Name;
        }

        // Lambdas are named "<Member>b__1_0" and live on a closure class nested in the user's type;
        // local functions are named "<Member>g__Name|1_0".
        string name = method.Name;
        if (name.StartsWith('<') && ClosingBracket(name) is > 1 and int end)
        {
            Type owner = IsClosureClass(type) && type.DeclaringType is not null ? type.DeclaringType : type;
            // Top-level statements compile to a method named "<Main>$".
            string member = name[1..end] == "<Main>$" ? $"{owner.FullName} (top-level statements)" : $"{owner.FullName}.{name[1..end]}";
            int local = name.IndexOf("g__", end, StringComparison.Ordinal);
            int bar = name.IndexOf('|', end);
            return local == end + 1 && bar > local
                ? $"local function {name[(local + 3)..bar]} in {member}"
                : $"lambda in {member}";
        }

        return $"{type.FullName}.{method.Name}";
    }

    /// <summary>The index of the '>' that closes the '&lt;' at index 0 (names nest: "&lt;&lt;Main&gt;$&gt;b__0_0"), or -1.</summary>
    private static int ClosingBracket(string name)
    {
        int depth = 0;
        for (int i = 0; i < name.Length; i++)
        {
            depth += name[i] switch { '<' => 1, '>' => -1, _ => 0 };
            if (depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    internal static bool IsClosureClass(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) && type.Name.StartsWith("<>c", StringComparison.Ordinal);

    // A closure class's fields are read by the lambda body, so trimming keeps them; they are listed only to name the captures.
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Closure fields are referenced by the lambda body and survive trimming.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Closure fields are referenced by the lambda body and survive trimming.")]
    private static void CollectCapturedVariables(Type closure, List<string> captured, int depth)
    {
        foreach (FieldInfo field in closure.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            string name = field.Name;
            if (name.EndsWith("__this", StringComparison.Ordinal) && name.StartsWith("<>", StringComparison.Ordinal))
            {
                AddOnce(captured, "this");
            }
            else if (name.StartsWith("CS$<>", StringComparison.Ordinal) && depth < 16 && IsClosureClass(field.FieldType))
            {
                // A link to the display class of an enclosing scope: its variables are captured too.
                CollectCapturedVariables(field.FieldType, captured, depth + 1);
            }
            else
            {
                AddOnce(captured, name);
            }
        }
    }

    private static void AddOnce(List<string> names, string name)
    {
        if (!names.Contains(name))
        {
            names.Add(name);
        }
    }

    private static string JoinNames(List<string> names)
    {
        string[] quoted = [.. names.Select(n => $"'{n}'")];
        return quoted.Length == 1 ? quoted[0] : $"{string.Join(", ", quoted[..^1])} and {quoted[^1]}";
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location is expected in single-file apps: the worker host then finds the assembly by name.")]
    private static string GetLocation(Assembly assembly) => assembly.Location;
}
