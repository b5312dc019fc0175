using System.Text.Json.Nodes;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Tests.Workers;

/// <summary>The context an entry receives, built in-process as a user would in a unit test of an entry.</summary>
public sealed class WorkerContextTests
{
    [Fact]
    public void Paths_follow_the_one_database_per_worker_layout()
    {
        var context = new WorkerContext(3, 10, "relative/pool");

        Assert.Equal(Path.GetFullPath("relative/pool"), context.Directory);
        Assert.Equal(Path.Combine(context.Directory, "worker_3.db"), context.DatabasePath);
        Assert.Equal(Path.Combine(context.Directory, "artifacts", "worker_3"), context.ArtifactsDirectory);
        Assert.Empty(context.Arguments);
    }

    [Fact]
    public void A_missing_argument_is_named_with_the_arguments_given()
    {
        var context = new WorkerContext(0, 1, "pool", new JsonObject { ["prompts"] = 1000, ["model"] = "m" });

        KeyNotFoundException missing = Assert.Throws<KeyNotFoundException>(() => context.GetArgument<int>("seed"));

        Assert.StartsWith("Worker argument 'seed' is missing (arguments given: 'prompts', 'model').", missing.Message, StringComparison.Ordinal);
        Assert.Equal(1000, context.GetArgument<int>("prompts"));
    }

    [Fact]
    public void An_argument_of_the_wrong_type_or_null_is_refused_with_its_name()
    {
        var context = new WorkerContext(0, 1, "pool", new JsonObject { ["seed"] = "not a number", ["none"] = null });

        InvalidOperationException wrongType = Assert.Throws<InvalidOperationException>(() => context.GetArgument<int>("seed"));
        Assert.StartsWith("Worker argument 'seed' holds \"not a number\", which cannot be read as Int32", wrongType.Message, StringComparison.Ordinal);

        InvalidOperationException isNull = Assert.Throws<InvalidOperationException>(() => context.GetArgument<string>("none"));
        Assert.StartsWith("Worker argument 'none' is null", isNull.Message, StringComparison.Ordinal);
        Assert.Null(context.GetArgument<int?>("none"));
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    public void Worker_ids_outside_the_pool_are_refused(int workerId, int workerCount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerContext(workerId, workerCount, "pool"));
    }
}
