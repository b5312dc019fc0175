using AgentOs.Sdk.Analyzers.Paths;

namespace AgentOs.Sdk.Analyzers.Tests.Paths;

/// <summary>The glob matcher on plain paths, and on paths with holes (parts the analyzer cannot work out).</summary>
public sealed class GlobPatternTests
{
    private static readonly PathText AnyHole = PathText.Hole(PathPartKind.AnyHole, "x");
    private static readonly PathText SegmentHole = PathText.Hole(PathPartKind.SegmentHole, "n");

    [Theory]
    [InlineData("**/artifacts/**", "artifacts/report.json", true)]
    [InlineData("**/artifacts/**", "/srv/run/artifacts/a/b.json", true)]
    [InlineData("**/artifacts/**", "C:\\runs\\artifacts\\r.json", true)]
    [InlineData("**/artifacts/**", "myartifacts/report.json", false)]
    [InlineData("**/artifacts/**", "artifacts", false)]
    [InlineData("**/artifacts/**", "Artifacts/report.json", false)]
    [InlineData("*.ok", "out/run/report.json.ok", true)]
    [InlineData("*.ok", "report.okay", false)]
    [InlineData("**/reports/*.{csv,json}", "x/reports/daily.csv", true)]
    [InlineData("**/reports/*.{csv,json}", "x/reports/sub/daily.csv", false)]
    [InlineData("**/reports/*.{csv,json}", "x/reports/daily.txt", false)]
    [InlineData("run-[0-9].log", "logs/run-7.log", true)]
    [InlineData("run-[!0-9].log", "logs/run-7.log", false)]
    [InlineData("state/**", "state/ledger.json", true)]
    [InlineData("state/**", "app/state/ledger.json", false)]
    [InlineData("./state/*.json", "./state/a.json", true)]
    [InlineData("a/**/b", "a/b", true)]
    [InlineData("a/**/b", "a/x/y/b", true)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file12.txt", false)]
    public void Plain_paths_match_like_gitignore(string glob, string path, bool expected)
        => Assert.Equal(expected, GlobPattern.Parse(glob)!.IsMatch(path));

    [Fact]
    public void A_hole_inside_double_star_matches_whatever_it_holds()
    {
        var glob = GlobPattern.Parse("**/artifacts/**")!;
        Assert.True(glob.MatchesEveryValue(AnyHole.Concat(PathText.Literal("/artifacts/report.json"))));
        Assert.True(glob.MatchesEveryValue(PathText.Literal("artifacts/").Concat(AnyHole)));
        Assert.False(glob.MatchesEveryValue(AnyHole));
        Assert.False(glob.MatchesEveryValue(AnyHole.Concat(PathText.Literal("artifacts/x"))));
    }

    [Fact]
    public void A_star_accepts_a_segment_hole_but_not_a_hole_that_may_hold_separators()
    {
        var glob = GlobPattern.Parse("out/run-*.json")!;
        Assert.True(glob.MatchesEveryValue(PathText.Literal("out/run-").Concat(SegmentHole).Concat(PathText.Literal(".json"))));
        Assert.False(glob.MatchesEveryValue(PathText.Literal("out/run-").Concat(AnyHole).Concat(PathText.Literal(".json"))));
    }

    [Fact]
    public void File_name_globs_see_through_holes_that_may_hold_folders()
    {
        var ok = GlobPattern.Parse("*.ok")!;
        Assert.True(ok.MatchesEveryValue(AnyHole.Concat(PathText.Literal(".ok"))));
        Assert.False(ok.MatchesEveryValue(PathText.Literal("logs/").Concat(AnyHole)));
        Assert.False(ok.MatchesEveryValue(AnyHole.Concat(PathText.Literal(".ok/")).Concat(AnyHole)));
    }

    [Fact]
    public void Path_Combine_with_an_unknown_last_part_may_be_rooted_and_is_not_proven()
    {
        var globs = ArtifactPathGlobs.Default;
        var unknownName = PathValue.Combine(PathValue.Literal("artifacts"), PathValue.Unknown("name"));
        Assert.Null(globs.MatchEveryValue(unknownName));

        var unknownRoot = PathValue.Combine(PathValue.Combine(PathValue.Unknown("root"), PathValue.Literal("artifacts")), PathValue.Literal("report.json"));
        Assert.Equal("**/artifacts/**", globs.MatchEveryValue(unknownRoot)?.Text);
        Assert.Equal("{root}/artifacts/report.json", unknownRoot.Representative.ToString());

        // Join never drops its left part.
        var joined = PathValue.Join(PathValue.Literal("artifacts"), PathValue.Unknown("name"));
        Assert.Null(globs.MatchEveryValue(joined));
        Assert.NotNull(globs.MatchEveryValue(PathValue.Join(PathValue.Literal("artifacts"), PathValue.Concat(PathValue.Unknown("name"), PathValue.Literal(".json")))));
    }

    [Fact]
    public void Option_values_split_on_commas_outside_braces_and_none_turns_matching_off()
    {
        var globs = ArtifactPathGlobs.Parse(" **/a/{x,y}/** , *.ok ,, ");
        Assert.Equal(new[] { "**/a/{x,y}/**", "*.ok" }, globs.Patterns.Select(p => p.Text));
        Assert.Empty(ArtifactPathGlobs.Parse("none").Patterns);
        Assert.Null(ArtifactPathGlobs.Parse("none").MatchEveryValue(PathValue.Literal("artifacts/a.json")));
    }

    [Fact]
    public void Paths_are_normalized_separators_and_dot_segments()
    {
        Assert.Equal("out/artifacts/a.json", PathText.Literal(@".\out\.\artifacts\\a.json").ToString());
        Assert.Equal("../x", PathText.Literal("../x").ToString());
    }
}
