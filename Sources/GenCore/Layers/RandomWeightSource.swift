/// A ``WeightSource`` that makes up every tensor it is asked for, in the shape asked for: reproducible
/// pseudo-random values (uniform, standard deviation `scale`) stored as `dtype`. Benchmarks use it to run
/// full-size model shapes without files; any loader works with it because loaders ask with the expected shape.
public struct RandomWeightSource: WeightSource {
    public let seed: UInt64
    public let dtype: DType
    public let scale: Float

    public init(seed: UInt64 = 0, dtype: DType = .float32, scale: Float = 0.02) {
        self.seed = seed
        self.dtype = dtype
        self.scale = scale
    }

    public var path: String { "<random weights>" }
    public var names: [String] { [] }

    public func contains(_ name: String) -> Bool { true }

    /// Shapes are only known to the caller, so this source cannot describe a tensor by name alone.
    public func info(for name: String) throws(GenCoreError) -> SafetensorsTensorInfo {
        throw GenCoreError.missingTensor(name: name, path: path)
    }

    public func tensor(_ name: String) throws(GenCoreError) -> Tensor {
        throw GenCoreError.missingTensor(name: name, path: path)
    }

    public func tensor(_ name: String, expectedShape: [Int]) throws(GenCoreError) -> Tensor {
        // FNV-1a of the name gives each tensor its own stream.
        let nameHash = name.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        var t = Tensor(uninitialized: expectedShape)
        var state = (seed ^ nameHash) | 1
        let amplitude = scale * Float(3).squareRoot()  // uniform on [-a, a] has standard deviation a/√3
        t.withUnsafeMutableBufferPointer(as: Float.self) { p in
            for i in p.indices {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17  // xorshift64
                p[i] = (Float(state >> 40) / Float(1 << 24) * 2 - 1) * amplitude
            }
        }
        return t.converted(to: dtype)
    }
}
