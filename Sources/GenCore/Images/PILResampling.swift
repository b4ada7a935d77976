#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pillow's resampling filters, with the integer codes `preprocessor_config.json` stores in `resample`
/// (transformers' `PILImageResampling`, which mirrors `PIL.Image.Resampling`).
public enum PILResampling: Int, Sendable, CaseIterable {
    /// Pick the source pixel under each output pixel's centre (no antialiasing).
    case nearest = 0
    /// Lanczos-3 windowed sinc (`PIL.Image.LANCZOS`, formerly `ANTIALIAS`).
    case lanczos = 1
    /// Triangle filter; widened when shrinking, so it antialiases.
    case bilinear = 2
    /// Keys cubic with a = −0.5; widened when shrinking.
    case bicubic = 3
    /// Area average.
    case box = 4
    /// Hamming-windowed sinc with support 1.
    case hamming = 5

    /// Half-width of the filter kernel in source pixels at scale 1 (Pillow scales it by the shrink factor).
    var support: Double {
        switch self {
        case .nearest: 0
        case .box: 0.5
        case .bilinear, .hamming: 1
        case .bicubic: 2
        case .lanczos: 3
        }
    }

    /// The kernel weight at distance `x`, evaluated in double precision as Pillow does.
    func weight(_ x: Double) -> Double {
        switch self {
        case .nearest:
            return 0
        case .box:
            // Half-open on the left so that adjacent boxes never both claim a sample.
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .hamming:
            let a = abs(x)
            if a == 0 { return 1 }
            if a >= 1 { return 0 }
            let t = a * Double.pi
            // Pillow writes these constants as C floats, so they carry float rounding into the double math.
            return sin(t) / t * (Double(Float(0.54)) + Double(Float(0.46)) * cos(t))
        case .bicubic:
            // Keys cubic convolution with a = -0.5.
            let a = -0.5
            let t = abs(x)
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        case .lanczos:
            // Lanczos-3: sinc windowed by a stretched sinc, truncated to [-3, 3).
            guard -3 <= x && x < 3 else { return 0 }
            return Self.sinc(x) * Self.sinc(x / 3)
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let t = x * Double.pi
        return sin(t) / t
    }
}
