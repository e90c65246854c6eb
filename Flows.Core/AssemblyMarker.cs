namespace Flows.Core; internal static class AssemblyMarker {}
