#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NumPy's double-precision helpers as diffusers uses them to place timesteps and sigmas, reproduced operation by
/// operation so that timesteps come out identical.
enum ScheduleMath {
    /// `np.linspace(start, stop, count)` (endpoint included).
    static func linspace(_ start: Double, _ stop: Double, _ count: Int, endpoint: Bool = true) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let div = Double(endpoint ? count - 1 : count)
        let step = (stop - start) / div
        var values = (0..<count).map { Double($0) * step + start }
        if endpoint { values[count - 1] = stop }
        return values
    }

    /// `np.arange(start, stop, step)` for a floating step.
    static func arange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
        let length = Int(max(((stop - start) / step).rounded(.up), 0))
        guard length > 1 else { return length == 1 ? [start] : [] }
        // NumPy derives the increment from the first two elements and fills start + i * delta.
        let delta = (start + step) - start
        return (0..<length).map { $0 == 0 ? start : start + Double($0) * delta }
    }

    /// `np.round` (half to even).
    static func round(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

    /// `np.interp(x, arange(len(fp)), fp)`.
    static func interp(_ x: Double, _ fp: [Double]) -> Double {
        let last = fp.count - 1
        if x >= Double(last) { return fp[last] }
        if x <= 0 { return fp[0] }
        let j = Int(x.rounded(.down))
        if Double(j) == x { return fp[j] }
        let slope = (fp[j + 1] - fp[j]) / 1.0
        return slope * (x - Double(j)) + fp[j]
    }

    /// diffusers' `_sigma_to_t`: the fractional training timestep whose log-sigma matches, by linear interpolation
    /// in log-sigma. `logSigmas` are float32 (NumPy keeps the float32 table's type).
    static func sigmaToT(_ sigma: Double, logSigmas: [Float]) -> Double {
        let logSigma = log(max(sigma, 1e-10))
        // Index of the last table entry whose log-sigma is <= logSigma, clipped to leave room for high = low + 1.
        var count = 0
        var lowIndex = 0, best = -1
        for (i, value) in logSigmas.enumerated() {
            if logSigma - Double(value) >= 0 { count += 1 }
            if count > best { best = count; lowIndex = i }
        }
        lowIndex = min(lowIndex, logSigmas.count - 2)
        let low = logSigmas[lowIndex], high = logSigmas[lowIndex + 1]
        var w = (Double(low) - logSigma) / Double(low - high)
        w = min(max(w, 0), 1)
        return (1 - w) * Double(lowIndex) + w * Double(lowIndex + 1)
    }

    /// diffusers' `_convert_to_karras` (rho = 7).
    static func karrasSigmas(sigmaMin: Double, sigmaMax: Double, count: Int) -> [Double] {
        let rho = 7.0
        let minInvRho = pow(sigmaMin, 1 / rho), maxInvRho = pow(sigmaMax, 1 / rho)
        return linspace(0, 1, count).map { pow(maxInvRho + $0 * (minInvRho - maxInvRho), rho) }
    }
}

extension ScheduleMath {
    /// NumPy's float32 `np.log` as its AVX2/AVX-512 kernels compute it (a P5/Q5 rational approximation after
    /// splitting off the exponent, with fused multiply-adds), which differs from a correctly rounded log in the
    /// last bit for about a fifth of inputs. diffusers takes the log of its float32 sigma table with it, and those
    /// last bits decide Karras timesteps exactly. Valid for positive normal inputs, which sigma tables are.
    static func numpyFloatLog(_ x: Float) -> Float {
        let p: [Float] = [0, 9.999999999999998702752e-01, 2.112677543073053063722e+00, 1.480000633576506585156e+00,
                          3.808837741388407920751e-01, 2.589979117907922693523e-02]
        let q: [Float] = [1, 2.612677543073109236779e+00, 2.453006071784736363091e+00, 9.864942958519418960339e-01,
                          1.546476374983906719538e-01, 5.875095403124574342950e-03]
        let bits = x.bitPattern
        var exponent = Float(Int32(bitPattern: bits >> 23) - 126)
        var m = Float(bitPattern: (bits & 0x7f_ffff) | (126 << 23))
        if m <= Float(0.707106781186547524400844362104849039) {
            m = m + m
            exponent = exponent - 1
        }
        let y = m - 1
        var numerator = p[4].addingProduct(p[5], y), denominator = q[4].addingProduct(q[5], y)
        for k in stride(from: 3, through: 0, by: -1) {
            numerator = p[k].addingProduct(numerator, y)
            denominator = q[k].addingProduct(denominator, y)
        }
        return (numerator / denominator).addingProduct(exponent, Float(0.693147180559945309417232121458176568))
    }
}
