/// Single-precision logarithm and sine/cosine evaluated step by step as PyTorch's AVX2 `randn` kernel evaluates
/// them (the Cephes polynomials of `avx_mathfun`, with multiply-adds fused the way the compiled kernel fuses them),
/// so that Box-Muller normals come out bit-identical. These are not general-purpose math functions: they are exact
/// only in replicating that kernel, and are used for arguments in (0, 1] (log) and [0, 2π) (sincos).
enum BoxMullerFloatMath {
    // Cephes single-precision log coefficients.
    private static let sqrtHalf: Float = 0.707106781186547524
    private static let logP: [Float] = [
        7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
        -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1,
    ]
    private static let logQ1: Float = -2.12194440e-4
    private static let logQ2: Float = 0.693359375

    // Cephes single-precision sin/cos: π/4 split into three parts for argument reduction, and coefficients.
    private static let fourOverPi: Float = 1.27323954473516
    private static let minusDP1: Float = -0.78515625
    private static let minusDP2: Float = -2.4187564849853515625e-4
    private static let minusDP3: Float = -3.77489497744594108e-8
    private static let sinP: (Float, Float, Float) = (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1)
    private static let cosP: (Float, Float, Float) = (2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002)

    /// `a * b + c` with a single rounding. The reference kernel is written as separate multiplies and adds, but
    /// its compiler contracts them into FMA instructions; which pairs it fused was established by comparing
    /// millions of outputs bit for bit (see the generator tests), and each `madd` below stands for one of them.
    @inline(__always) private static func madd(_ a: Float, _ b: Float, _ c: Float) -> Float {
        c.addingProduct(a, b)
    }

    /// Natural logarithm of a positive float.
    static func log(_ value: Float) -> Float {
        var x = max(value, Float.leastNormalMagnitude)
        let bits = x.bitPattern
        // Unbiased exponent plus one, and the mantissa rescaled into [0.5, 1).
        var e = Float(Int32(bitPattern: bits >> 23) - 0x7f) + 1
        x = Float(bitPattern: (bits & ~0x7f80_0000) | Float(0.5).bitPattern)
        let below = x < sqrtHalf
        let shifted = below ? x : 0
        x = x - 1
        if below { e = e - 1 }
        x = x + shifted

        let z = x * x
        var y = logP[0]
        for k in 1..<logP.count { y = madd(y, x, logP[k]) }
        y = y * x
        y = madd(y, z, e * logQ1)
        y = madd(-z, 0.5, y)
        x = x + y
        return madd(e, logQ2, x)
    }

    /// Sine and cosine of `value`.
    static func sincos(_ value: Float) -> (sin: Float, cos: Float) {
        var x = abs(value)
        var sinNegative = value.sign == .minus
        var j = Int32(x * fourOverPi)
        j = (j + 1) & ~1
        let y = Float(j)
        if j & 4 != 0 { sinNegative.toggle() }
        let swapPolynomials = j & 2 != 0
        let cosNegative = (j - 2) & 4 == 0

        x = madd(y, minusDP1, x)
        x = madd(y, minusDP2, x)
        x = madd(y, minusDP3, x)

        let z = x * x
        var c = cosP.0
        c = madd(c, z, cosP.1)
        c = madd(c, z, cosP.2)
        c = c * z
        c = madd(c, z, -(z * 0.5))
        c = c + 1

        var s = sinP.0
        s = madd(s, z, sinP.1)
        s = madd(s, z, sinP.2)
        s = s * z
        s = madd(s, x, x)

        var sinValue = swapPolynomials ? c : s
        var cosValue = swapPolynomials ? s : c
        if sinNegative { sinValue = -sinValue }
        if cosNegative { cosValue = -cosValue }
        return (sinValue, cosValue)
    }
}
