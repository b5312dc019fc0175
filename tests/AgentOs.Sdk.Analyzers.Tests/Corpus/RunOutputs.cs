// Run outputs of a benchmarking or evaluation tool: an output folder marked [ArtifactPath] once, and small helpers that
// build every file name under it. The marks must be followed through the helpers.
using System.IO;
using System.Xml;
using AgentOs.Sdk.IO;

namespace Corpus.Reports
{
    public sealed class RunOutputs
    {
        public RunOutputs(string outputDirectory) => OutputDirectory = outputDirectory;

        [ArtifactPath]
        public string OutputDirectory { get; }

        private string ReportPath(string name) => Path.Combine(OutputDirectory, name);

        private string ExporterPath(string exporter, string extension)
        {
            return ReportPath($"{exporter}-report.{extension}");
        }

        public void WriteSummary(string json) => File.WriteAllText(ReportPath("summary.json"), json); // expect AOS001

        public void WriteCsv(string[] rows)
        {
            using var writer = new StreamWriter(ExporterPath("csv", "csv")); // expect AOS001
            foreach (var row in rows)
            {
                writer.WriteLine(row);
            }
        }

        public void WriteJUnit()
        {
            using var xml = XmlWriter.Create(ExporterPath("junit", "xml")); // expect AOS001
            xml.WriteStartElement("testsuites");
            xml.WriteEndElement();
        }

        public void PublishModel(string trainedModel)
        {
            File.Copy(trainedModel, ReportPath("model.bin"), overwrite: true); // expect AOS001
            File.Copy(trainedModel, ReportPath("model.first.bin")); // never: without overwrite the copy fails if the file exists
        }

        public void AppendEvent(string line) => File.AppendAllText(ReportPath("events.log"), line); // never: append-only log
    }
}
