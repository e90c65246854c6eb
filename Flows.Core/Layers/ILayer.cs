namespace Flows.Core;

/// <summary>A module that maps one tensor to one tensor (what nn.Sequential chains).</summary>
public interface ILayer
{
    Tensor Forward(Tensor x);
}
