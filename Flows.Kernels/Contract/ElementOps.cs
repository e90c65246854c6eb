namespace Flows.Kernels;

/// <summary>Element-wise maps y = f(x). <c>alpha</c> parameterises Scale (α·x), AddScalar (x + α) and LeakyRelu (slope α).</summary>
public enum UnaryOp
{
    Copy,
    Neg,
    Exp,
    Log,
    Tanh,
    Sigmoid,
    Relu,
    LeakyRelu,
    Abs,
    Square,
    Sqrt,
    Reciprocal,
    Scale,
    AddScalar,
    /// <summary>log(1 + eˣ), computed stably for large |x|.</summary>
    Softplus,
}

/// <summary>Element-wise c = a ∘ b with broadcasting over (N, C, S).</summary>
public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
}
