/// Reads a model's parameters from a ``WeightSource`` under a name prefix and checks each one's shape
/// against what the model's configuration implies, so that a model never runs on weights it does not fit.
public struct WeightLoader: Sendable {
    enum Backing: Sendable {
        case source(any WeightSource)
        /// Every requested tensor exists and is filled with reproducible pseudo-random values (benchmarks).
        case random(seed: UInt64, dtype: DType, scale: Float)
    }

    let backing: Backing
    public let prefix: String

    public init(source: any WeightSource, prefix: String = "") {
        self.init(backing: .source(source), prefix: prefix)
    }

    init(backing: Backing, prefix: String) {
        self.backing = backing
        self.prefix = prefix
    }

    /// A loader that makes up every tensor it is asked for: uniform values of standard deviation `scale`,
    /// stored as `dtype`, the same for the same seed and name. For benchmarks of full-size shapes without files.
    public static func random(seed: UInt64 = 0, dtype: DType = .float32, scale: Float = 0.02) -> WeightLoader {
        WeightLoader(backing: .random(seed: seed, dtype: dtype, scale: scale), prefix: "")
    }

    /// Where the weights come from, for error messages.
    public var path: String {
        switch backing {
        case let .source(s): s.path
        case .random: "<random weights>"
        }
    }

    /// A loader whose names are relative to `component` (joined with a dot).
    public func scoped(_ component: String) -> WeightLoader {
        WeightLoader(backing: backing, prefix: qualified(component))
    }

    /// The full checkpoint name of `name` under this loader's prefix.
    public func qualified(_ name: String) -> String {
        prefix.isEmpty ? name : name.isEmpty ? prefix : prefix + "." + name
    }

    public func contains(_ name: String) -> Bool {
        switch backing {
        case let .source(s): s.contains(qualified(name))
        case .random: true
        }
    }

    /// The tensor `name`, which must have `shape` and a floating-point or integer dtype we store.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        switch backing {
        case let .source(s):
            return try s.tensor(qualified(name), expectedShape: shape)
        case let .random(seed, dtype, scale):
            return Self.randomTensor(shape: shape, seed: seed ^ Self.hash(qualified(name)), scale: scale).converted(to: dtype)
        }
    }

    /// FNV-1a, so each name gets its own stream.
    static func hash(_ name: String) -> UInt64 {
        name.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    static func randomTensor(shape: [Int], seed: UInt64, scale: Float) -> Tensor {
        var t = Tensor(uninitialized: shape)
        var state = seed | 1
        let amplitude = scale * Float(3).squareRoot()  // uniform on [-a, a] has standard deviation a/√3
        t.withUnsafeMutableBufferPointer(as: Float.self) { p in
            for i in p.indices {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17  // xorshift64
                p[i] = (Float(state >> 40) / Float(1 << 24) * 2 - 1) * amplitude
            }
        }
        return t
    }

    /// As ``tensor(_:shape:)``, or nil when the checkpoint does not have it.
    public func optionalTensor(_ name: String, shape: [Int]) throws -> Tensor? {
        contains(name) ? try tensor(name, shape: shape) : nil
    }

    /// A float32 copy of the tensor (norm parameters, embeddings and biases are used in float32).
    public func float32(_ name: String, shape: [Int]) throws -> Tensor {
        try tensor(name, shape: shape).converted(to: .float32)
    }

    /// `name.weight` [out, in] (kept in its stored dtype) and, when `bias`, `name.bias` [out].
    public func linear(_ name: String, inputs: Int, outputs: Int, bias: Bool = true) throws -> Linear {
        let scope = scoped(name)
        return Linear(
            weight: try scope.tensor("weight", shape: [outputs, inputs]),
            bias: bias ? try scope.float32("bias", shape: [outputs]) : nil)
    }

    /// `name.weight` and `name.bias`, both [dimension].
    public func layerNorm(_ name: String, dimension: Int, eps: Float) throws -> LayerNorm {
        let scope = scoped(name)
        return LayerNorm(
            weight: try scope.float32("weight", shape: [dimension]),
            bias: try scope.float32("bias", shape: [dimension]),
            eps: eps)
    }
}
