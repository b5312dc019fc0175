// Real shapes the analyzer does not see, kept here so recall is measured honestly.
using System.Collections.Generic;
using System.IO;

namespace Corpus.OutOfReach
{
    public static class FileUtil
    {
        // A general helper called by a checkpoint store: the write is not inside the store, and its parameter says nothing.
        public static void Save(string path, string json) => File.WriteAllText(path, json); // expect AOS001 (out of reach: the store's intent does not cross the call)
    }

    public sealed class StateFiles
    {
        private readonly Dictionary<string, string> _paths = new();

        // The path comes out of a dictionary filled elsewhere; nothing about it is known where it is written.
        public void SaveState(string json) => File.WriteAllText(_paths["state"], json); // expect AOS001 (out of reach: a dictionary lookup)
    }
}
