import CGenKernels

/// Which GELU formula to use, as `torch.nn.functional.gelu(approximate:)` names them.
public enum GELUApproximation: String, Sendable {
    /// x/2 · (1 + erf(x/√2)) — "gelu" in Hugging Face configs.
    case none
    /// x/2 · (1 + tanh(√(2/π)(x + 0.044715x³))) — "gelu_new", "gelu_pytorch_tanh", "gelu_fast".
    case tanh
}

/// Gaussian error linear unit, element-wise, float32.
/// The erf form uses the same erf approximation as PyTorch's vectorised CPU kernel (absolute error ≤ 1.5e-7).
public func gelu(_ x: Tensor, approximate: GELUApproximation = .none) -> Tensor {
    applyUnary(approximate == .none ? GK_UNARY_GELU_ERF : GK_UNARY_GELU_TANH, x)
}

/// x · sigmoid(1.702x) — the "quick_gelu" of CLIP.
public func quickGELU(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_QUICK_GELU, x) }

/// x · sigmoid(x), also known as swish.
public func silu(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_SILU, x) }

/// silu(x) · y element-wise (with broadcasting), in one pass: the gate of a SwiGLU MLP (Llama's
/// `silu(gate_proj(x)) * up_proj(x)`). Bit for bit `silu(x) * y`, without the intermediate tensor.
public func silu(_ x: Tensor, times y: Tensor) -> Tensor { applyBinary(GK_BINARY_SILU_MUL, x, y) }

/// max(x, 0) element-wise.
public func relu(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_RELU, x) }
