using System.Globalization;
using System.Text.RegularExpressions;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// What a kernel's PTX declares: virtual registers by width (<c>.reg .f32 %f&lt;N&gt;;</c> declares N), local
/// memory (<c>.local</c> arrays: state ILGPU itself could not keep in registers) and the integer divisions and
/// remainders it contains. PTX registers are virtual and ILGPU numbers them in SSA form, so the counts are far
/// above what ptxas allocates (at most 255 physical registers, spilling the rest to local memory); ptxas is not
/// on the development machine, so physical registers and ptxas spills are owed to a GPU run. Local bytes are
/// exact. docs/PERFORMANCE.md "GPU convolution kernels v3" lists these for the GEMM kernels.
/// </summary>
public sealed partial record PtxResources(int Predicates, int Registers32, int Registers64, int LocalBytes, int IntegerDivisions)
{
    public static PtxResources Parse(string ptx)
    {
        int predicates = 0, r32 = 0, r64 = 0, local = 0;
        foreach (Match match in RegisterDeclaration().Matches(ptx))
        {
            int count = int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
            string type = match.Groups["type"].Value;
            if (type == "pred") predicates += count;
            else if (type.EndsWith("64", StringComparison.Ordinal)) r64 += count;
            else r32 += count;
        }
        foreach (Match match in LocalDeclaration().Matches(ptx))
            local += int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture) * Width(match.Groups["type"].Value);
        return new PtxResources(predicates, r32, r64, local, IntegerDivision().Count(ptx));
    }

    public override string ToString() =>
        $"registers (virtual): {Registers32} × 32-bit, {Registers64} × 64-bit, {Predicates} predicates; local memory {LocalBytes} B; " +
        $"integer div/rem {IntegerDivisions}";

    private static int Width(string type) => type switch
    {
        "b8" or "u8" or "s8" => 1,
        "b16" or "u16" or "s16" or "f16" => 2,
        _ when type.EndsWith("64", StringComparison.Ordinal) => 8,
        _ => 4,
    };

    [GeneratedRegex(@"\.reg\s+\.(?<type>\w+)\s+%\w+<(?<count>\d+)>")]
    private static partial Regex RegisterDeclaration();

    [GeneratedRegex(@"\.local\s+(?:\.align\s+\d+\s+)?\.(?<type>\w+)\s+[\w$]+\[(?<count>\d+)\]")]
    private static partial Regex LocalDeclaration();

    [GeneratedRegex(@"\b(?:div|rem)\.[su](?:32|64)\b")]
    private static partial Regex IntegerDivision();
}
