using System.Runtime.CompilerServices;

// The tests force each GEMM micro-kernel width (512/256/128) so every path is checked on any machine.
[assembly: InternalsVisibleTo("Flows.Tests")]
[assembly: InternalsVisibleTo("Flows.Bench")]
