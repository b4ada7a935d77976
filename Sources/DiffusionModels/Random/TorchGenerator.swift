#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GenCore

/// A seeded random generator that reproduces PyTorch's CPU generator bit for bit:
/// `TorchGenerator(seed: s)` followed by ``randn(_:)`` / ``rand(_:)`` yields exactly the float32 values of
/// `g = torch.Generator().manual_seed(s)` followed by `torch.randn(shape, generator=g)` / `torch.rand(...)`,
/// including across several calls on the same generator.
///
/// The reproduced algorithm (PyTorch 2.15, x86-64 with AVX2, the kernel PyTorch selects on such machines):
/// - a 32-bit Mersenne Twister seeded with the low 32 bits of the seed;
/// - float uniforms from the low 24 bits of one 32-bit draw, double uniforms from the low 53 bits of two draws
///   (first draw high);
/// - `randn` of 16 or more elements: fill the whole tensor with float uniforms, then Box-Muller over blocks of 16
///   (element `j` and `j + 8` pair up: `1 - u[j]` feeds the log, `u[j + 8]` the angle); a tail of fewer than 16 is
///   handled by drawing 16 fresh uniforms into the last 16 elements and transforming those again;
/// - `randn` of fewer than 16 elements: double-precision Box-Muller, one normal per element, the sine half of each
///   pair kept in the generator and returned by the next scalar draw (``manualSeed(_:)`` clears it).
///
/// A value type: copying a generator forks its stream. Pass it `inout` to APIs that draw from it.
public struct TorchGenerator: Sendable {
    private var engine: MersenneTwister19937
    /// The cached second normal of the scalar Box-Muller path.
    private var nextNormal: Double?
    /// The seed last set.
    public private(set) var initialSeed: UInt64

    /// A generator in the state `torch.Generator().manual_seed(seed)` leaves it in.
    public init(seed: UInt64) {
        engine = MersenneTwister19937(seed: seed)
        nextNormal = nil
        initialSeed = seed
    }

    /// A generator seeded with a possibly negative Python integer, which PyTorch reinterprets as unsigned 64-bit.
    public init(seed: Int) {
        self.init(seed: UInt64(bitPattern: Int64(seed)))
    }

    /// Reseeds in place, as `Generator.manual_seed(seed)` does (also forgetting a cached normal).
    public mutating func manualSeed(_ seed: UInt64) {
        self = TorchGenerator(seed: seed)
    }

    // MARK: Raw draws

    /// The next raw 32-bit output (`Generator.random()` in ATen).
    public mutating func nextUInt32() -> UInt32 { engine.next() }

    /// The next raw 64-bit output: two 32-bit draws, the first in the high half.
    public mutating func nextUInt64() -> UInt64 {
        let high = UInt64(engine.next())
        return high << 32 | UInt64(engine.next())
    }

    /// A float uniform in [0, 1) from 24 random bits.
    public mutating func nextUniformFloat() -> Float {
        Float(nextUInt32() & 0xff_ffff) * 0x1p-24
    }

    /// A double uniform in [0, 1) from 53 random bits.
    public mutating func nextUniformDouble() -> Double {
        Double(nextUInt64() & 0x1f_ffff_ffff_ffff) * 0x1p-53
    }

    // MARK: Tensors

    /// `torch.rand(shape, generator=g)`: float32 uniforms in [0, 1).
    public mutating func rand(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, values: uniformFloats(count: shape.reduce(1, *)))
    }

    /// `torch.randn(shape, generator=g)`: float32 standard normals.
    public mutating func randn(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, values: normalFloats(count: shape.reduce(1, *)))
    }

    /// The values of `torch.rand(count, generator=g)`.
    public mutating func uniformFloats(count: Int) -> [Float] {
        (0..<max(count, 0)).map { _ in nextUniformFloat() }
    }

    /// The values of `torch.randn(count, generator=g)` (or of any contiguous float32 shape with `count` elements).
    public mutating func normalFloats(count: Int) -> [Float] {
        guard count >= 16 else { return (0..<max(count, 0)).map { _ in Float(nextScalarNormal()) } }
        var data = uniformFloats(count: count)
        data.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            while start + 16 <= count {
                Self.boxMuller16(base + start)
                start += 16
            }
            if count % 16 != 0 {
                let tail = base + (count - 16)
                for j in 0..<16 { tail[j] = nextUniformFloat() }
                Self.boxMuller16(tail)
            }
        }
        return data
    }

    /// One normal from the scalar (double precision) path, using and refilling the cached pair partner.
    private mutating func nextScalarNormal() -> Double {
        if let cached = nextNormal {
            nextNormal = nil
            return cached
        }
        let u1 = nextUniformDouble()
        let u2 = nextUniformDouble()
        let radius = (-2.0 * log1p(-u2)).squareRoot()
        let theta = 2.0 * Double.pi * u1
        nextNormal = radius * sin(theta)
        return radius * cos(theta)
    }

    /// Box-Muller in place over 16 uniforms: pairs (j, j + 8) become two normals.
    private static func boxMuller16(_ data: UnsafeMutablePointer<Float>) {
        let twoPi = Float(2.0 * Double.pi)
        for j in 0..<8 {
            let u1 = 1 - data[j]
            let radius = (-2 * BoxMullerFloatMath.log(u1)).squareRoot()
            let (s, c) = BoxMullerFloatMath.sincos(twoPi * data[j + 8])
            data[j] = radius * c
            data[j + 8] = radius * s
        }
    }
}
