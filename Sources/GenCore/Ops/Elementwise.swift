import CGenKernels

// Element-wise float32 arithmetic with NumPy/PyTorch broadcasting. Results are new contiguous tensors.

extension Tensor {
    /// Element-wise sum with broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(GK_BINARY_ADD, lhs, rhs) }
    /// Element-wise difference with broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(GK_BINARY_SUB, lhs, rhs) }
    /// Element-wise product with broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(GK_BINARY_MUL, lhs, rhs) }
    /// Element-wise quotient with broadcasting (IEEE division, as torch).
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(GK_BINARY_DIV, lhs, rhs) }

    /// Adds a scalar to every element.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { applyBinary(GK_BINARY_ADD, lhs, scalarTensor(rhs)) }
    /// Adds a scalar to every element.
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { applyBinary(GK_BINARY_ADD, scalarTensor(lhs), rhs) }
    /// Subtracts a scalar from every element.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { applyBinary(GK_BINARY_SUB, lhs, scalarTensor(rhs)) }
    /// Subtracts every element from a scalar.
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { applyBinary(GK_BINARY_SUB, scalarTensor(lhs), rhs) }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { applyBinary(GK_BINARY_MUL, lhs, scalarTensor(rhs)) }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { applyBinary(GK_BINARY_MUL, scalarTensor(lhs), rhs) }
    /// Divides every element by a scalar (true division, not multiplication by the reciprocal).
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { applyBinary(GK_BINARY_DIV, lhs, scalarTensor(rhs)) }
    /// Divides a scalar by every element.
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { applyBinary(GK_BINARY_DIV, scalarTensor(lhs), rhs) }

    /// Element-wise negation.
    public static prefix func - (x: Tensor) -> Tensor { neg(x) }

    /// Every element multiplied by `factor`.
    public func scaled(by factor: Float) -> Tensor { self * factor }
}

/// e^x element-wise (about 1 ulp).
public func exp(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_EXP, x) }
/// Hyperbolic tangent element-wise.
public func tanh(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_TANH, x) }
/// Square root element-wise (NaN for negative elements).
public func sqrt(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_SQRT, x) }
/// 1 / √x element-wise, computed with a true division (not a hardware estimate).
public func rsqrt(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_RSQRT, x) }
/// -x element-wise.
public func neg(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_NEG, x) }
/// 1 / (1 + e^-x) element-wise.
public func sigmoid(_ x: Tensor) -> Tensor { applyUnary(GK_UNARY_SIGMOID, x) }

private func scalarTensor(_ value: Float) -> Tensor { Tensor(shape: [], values: [value]) }

/// Runs a float32 unary kernel over a contiguous copy of `x` (or `x` itself when already contiguous).
func applyUnary(_ op: gk_unary_op, _ x: Tensor) -> Tensor {
    let src = x.contiguous()
    let out = Tensor(uninitialized: x.shape)
    withExtendedLifetime(src) { gk_unary_f32(op, src.floatBase, out.mutableFloatBase, src.count) }
    return out
}

/// Broadcasts `a` and `b` to a common shape, merges axes the two layouts walk together, and runs the C kernel.
func applyBinary(_ op: gk_binary_op, _ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.dtype == .float32 && b.dtype == .float32, "element-wise arithmetic needs float32, got \(a.dtype), \(b.dtype)")
    let shape = broadcastShape(a.shape, b.shape)
    let out = Tensor(uninitialized: shape)
    if out.count == 0 { return out }
    var ea = a.expanded(to: shape), eb = b.expanded(to: shape)
    var layout = mergedAxes(shape: shape, ea.strides, eb.strides)
    if layout.shape.count > Int(GK_BINARY_MAX_RANK) {
        ea = ea.contiguous()
        eb = eb.contiguous()
        layout = (shape: [out.count], a: [1], b: [1])
    }
    withExtendedLifetime((ea, eb)) {
        gk_binary_f32(op, Int32(layout.shape.count), layout.shape, ea.floatBase, layout.a, eb.floatBase, layout.b,
                      out.mutableFloatBase)
    }
    return out
}

/// Drops size-1 axes and fuses neighbouring axes that both operands step through as one run, so that
/// for example [B, T, C] + [C] becomes rows of C over a contiguous and a broadcast operand.
private func mergedAxes(shape: [Int], _ sa: [Int], _ sb: [Int]) -> (shape: [Int], a: [Int], b: [Int]) {
    var dims: [Int] = [], stA: [Int] = [], stB: [Int] = []
    for axis in shape.indices.reversed() where shape[axis] != 1 {
        // dims[0] is the outermost run merged so far; this axis joins it when both operands continue it.
        if !dims.isEmpty, sa[axis] == stA[0] * dims[0], sb[axis] == stB[0] * dims[0] {
            dims[0] *= shape[axis]
        } else {
            dims.insert(shape[axis], at: 0)
            stA.insert(sa[axis], at: 0)
            stB.insert(sb[axis], at: 0)
        }
    }
    if dims.isEmpty { return ([1], [0], [0]) }
    return (dims, stA, stB)
}
