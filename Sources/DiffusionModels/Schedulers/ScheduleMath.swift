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
