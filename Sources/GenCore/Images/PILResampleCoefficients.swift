/// The fixed-point convolution weights for resampling one axis, computed exactly as Pillow does for 8-bit images.
///
/// For each output sample Pillow centres the kernel at `(i + 0.5) * scale` in source coordinates, widens it by the
/// shrink factor (antialiasing; never narrower than at scale 1), rounds its extent to whole source pixels, evaluates
/// the kernel in double precision, normalises the weights to sum to one and finally rounds each weight to a signed
/// integer with 22 fractional bits (round half away from zero). The rounding at each of these steps decides which
/// output byte we get, so every one of them is reproduced here, including C's truncating casts.
struct PILResampleCoefficients: Sendable {
    /// Fractional bits of the fixed-point weights: 32 bits minus 8 for the pixel and 2 headroom bits.
    static let precisionBits: Int32 = 22
    /// Number of weights stored per output sample: a multiple of the SIMD width so loads never need a tail loop.
    let stride: Int
    /// First source index read by each output sample.
    let start: [Int]
    /// Number of source samples each output sample reads (after clamping to the image).
    let count: [Int]
    /// `count` rounded up to the SIMD width; weights past `count` are zero.
    let paddedCount: [Int]
    /// `outSize × stride` weights, zero-padded.
    let weights: [Int32]
    /// The same weights split as `high · 2¹¹ + low` (`low` in 0..<2048), both fitting `Int16`: a byte times either
    /// half fits the 16×16→32-bit multiply-add SIMD units have (x86 `pmaddwd`), and recombining the two sums is
    /// exact because it is plain integer arithmetic.
    let weightsHigh: [Int16]
    let weightsLow: [Int16]
    static let splitBits: Int32 = 11

    static let simdWidth = 8

    init(inSize: Int, outSize: Int, filter: PILResampling) {
        // Pillow passes the source box as C floats; for the whole image it is (0, inSize).
        let scale = Double(Float(inSize)) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let maxTaps = Int(support.rounded(.up)) * 2 + 1
        let stride = (maxTaps + Self.simdWidth - 1) / Self.simdWidth * Self.simdWidth
        let inverseFilterScale = 1.0 / filterScale
        let one = Double(1 << Self.precisionBits)

        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var paddedCount = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * stride)
        var raw = [Double](repeating: 0, count: maxTaps)
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            // C's (int) cast truncates toward zero; the clamp makes negative values harmless.
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inSize)
            let n = max(hi - lo, 0)
            var total = 0.0
            for t in 0..<n {
                let w = filter.weight((Double(t + lo) - center + 0.5) * inverseFilterScale)
                raw[t] = w
                total += w
            }
            for t in 0..<n {
                let w = total != 0 ? raw[t] / total : raw[t]
                let fixed = w < 0 ? -0.5 + w * one : 0.5 + w * one
                // Normalised weights stay below 2 (2²³ in fixed point); the clamp only guards against a degenerate
                // kernel sum near zero, keeping the conversion defined and the 16-bit split below representable.
                let limit = Double((1 << 26) - 1)
                weights[i * stride + t] = Int32(min(max(fixed, -limit), limit))
            }
            start[i] = lo
            count[i] = n
            paddedCount[i] = (n + Self.simdWidth - 1) / Self.simdWidth * Self.simdWidth
        }
        self.stride = stride
        self.start = start
        self.count = count
        self.paddedCount = paddedCount
        self.weights = weights
        // |weight| < 2²⁶ after the clamp above, so the high part fits Int16.
        self.weightsHigh = weights.map { Int16(truncatingIfNeeded: $0 >> Self.splitBits) }
        self.weightsLow = weights.map { Int16(truncatingIfNeeded: $0 & ((1 << Self.splitBits) - 1)) }
    }

    /// Converts an accumulated fixed-point sum (which already includes the rounding half) to a byte, clamping like
    /// Pillow's lookup table.
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let v = sum >> precisionBits
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
    }

    /// The rounding half that Pillow adds before shifting.
    static let roundingHalf: Int32 = 1 << (precisionBits - 1)
}
