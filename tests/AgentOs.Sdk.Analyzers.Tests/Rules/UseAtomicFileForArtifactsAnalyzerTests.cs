using AgentOs.Sdk.Analyzers.Rules;
using Verify = AgentOs.Sdk.Analyzers.Tests.Verifiers.AnalyzerVerifier<AgentOs.Sdk.Analyzers.Rules.UseAtomicFileForArtifactsAnalyzer>;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>AOS001: each test is one snippet; <c>{|AOS001:...|}</c> marks the write that must be reported.</summary>
public sealed class UseAtomicFileForArtifactsAnalyzerTests
{
    // ---------- positive: reported ----------

    [Fact]
    public Task Constant_path_under_artifacts_is_reported_with_api_path_glob_and_reason()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string json) => {|#0:File.WriteAllText("out/artifacts/report.json", json)|};
            }
            """,
            Verify.Diagnostic("AOS001").WithLocation(0).WithArguments(
                "File.WriteAllText", "'out/artifacts/report.json' (matches '**/artifacts/**')", "AtomicFile.WriteAllText"));

    [Fact]
    public Task Top_level_statements_are_analyzed()
        => Verify.VerifyAsync(
            """
            using System.IO;
            {|AOS001:File.WriteAllText("artifacts/summary.txt", "done")|};
            """,
            editorConfig: null, topLevel: true, withSdk: true);

    [Fact]
    public Task Using_static_File_is_reported()
        => Verify.VerifyAsync(
            """
            using static System.IO.File;
            class C
            {
                void M(byte[] data) => {|AOS001:WriteAllBytes("checkpoints/step-1.bin", data)|};
            }
            """);

    [Fact]
    public Task Type_alias_and_namespace_alias_are_reported()
        => Verify.VerifyAsync(
            """
            using F = System.IO.File;
            using IO = System.IO;
            class C
            {
                void M(string[] lines)
                {
                    {|AOS001:F.WriteAllLines("artifacts/a.txt", lines)|};
                    {|AOS001:IO.File.WriteAllLines("artifacts/b.txt", lines)|};
                    {|AOS001:global::System.IO.File.WriteAllLines("artifacts/c.txt", lines)|};
                }
            }
            """);

    [Fact]
    public Task Interpolation_with_unknown_root_and_numeric_id_is_reported_and_shows_the_holes()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string root, int attempt) => {|#0:File.WriteAllText($"{root}/artifacts/run-{attempt}.json", "{}")|};
            }
            """,
            Verify.Diagnostic("AOS001").WithLocation(0).WithArguments(
                "File.WriteAllText", "'{root}/artifacts/run-{attempt}.json' (matches '**/artifacts/**')", "AtomicFile.WriteAllText"));

    [Fact]
    public Task Path_Combine_with_non_constant_root_is_reported_because_every_root_matches()
        => Verify.VerifyAsync(
            """
            using System;
            using System.IO;
            class C
            {
                void M(string json)
                {
                    {|AOS001:File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "artifacts", "report.json"), json)|};
                    {|AOS001:File.WriteAllText(Path.Join(Environment.CurrentDirectory, "checkpoints", "cp.json"), json)|};
                }
            }
            """);

    [Fact]
    public Task Locals_assigned_once_are_followed()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string root, string json)
                {
                    var dir = Path.Combine(root, "checkpoints");
                    string path = Path.Combine(dir, "step.json");
                    {|AOS001:File.WriteAllText(path, json)|};
                }
            }
            """);

    [Fact]
    public Task Readonly_fields_assigned_once_by_initializer_or_constructor_are_followed()
        => Verify.VerifyAsync(
            """
            using System;
            using System.IO;
            class C
            {
                private static readonly string ArtifactsDir = Path.Combine(AppContext.BaseDirectory, "artifacts");
                private const string Name = "report.json";
                private readonly string _checkpoints;

                public C(string root) => _checkpoints = Path.Combine(root, "checkpoints");

                void M(string json)
                {
                    {|AOS001:File.WriteAllText(Path.Combine(ArtifactsDir, Name), json)|};
                    {|AOS001:File.WriteAllText(Path.Combine(_checkpoints, "a.json"), json)|};
                }
            }
            """);

    [Fact]
    public Task Ok_marker_name_matches_file_name_glob_whatever_the_folder()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string path, string hash) => {|AOS001:File.WriteAllText(path + ".ok", hash)|};
            }
            """);

    [Fact]
    public Task ArtifactPath_on_parameter_and_field_is_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using AgentOs.Sdk.IO;
            class C
            {
                [ArtifactPath] private string _output = GetPath();
                static string GetPath() => System.Guid.NewGuid().ToString();

                void M([ArtifactPath] string target, string json)
                {
                    {|#0:File.WriteAllText(target, json)|};
                    {|AOS001:File.WriteAllText(_output, json)|};
                }
            }
            """,
            Verify.Diagnostic("AOS001").WithLocation(0).WithArguments("File.WriteAllText", "'target' (marked [ArtifactPath])", "AtomicFile.WriteAllText"));

    [Fact]
    public Task ArtifactPath_on_property_is_reported_even_on_an_interface_implementation_by_override()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using AgentOs.Sdk.IO;
            abstract class Job
            {
                [ArtifactPath] public abstract string ResultPath { get; }
            }
            sealed class Export : Job
            {
                public override string ResultPath => "/tmp/" + System.Environment.UserName;
                void Run(string json) => {|AOS001:File.WriteAllText(ResultPath, json)|};
            }
            """);

    [Fact]
    public Task ArtifactPath_on_an_interface_or_base_member_is_followed_into_implementations_and_overrides()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using AgentOs.Sdk.IO;
            interface ICheckpointSink
            {
                void Save([ArtifactPath] string path, string json);
                [ArtifactPath] string Folder { get; }
                [return: ArtifactPath] string PathFor(string id);
            }
            abstract class SinkBase
            {
                public abstract void Write([ArtifactPath] string target, byte[] data);
            }
            abstract class MiddleSink : SinkBase
            {
            }
            sealed class DiskSink : MiddleSink, ICheckpointSink
            {
                public string Folder => System.Environment.CurrentDirectory;
                public string PathFor(string id) => id;
                public void Save(string path, string json) => {|AOS001:File.WriteAllText(path, json)|};
                public override void Write(string target, byte[] data) => {|AOS001:File.WriteAllBytes(target, data)|};
                public void Other(string json, string notMarked)
                {
                    {|AOS001:File.WriteAllText(Path.Combine(Folder, "a.json"), json)|};
                    {|AOS001:File.WriteAllText(PathFor("b"), json)|};
                    File.WriteAllText(notMarked, json);
                }
            }
            sealed class ExplicitSink : ICheckpointSink
            {
                string ICheckpointSink.Folder => "";
                string ICheckpointSink.PathFor(string id) => id;
                void ICheckpointSink.Save(string p, string json) => {|AOS001:File.WriteAllText(p, json)|};
                public void Save(string unrelated) => File.WriteAllText(unrelated, "x");
            }
            """);

    [Fact]
    public Task ArtifactPath_on_return_value_is_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using System.Threading.Tasks;
            using AgentOs.Sdk.IO;
            static class Paths
            {
                [return: ArtifactPath]
                public static string ReportFor(string id) => id + ".json";
            }
            class C
            {
                async Task M(string id, string json)
                {
                    await {|AOS001:File.WriteAllTextAsync(Paths.ReportFor(id), json)|};
                    var local = Paths.ReportFor(id);
                    {|AOS001:File.WriteAllText(local, json)|};
                    {|AOS001:File.WriteAllText(Path.Combine(Paths.ReportFor(id), "part.json"), json)|};
                }
            }
            """);

    [Fact]
    public Task Named_out_of_order_arguments_are_mapped_to_the_path_parameter()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using System.Text;
            using System.Threading;
            class C
            {
                void M(string json, CancellationToken ct)
                {
                    {|AOS001:File.WriteAllText(contents: json, path: "artifacts/x.json")|};
                    _ = {|AOS001:File.WriteAllTextAsync(encoding: Encoding.UTF8, cancellationToken: ct, contents: json, path: "artifacts/y.json")|};
                }
            }
            """);

    [Fact]
    public Task File_streams_opened_for_writing_are_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M()
                {
                    using var a = {|AOS001:File.Create("artifacts/a.bin")|};
                    using var c = {|AOS001:File.CreateText("artifacts/c.txt")|};
                    using var d = {|AOS001:File.Open("artifacts/d.bin", FileMode.Truncate, FileAccess.Write)|};
                }
            }
            """);

    [Fact]
    public Task FileStream_with_creating_modes_is_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M()
                {
                    using var a = {|AOS001:new FileStream("artifacts/a.bin", FileMode.Create)|};
                    using var b = {|AOS001:new FileStream("artifacts/b.bin", FileMode.CreateNew, FileAccess.Write)|};
                    using var c = {|AOS001:new FileStream("artifacts/c.bin", FileMode.Create, FileAccess.ReadWrite, FileShare.None, 4096)|};
                    using FileStream d = {|AOS001:new("artifacts/d.bin", new FileStreamOptions { Mode = FileMode.Truncate, Access = FileAccess.Write })|};
                }
            }
            """);

    [Fact]
    public Task StreamWriter_that_truncates_is_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using System.Text;
            using SW = System.IO.StreamWriter;
            class C
            {
                void M()
                {
                    using var a = {|AOS001:new StreamWriter("artifacts/a.txt")|};
                    using var b = {|AOS001:new StreamWriter("artifacts/b.txt", append: false)|};
                    using var c = {|AOS001:new StreamWriter("artifacts/c.txt", false, Encoding.UTF8)|};
                    using var d = {|AOS001:new SW("artifacts/d.txt")|};
                }
            }
            """);

    [Fact]
    public Task FileInfo_create_and_open_write_are_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string root)
                {
                    var info = new FileInfo(Path.Combine(root, "checkpoints", "state.json"));
                    using var a = {|AOS001:info.Create()|};
                    using var b = {|AOS001:new FileInfo("artifacts/b.bin").CreateText()|};
                    using var c = {|AOS001:info.Open(FileMode.Create)|};
                }
            }
            """);

    [Fact]
    public Task Globs_from_editorconfig_replace_the_defaults()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string root)
                {
                    {|AOS001:File.WriteAllText(Path.Combine(root, "reports", "daily.csv"), "x")|};
                    {|AOS001:File.WriteAllText("state/ledger.json", "x")|};
                    File.WriteAllText("artifacts/not-any-more.json", "x");
                }
            }
            """,
            editorConfig: """
            root = true
            [*.cs]
            agentos_sdk.artifact_paths = **/reports/*.{csv,json}, state/**
            """,
            topLevel: false,
            withSdk: true);

    [Fact]
    public Task Writes_inside_nested_lambdas_and_both_branches_of_a_conditional_are_reported()
        => Verify.VerifyAsync(
            """
            using System;
            using System.IO;
            using System.Threading.Tasks;
            class C
            {
                void M(bool final, string json)
                {
                    Func<Task> outer = () => Task.Run(() => {|AOS001:File.WriteAllText(final ? "artifacts/final.json" : "checkpoints/partial.json", json)|});
                }
            }
            """);

    [Fact]
    public Task Windows_separators_and_dot_segments_are_normalized()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M()
                {
                    {|AOS001:File.WriteAllText(@".\out\artifacts\r.json", "x")|};
                    {|AOS001:File.WriteAllText("./out/./checkpoints/c.json", "x")|};
                }
            }
            """);

    // ---------- negative: not reported ----------

    [Fact]
    public Task Path_outside_every_glob_is_not_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M()
                {
                    File.WriteAllText("out/report.json", "x");
                    File.WriteAllText("myartifacts/report.json", "x");
                    File.WriteAllText("artifacts", "x");
                    File.WriteAllText("logs/run.okay", "x");
                }
            }
            """);

    [Fact]
    public Task Path_that_cannot_be_worked_out_and_is_not_marked_is_not_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                string PathFor(string id) => id;
                void M(string path, string id)
                {
                    File.WriteAllText(path, "x");
                    File.WriteAllText(PathFor(id), "x");
                    File.WriteAllText(Path.GetTempFileName(), "x");
                }
            }
            """);

    [Fact]
    public Task Path_Combine_with_a_non_constant_last_segment_is_not_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                // name could be rooted ("/etc/x"): Path.Combine would then ignore "artifacts".
                void M(string name) => File.WriteAllText(Path.Combine("artifacts", name), "x");
            }
            """);

    [Fact]
    public Task A_user_type_named_File_is_not_System_IO_File()
        => Verify.VerifyAsync(
            """
            namespace App
            {
                static class File
                {
                    public static void WriteAllText(string path, string contents) { }
                }

                class C
                {
                    void M() => File.WriteAllText("artifacts/report.json", "x");
                }
            }
            """);

    [Fact]
    public Task Reads_appends_and_non_creating_modes_are_not_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(FileMode mode)
                {
                    _ = File.ReadAllText("artifacts/a.json");
                    File.AppendAllText("artifacts/events.jsonl", "{}");
                    using var a = new FileStream("artifacts/a.bin", FileMode.Open);
                    using var b = new FileStream("artifacts/b.bin", FileMode.Append, FileAccess.Write);
                    using var c = File.Open("artifacts/c.bin", FileMode.Open, FileAccess.ReadWrite);
                    using var d = new FileStream("artifacts/d.bin", mode);
                    using var e = File.OpenRead("artifacts/e.bin");

                    // Keep what is there: a lock file, a file updated in place on purpose.
                    using var f = new FileStream("artifacts/f.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    using var g = File.OpenWrite("artifacts/g.bin");
                    using var h = new FileInfo("artifacts/h.bin").OpenWrite();
                    using var i = File.OpenHandle("artifacts/i.bin", FileMode.OpenOrCreate, FileAccess.Write);
                }
            }
            """);

    [Fact]
    public Task Writes_of_nothing_are_not_reported()
        => Verify.VerifyAsync(
            """
            using System;
            using System.IO;
            class C
            {
                void M(string root)
                {
                    var ready = Path.Combine(root, "artifacts", "ready");
                    File.WriteAllText(ready, "");
                    File.WriteAllText(ready, string.Empty);
                    File.WriteAllBytes(ready, Array.Empty<byte>());
                    File.WriteAllBytes(ready, new byte[0]);
                    File.WriteAllBytes(ready, []);
                    File.WriteAllLines(ready, Array.Empty<string>());
                    File.Create(ready).Dispose();
                    (File.Create(ready)).Close();
                    using (File.Create(ready)) { }
                    using (var s = new FileStream(ready, FileMode.Create)) { }
                    {|AOS001:File.WriteAllText(ready, " ")|};
                    {|AOS001:File.Create(ready)|}.Write([1]);
                }
            }
            """);

    [Fact]
    public Task A_temporary_file_moved_or_replaced_into_place_or_deleted_by_the_same_method_is_not_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                private readonly string _root = "x";

                void Save(string json)
                {
                    var target = Path.Combine(_root, "checkpoints", "state.json");
                    var temp = target + ".tmp";
                    File.WriteAllText(temp, json);
                    File.Move(temp, target, overwrite: true);
                }

                void Swap(string json)
                {
                    File.WriteAllText(Path.Combine(_root, "checkpoints", "next.json"), json);
                    File.Replace(Path.Combine(_root, "checkpoints", "next.json"), Path.Combine(_root, "checkpoints", "live.json"), null);
                    using (var w = new StreamWriter(Path.Combine(_root, "artifacts", "a.tmp")))
                    {
                        w.Write(json);
                    }

                    new FileInfo(Path.Combine(_root, "artifacts", "a.tmp")).MoveTo(Path.Combine(_root, "artifacts", "a.json"), true);
                }

                string Scratch(string json)
                {
                    var scratch = Path.Combine(_root, "artifacts", "probe");
                    File.WriteAllText(scratch, json);
                    var back = File.ReadAllText(scratch);
                    File.Delete(scratch);
                    return back;
                }

                void MovedAwayFirst(byte[] marker)
                {
                    // The old file is moved away before the write: the write itself is still in place.
                    var ok = Path.Combine(_root, "checkpoints", "state.json.ok");
                    File.Move(ok, ok + ".old");
                    {|AOS001:File.WriteAllBytes(ok, marker)|};
                }

                void MovedElsewhere(string json)
                {
                    // Moving another file, in another method, proves nothing about this one.
                    {|AOS001:File.WriteAllText(Path.Combine(_root, "checkpoints", "kept.json"), json)|};
                    File.Move(Path.Combine(_root, "checkpoints", "other.json"), Path.Combine(_root, "checkpoints", "old.json"));
                }
            }
            """);

    [Fact]
    public Task Copy_with_overwrite_OpenHandle_and_XmlWriter_are_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using System.Xml;
            class C
            {
                void M(string source, bool overwrite)
                {
                    {|#0:File.Copy(source, "artifacts/model.bin", overwrite: true)|};
                    {|AOS001:File.Copy(source, "artifacts/model2.bin", true)|};
                    File.Copy(source, "artifacts/model3.bin");
                    File.Copy(source, "artifacts/model4.bin", overwrite);
                    File.Copy("artifacts/model.bin", "backup/model.bin", true);
                    using var h = {|AOS001:File.OpenHandle("checkpoints/h.bin", FileMode.Create, FileAccess.Write)|};
                    using var x = {|AOS001:XmlWriter.Create("artifacts/junit.xml")|};
                    using var y = {|AOS001:XmlWriter.Create("artifacts/junit2.xml", new XmlWriterSettings { Indent = true })|};
                    using var z = XmlWriter.Create(new StringWriter());
                }
            }
            """,
            Verify.Diagnostic("AOS001").WithLocation(0).WithArguments("File.Copy", "'artifacts/model.bin' (matches '**/artifacts/**')", "AtomicFile.WriteAsync"));

    [Fact]
    public Task Names_that_say_checkpoint_or_artifact_mark_the_path_unless_turned_off()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class Options
            {
                public string CheckpointDirectory { get; set; } = "";
            }
            class C
            {
                void M(string checkpointPath, string artifactsDir, string ARTIFACT_FILE, Options options, string outputPath, string checkpointer, byte[] data)
                {
                    {|#0:File.WriteAllBytes(checkpointPath, data)|};
                    {|AOS001:File.WriteAllBytes(Path.Combine(artifactsDir, "w.bin"), data)|};
                    {|AOS001:File.WriteAllBytes(ARTIFACT_FILE, data)|};
                    {|AOS001:File.WriteAllBytes(Path.Combine(options.CheckpointDirectory, "e.json"), data)|};
                    File.WriteAllBytes(outputPath, data);
                    File.WriteAllBytes(checkpointer, data);
                    File.WriteAllBytes(Path.Combine(outputPath, checkpointPath), data);
                }
            }
            """,
            Verify.Diagnostic("AOS001").WithLocation(0).WithArguments("File.WriteAllBytes", "'checkpointPath' (named like an artifact: 'checkpointPath')", "AtomicFile.WriteAllBytes"));

    [Fact]
    public Task Name_matching_can_be_turned_off_or_given_other_words()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string checkpointPath, string snapshotFile, byte[] data)
                {
                    File.WriteAllBytes(checkpointPath, data);
                    {|AOS001:File.WriteAllBytes(snapshotFile, data)|};
                }
            }
            """,
            editorConfig: """
            root = true
            [*.cs]
            agentos_sdk.artifact_path_names = snapshot
            """,
            topLevel: false,
            withSdk: true);

    [Fact]
    public Task Writes_inside_a_checkpoint_store_are_reported_whatever_the_path()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using System.Threading.Tasks;
            namespace Microsoft.Agents.AI.Workflows
            {
                public interface ICheckpointStore<T> { ValueTask Save(string runId, T value); }
                public abstract class JsonCheckpointStore : ICheckpointStore<string> { public abstract ValueTask Save(string runId, string value); }
            }
            namespace App
            {
                using Microsoft.Agents.AI.Workflows;
                sealed class FileStore(string dir) : JsonCheckpointStore
                {
                    public override ValueTask Save(string runId, string value)
                    {
                        using var s = {|#0:File.Open(Path.Combine(dir, runId), FileMode.Create)|};
                        return default;
                    }
                }
                sealed class TypedStore(string dir) : ICheckpointStore<int>
                {
                    public ValueTask Save(string runId, int value)
                    {
                        var write = () => {|#1:File.WriteAllText(Path.Combine(dir, runId), value.ToString())|};
                        write();
                        return default;
                    }

                    sealed class Nested
                    {
                        void Index(string p) => {|AOS001:File.WriteAllText(p, "[]")|};
                    }
                }
                sealed class NotAStore(string dir)
                {
                    public void Save(string runId, string value) => File.WriteAllText(Path.Combine(dir, runId), value);
                }
            }
            """,
            Verify.Diagnostic("AOS001").WithLocation(0).WithArguments("File.Open", "'Path.Combine(dir, runId)' (written by 'FileStore', which derives from 'JsonCheckpointStore')", "AtomicFile.WriteAsync"),
            Verify.Diagnostic("AOS001").WithLocation(1).WithArguments("File.WriteAllText", "'Path.Combine(dir, runId)' (written by 'TypedStore', which implements 'ICheckpointStore')", "AtomicFile.WriteAllText"));

    [Fact]
    public Task ArtifactWriter_attribute_and_option_mark_types_and_members()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using AgentOs.Sdk.IO;
            namespace App
            {
                [ArtifactWriter]
                interface IExporter { }
                sealed class CsvExporter : IExporter
                {
                    public void Export(string path) => {|AOS001:File.WriteAllText(path, "a,b")|};
                }
                sealed class Reports
                {
                    [ArtifactWriter]
                    public void Publish(string path) => {|AOS001:File.WriteAllText(path, "r")|};
                    public void Draft(string path) => File.WriteAllText(path, "d");
                    public void Named(string path) => {|AOS001:File.WriteAllText(path, "n")|};
                }
                sealed class Snapshots
                {
                    public void Save(string path) => {|AOS001:File.WriteAllText(path, "s")|};
                }
            }
            """,
            editorConfig: """
            root = true
            [*.cs]
            agentos_sdk.artifact_writers = App.Snapshots, App.Reports.Named
            """,
            topLevel: false,
            withSdk: true);

    // Option names are matched by their last part first, then in full (Paths/ArtifactWriters.cs).
    [Fact]
    public Task Artifact_writer_option_matches_full_names_of_nested_types_and_not_a_same_named_type_elsewhere()
        => Verify.VerifyAsync(
            """
            using System.IO;
            namespace App
            {
                sealed class Outer
                {
                    public sealed class Inner
                    {
                        public void Save(string path) => {|AOS001:File.WriteAllText(path, "i")|};
                    }
                }

                sealed class Snapshots
                {
                    public void Save(string path) => {|AOS001:File.WriteAllText(path, "s")|};
                }
            }

            namespace Other
            {
                sealed class Snapshots
                {
                    public void Save(string path) => File.WriteAllText(path, "o");
                }

                sealed class Inner
                {
                    public void Save(string path) => File.WriteAllText(path, "o");
                }
            }
            """,
            editorConfig: """
            root = true
            [*.cs]
            agentos_sdk.artifact_writers = App.Snapshots, App.Outer.Inner
            """,
            topLevel: false,
            withSdk: true);

    [Fact]
    public Task ArtifactPath_is_followed_through_path_building_helpers()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using AgentOs.Sdk.IO;
            class Outputs
            {
                [ArtifactPath] public string Root { get; } = "";
                private string Under(string name) => Path.Combine(Root, name);
                private string Report(string kind) { return Under(kind + ".json"); }
                private static string Join(string folder, string name) => Path.Combine(folder, name);
                private string NotMarked(string name) => Path.Combine("/tmp", name);
                public virtual string Virtual(string name) => Path.Combine(Root, name);

                void M(string json)
                {
                    {|AOS001:File.WriteAllText(Under("a.json"), json)|};
                    {|AOS001:File.WriteAllText(Report("b"), json)|};
                    {|AOS001:File.WriteAllText(Join(Root, "c.json"), json)|};
                    File.WriteAllText(Join("/tmp", "d.json"), json);
                    File.WriteAllText(NotMarked("e.json"), json);
                    File.WriteAllText(Virtual("f.json"), json);
                }
            }
            """);

    [Fact]
    public Task StreamWriter_that_appends_or_may_append_is_not_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(bool append, Stream stream)
                {
                    using var a = new StreamWriter("artifacts/a.txt", append: true);
                    using var b = new StreamWriter("artifacts/b.txt", append);
                    using var c = new StreamWriter(stream);
                    using var d = new StreamWriter("artifacts/d.txt", new FileStreamOptions { Access = FileAccess.Write });
                }
            }
            """);

    [Fact]
    public Task A_local_written_twice_is_not_followed()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                string Other() => "x";
                void Change(ref string s) { }
                void M()
                {
                    var a = "artifacts/a.json";
                    a = Other();
                    File.WriteAllText(a, "x");

                    var b = "artifacts/b.json";
                    Change(ref b);
                    File.WriteAllText(b, "x");

                    var c = "artifacts/c.json";
                    (c, _) = (Other(), 1);
                    File.WriteAllText(c, "x");
                }
            }
            """);

    [Fact]
    public Task Mutable_fields_and_readonly_fields_assigned_twice_are_not_followed()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                private string _mutable = "artifacts/a.json";
                private readonly string _twice = "artifacts/b.json";
                public C(string other) { _twice = other; }
                void M()
                {
                    File.WriteAllText(_mutable, "x");
                    File.WriteAllText(_twice, "x");
                }
            }
            """);

    // The writes of a field are found by searching its type's text for the name (Internal/WriteScanner.cs): a write
    // spelled with a Unicode escape or as a verbatim name still counts; the name in a comment or a string does not.
    [Fact]
    public Task Readonly_field_written_under_an_escaped_or_verbatim_name_is_not_followed_and_text_mentions_are_not_writes()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class Escaped
            {
                private readonly string _root = "artifacts";
                public Escaped(string other) { _r\u006Fot = other; }
                void M(string json) => File.WriteAllText(Path.Combine(_root, "a.json"), json);
            }

            class Verbatim
            {
                private readonly string _root = "artifacts";
                public Verbatim(string other) { @_root = other; }
                void M(string json) => File.WriteAllText(Path.Combine(_root, "a.json"), json);
            }

            class MentionedOnly
            {
                // _root = "elsewhere" in a comment is not a write, nor is it in a string:
                private readonly string _root = "artifacts";
                private readonly string _note = "_root = other";
                void M(string json) => {|AOS001:File.WriteAllText(Path.Combine(_root, _note.Length + ".json"), json)|};
            }
            """);

    [Fact]
    public Task Option_none_turns_path_matching_off_but_keeps_ArtifactPath()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using AgentOs.Sdk.IO;
            class C
            {
                void M([ArtifactPath] string marked)
                {
                    File.WriteAllText("artifacts/report.json", "x");
                    {|AOS001:File.WriteAllText(marked, "x")|};
                }
            }
            """,
            editorConfig: """
            root = true
            [*.cs]
            agentos_sdk.artifact_paths = none
            """,
            topLevel: false,
            withSdk: true);

    [Fact]
    public Task Option_applies_per_folder_so_other_folders_keep_the_defaults()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M() => File.WriteAllText("artifacts/report.json", "x");
            }
            """,
            editorConfig: """
            root = true
            [/other/**.cs]
            agentos_sdk.artifact_paths = none
            [/0/**.cs]
            agentos_sdk.artifact_paths = **/published/**
            """,
            topLevel: false,
            withSdk: true);

    [Fact]
    public Task A_project_without_AgentOs_Sdk_is_not_analyzed()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M() => File.WriteAllText("artifacts/report.json", "x");
            }
            """,
            editorConfig: null,
            topLevel: false,
            withSdk: false);

    [Fact]
    public Task Generated_code_is_skipped()
        => Verify.VerifyAsync(
            """
            // <auto-generated/>
            using System.IO;
            class C
            {
                void M(string json) => File.WriteAllText("artifacts/report.json", json);
            }
            """);

    // AOS001 asks the driver to report in generated code and drops such reports itself (Internal/GeneratedCodeSpans.cs):
    // these tests pin that it drops exactly what the driver drops for a rule that does not report in generated code.
    [Fact]
    public Task GeneratedCode_attribute_on_the_type_a_nested_type_or_the_member_hides_the_write()
        => Verify.VerifyAsync(
            """
            using System.CodeDom.Compiler;
            using System.IO;
            [GeneratedCode("tool", "1.0")]
            class Generated
            {
                void M(string json) => File.WriteAllText("artifacts/a.json", json);

                class Nested
                {
                    void N(string json) => File.WriteAllText("artifacts/b.json", json);
                }
            }

            class Written
            {
                [GeneratedCodeAttribute("tool", "1.0")]
                void M(string json) => File.WriteAllText("artifacts/c.json", json);

                [GeneratedCode("tool", "1.0")]
                private readonly FileStream _stream = new FileStream("artifacts/d.bin", FileMode.Create);

                string P
                {
                    [GeneratedCode("tool", "1.0")]
                    get { File.WriteAllText("artifacts/e.json", "{}"); return ""; }
                }

                void N(string json) => {|AOS001:File.WriteAllText("artifacts/f.json", json)|};
            }

            """);

    [Fact]
    public Task GeneratedCode_attribute_spelled_with_a_Unicode_escape_hides_the_write()
        => Verify.VerifyAsync(
            """
            using System.CodeDom.Compiler;
            using System.IO;
            [Generated\u0043ode("tool", "1.0")]
            class Escaped
            {
                void M(string json) => File.WriteAllText("artifacts/a.json", json);
            }

            class Plain
            {
                void M(string json) => {|AOS001:File.WriteAllText("artifacts/b.json", json)|};
            }
            """);

    [Fact]
    public Task GeneratedCode_named_but_not_applied_does_not_hide_the_write()
        => Verify.VerifyAsync(
            """
            using System.IO;

            namespace Mine
            {
                // Named like the framework's attribute, but another type: not generated code.
                [System.AttributeUsage(System.AttributeTargets.All)]
                class GeneratedCodeAttribute : System.Attribute { }
            }

            [Mine.GeneratedCode]
            class C
            {
                // GeneratedCode in a comment.
                void M(string json) => {|AOS001:File.WriteAllText("artifacts/a.json", json)|};

                // The driver looks at types and members, not at a local function inside a body.
                void N(string json)
                {
                    [System.CodeDom.Compiler.GeneratedCode("tool", "1.0")]
                    void Local(string text) => {|AOS001:File.WriteAllText("artifacts/b.json", text)|};

                    Local(json);
                }
            }

            // The attribute on one part of a partial type does not make the type generated.
            [System.CodeDom.Compiler.GeneratedCode("tool", "1.0")]
            partial class P
            {
                void M(string json) => {|AOS001:File.WriteAllText("artifacts/c.json", json)|};
            }

            partial class P
            {
            }
            """);

    [Fact]
    public Task Line_hidden_region_hides_the_write_and_line_default_ends_it()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string json)
                {
            #line hidden
                    File.WriteAllText("artifacts/a.json", json);
            #line default
                    {|AOS001:File.WriteAllText("artifacts/b.json", json)|};
                }
            }
            """);

    [Fact]
    public Task Named_Path_Combine_arguments_are_joined_in_parameter_order()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(string json) => {|#0:File.WriteAllText(Path.Combine(path2: "report.json", path1: "artifacts"), json)|};
            }
            """,
            Verify.Diagnostic("AOS001").WithLocation(0).WithArguments(
                "File.WriteAllText", "'artifacts/report.json' (matches '**/artifacts/**')", "AtomicFile.WriteAllText"));

    [Fact]
    public Task Interpolation_of_a_date_is_not_assumed_free_of_separators()
        => Verify.VerifyAsync(
            """
            using System;
            using System.IO;
            class C
            {
                // A date may print as 11/25/2025, so the file name is not known to end the way *.ok needs.
                void M(DateTime when) => File.WriteAllText($"logs/{when}", "x");
            }
            """);

    [Fact]
    public Task ArtifactPath_on_an_unrelated_parameter_does_not_mark_the_path()
        => Verify.VerifyAsync(
            """
            using System.IO;
            using AgentOs.Sdk.IO;
            class C
            {
                void M([ArtifactPath] string artifact, string scratch)
                {
                    File.WriteAllText(scratch, artifact);
                    _ = File.ReadAllText(artifact);
                }
            }
            """);

    [Fact]
    public Task Conditional_with_one_non_artifact_branch_is_not_reported()
        => Verify.VerifyAsync(
            """
            using System.IO;
            class C
            {
                void M(bool keep) => File.WriteAllText(keep ? "artifacts/keep.json" : "tmp/scratch.json", "x");
            }
            """);

    [Fact]
    public Task FileInfo_with_an_unknown_path_and_method_groups_are_not_reported()
        => Verify.VerifyAsync(
            """
            using System;
            using System.IO;
            class C
            {
                void M(FileInfo info)
                {
                    using var a = info.Create();
                    Action<string, string> write = File.WriteAllText;
                    write("artifacts/x.json", "");
                }
            }
            """);
}
