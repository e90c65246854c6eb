namespace Flows.Kernels.Devices;

/// <summary>
/// The requested compute device cannot be used here. The message names the problem and the fix in one line
/// (for example "no CUDA device found (...); use --device cpu or install the NVIDIA driver"), so the command
/// line can print it as it is and exit non-zero.
/// </summary>
public sealed class DeviceUnavailableException : Exception
{
    public DeviceUnavailableException(string message) : base(message) { }

    public DeviceUnavailableException(string message, Exception inner) : base(message, inner) { }
}
