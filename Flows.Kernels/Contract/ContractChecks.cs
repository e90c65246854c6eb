namespace Flows.Kernels;

/// <summary>
/// The contract's argument rules and their messages, written once. <see cref="CheckedComputeBackend"/> applies
/// them to every call before a backend computes, so the managed CPU and the ILGPU backends reject the same calls
/// with the same exception and the same words. One policy: ObjectDisposedException for a disposed backend or
/// buffer, ArgumentNullException for a missing buffer, ArgumentException for everything else; one message
/// style, "Op: what is wrong (expected X, got Y)", where Op is the contract method's name.
/// </summary>
internal static class ContractChecks
{
    /// <summary>The backend has not been disposed.</summary>
    public static void Live(CheckedComputeBackend backend, string op)
    {
        if (backend.IsDisposed)
            throw new ObjectDisposedException(null, $"{op}: the backend is disposed (expected a live backend, got one after Dispose)");
    }

    /// <summary>A count of elements, rows or channels: zero is allowed (the call then does nothing).</summary>
    public static void Count(string op, string what, int value)
    {
        if (value < 0) throw Bad(op, $"{what} must not be negative", "≥ 0", value);
    }

    /// <summary>An element index into a small device buffer (a group's sum, coefficient or flag slot).</summary>
    public static void Slot(string op, string what, int value)
    {
        if (value < 0) throw Bad(op, $"{what} must be an index (0 or more)", "≥ 0", value);
    }

    /// <summary>A tensor shape: every axis at least 1.</summary>
    public static void Shape(string op, string what, Ncs shape)
    {
        if (shape.N <= 0 || shape.C <= 0 || shape.S <= 0)
            throw Bad(op, $"every axis of {what} must be positive", "N, C, S ≥ 1", shape);
    }

    /// <summary>
    /// Every operand belongs to this backend, is alive and holds at least the elements the op reads or writes;
    /// then no output shares its buffer with another operand unless the op allows that pair (Operand.MayAlias).
    /// </summary>
    public static void Operands(CheckedComputeBackend backend, string op, params ReadOnlySpan<Operand> operands)
    {
        Live(backend, op);
        foreach (var operand in operands) Buffer(backend, op, operand);
        for (int i = 0; i < operands.Length; i++)
            for (int j = i + 1; j < operands.Length; j++)
            {
                var a = operands[i];
                var b = operands[j];
                if (a.Buffer is null || !ReferenceEquals(a.Buffer, b.Buffer) || !(a.IsOutput || b.IsOutput)) continue;
                if (a.MayAlias == b.Name || b.MayAlias == a.Name) continue;
                throw Bad(op, $"{a.Name} and {b.Name} are the same buffer", "distinct buffers", "one buffer for both");
            }
    }

    public static ArgumentException Bad(string op, string problem, object expected, object? got) =>
        new($"{op}: {problem} (expected {expected}, got {got})");

    private static void Buffer(CheckedComputeBackend backend, string op, Operand operand)
    {
        var buffer = operand.Buffer;
        if (buffer is null)
        {
            if (operand.IsOptional) return;
            throw new ArgumentNullException(operand.Name, $"{op}: {operand.Name} is missing (expected a buffer, got null)");
        }
        if (!backend.Owns(buffer))
            throw Bad(op, $"{operand.Name} belongs to another backend", "a buffer allocated by this backend", $"one of '{buffer.Backend.Name}'");
        if (buffer.IsReleased)
            throw new ObjectDisposedException(null, $"{op}: {operand.Name} is disposed (expected a live buffer, got one returned to the pool)");
        if (buffer.Length < operand.Needed)
            throw Bad(op, $"{operand.Name} is too short", $"at least {operand.Needed} elements", buffer.Length);
    }
}

/// <summary>
/// One buffer argument of a contract call: its parameter name, how many elements the op touches, whether the op
/// writes it, whether it may be null, and the one other parameter it may share a buffer with (an in-place op).
/// </summary>
internal readonly record struct Operand(string Name, DeviceBuffer? Buffer, int Needed, bool IsOutput, bool IsOptional, string? MayAlias)
{
    public static Operand In(string name, DeviceBuffer buffer, int needed) => new(name, buffer, needed, false, false, null);

    public static Operand OptionalIn(string name, DeviceBuffer? buffer, int needed) => new(name, buffer, needed, false, true, null);

    public static Operand Out(string name, DeviceBuffer buffer, int needed, string? mayAlias = null) =>
        new(name, buffer, needed, true, false, mayAlias);
}
