namespace Flows.Kernels; internal static class AssemblyMarker {}
