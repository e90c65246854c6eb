using System.Runtime.CompilerServices;

// The tests set the pixel chunk size of ImageDataset and the memory figure of the loaders (Data/) on tiny inputs.
[assembly: InternalsVisibleTo("Flows.Tests")]
