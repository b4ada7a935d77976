/// Activation functions named as Hugging Face configs name them (`hidden_act`, `activation_function`).
public enum Activation: String, Sendable, CaseIterable {
    /// Exact GELU, x·Φ(x) with the error function (`"gelu"`).
    case gelu
    /// GELU with the tanh approximation (`"gelu_new"`, `"gelu_pytorch_tanh"`, `"gelu_fast"`).
    case geluTanh = "gelu_pytorch_tanh"
    /// x·σ(1.702x), as trained in the original CLIP (`"quick_gelu"`).
    case quickGELU = "quick_gelu"
    /// x·σ(x) (`"silu"`, `"swish"`).
    case silu
    case relu
    case tanh

    /// Parses a config value, accepting the aliases transformers accepts for the same function.
    public init(configValue: String) throws {
        switch configValue {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_accurate": self = .geluTanh
        case "quick_gelu": self = .quickGELU
        case "silu", "swish": self = .silu
        case "relu": self = .relu
        case "tanh": self = .tanh
        default:
            throw GenCoreError.invalidArgument(
                "unsupported activation '\(configValue)' (supported: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu, silu, swish, relu, tanh)")
        }
    }

    /// Applies the function element-wise.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: GenCore.gelu(x, approximate: .none)
        case .geluTanh: GenCore.gelu(x, approximate: .tanh)
        case .quickGELU: GenCore.quickGELU(x)
        case .silu: GenCore.silu(x)
        case .relu: GenCore.relu(x)
        case .tanh: GenCore.tanh(x)
        }
    }
}
