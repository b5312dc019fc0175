using System.Diagnostics;
using System.Text.Json;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Tests.Health;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Cli;

public sealed class HealthCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_healthy_store_prints_a_table_and_exits_0()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("registry.sqlite"));

        var (exitCode, stdout, stderr) = CliRunner.Run("health", path);

        Assert.True(exitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"AgentOs store health: {path}", lines[0]);
        Assert.Matches(@"^  CHECK\s+RESULT\s+TIME  MESSAGE$", lines[1]);
        Assert.Equal(HealthAssert.StartupChecks.Length + 3, lines.Length);
        foreach (var (name, line) in HealthAssert.StartupChecks.Zip(lines[2..]))
        {
            Assert.Matches($@"^  {name}\s+PASS\s+\d+\.\d\d ms  \S", line);
        }

        Assert.Matches(@"^  8 passed, 0 failed in \d+\.\d\d ms \(SQLite [\d.]+, schema 0\.24\): healthy: recovery enabled$", lines[^1]);
        // Redirected output (a CI log) carries no colour codes.
        Assert.DoesNotContain('\e', stdout);
        Assert.Empty(stderr);
    }

    [Fact]
    public void Json_prints_the_report_with_snake_case_keys()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("registry.sqlite"));

        var (exitCode, stdout, _) = CliRunner.Run("health", path, "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(path, json.RootElement.GetProperty("database_path").GetString());
        Assert.Equal("strict", json.RootElement.GetProperty("mode").GetString());
        Assert.True(json.RootElement.GetProperty("summary").GetProperty("all_passed").GetBoolean());
        Assert.Equal(8, json.RootElement.GetProperty("summary").GetProperty("passed_count").GetInt32());
    }

    [Fact]
    public void Deep_adds_quick_check_which_reads_every_page()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("registry.sqlite"));

        var (exitCode, stdout, stderr) = CliRunner.Run("health", path, "--deep", "--json");

        Assert.True(exitCode == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(HealthAssert.AllChecks, checks);
        Assert.Equal(9, json.RootElement.GetProperty("summary").GetProperty("passed_count").GetInt32());
    }

    [Fact]
    public void A_missing_store_exits_1_in_strict_mode_and_is_not_created()
    {
        var path = _temp.Combine("missing.db");

        var (exitCode, stdout, _) = CliRunner.Run("health", path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"  db_exists           FAIL", stdout, StringComparison.Ordinal);
        Assert.Contains("Not run: db_exists failed.", stdout, StringComparison.Ordinal);
        Assert.EndsWith("unhealthy: strict mode would refuse to start\n", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("safe", "unhealthy: safe mode would start with recovery disabled", false)]
    [InlineData("dev", "unhealthy: dev mode would start anyway, with warnings", true)]
    public void Every_mode_exits_1_on_a_failure_and_says_what_an_application_would_do(string mode, string verdict, bool recoveryEnabled)
    {
        var path = TestDatabases.StoreAtSchema023(_temp.Combine("old.db"));

        var table = CliRunner.Run("health", path, "--mode", mode);
        var json = CliRunner.Run("health", path, "--mode", mode, "--json");

        Assert.Equal(1, table.ExitCode);
        Assert.Contains("is at schema 0.23, older than the minimum 0.24", table.Stdout, StringComparison.Ordinal);
        Assert.EndsWith(verdict + "\n", table.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal(mode, document.RootElement.GetProperty("mode").GetString());
        Assert.Equal(recoveryEnabled, document.RootElement.GetProperty("recovery_enabled").GetBoolean());
        Assert.Equal([HealthCheckNames.SchemaVersion], document.RootElement.GetProperty("summary").GetProperty("checks_failed").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData(new string[0], "Required command was not provided", "agentos --help")]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'", "agentos --help")]
    [InlineData(new[] { "health" }, "Required argument missing for command: 'health'", "agentos health --help")]
    [InlineData(new[] { "health", "x.db", "--mode", "lenient" }, "Argument 'lenient' not recognized", "agentos health --help")]
    [InlineData(new[] { "health", "x.db", "--colour" }, "Unrecognized command or argument '--colour'", "agentos health --help")]
    public void Bad_usage_exits_2_with_the_error_and_where_to_find_help(string[] arguments, string error, string help)
    {
        var (exitCode, stdout, stderr) = CliRunner.Run(arguments);

        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Contains($"agentos: error: {error}", stderr, StringComparison.Ordinal);
        Assert.Contains($"Run '{help}' for usage.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_options_and_exits_0()
    {
        var (exitCode, stdout, _) = CliRunner.Run("health", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--mode <strict|safe|dev>", stdout, StringComparison.Ordinal);
        Assert.Contains("--json", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_terminal_gets_colours_unless_NO_COLOR_is_set()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("registry.sqlite"));

        // script(1) runs the tool on a pseudo-terminal, as an interactive shell would.
        var coloured = InTerminal(path, noColor: false);
        var plain = InTerminal(path, noColor: true);

        Assert.Contains("\e[32mPASS", coloured, StringComparison.Ordinal);
        Assert.Contains("db_exists", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("\e[32m", plain, StringComparison.Ordinal);
    }

    private static string InTerminal(string path, bool noColor)
    {
        var start = new ProcessStartInfo("script")
        {
            ArgumentList = { "--quiet", "--return", "--command", $"dotnet '{BuiltProgram.Cli}' health '{path}'", "/dev/null" },
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["TERM"] = "xterm";
        if (noColor)
        {
            start.Environment["NO_COLOR"] = "1";
        }
        else
        {
            start.Environment.Remove("NO_COLOR");
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
