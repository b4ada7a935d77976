/// Element types a ``Tensor`` can store. Compute happens in `float32`; the half types are storage formats
/// (weights read from checkpoints) and the integer types carry token ids, positions and indices.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32
    case float16
    case bfloat16
    case int32
    case int64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float16, .bfloat16: 2
        case .int64: 8
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .bfloat16: true
        case .int32, .int64: false
        }
    }

    public var description: String { rawValue }
}

/// Swift scalar types that map one-to-one onto a ``DType``.
public protocol TensorScalar: Sendable {
    static var dtype: DType { get }
}

extension Float: TensorScalar { public static var dtype: DType { .float32 } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 } }
