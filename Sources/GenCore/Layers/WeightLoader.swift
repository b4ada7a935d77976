/// Reads a model's parameters from a ``WeightSource`` under a name prefix and checks each one's shape
/// against what the model's configuration implies, so that a model never runs on weights it does not fit.
public struct WeightLoader: Sendable {
    public let source: any WeightSource
    public let prefix: String

    public init(source: any WeightSource, prefix: String = "") {
        self.source = source
        self.prefix = prefix
    }

    /// A loader whose names are relative to `component` (joined with a dot).
    public func scoped(_ component: String) -> WeightLoader {
        WeightLoader(source: source, prefix: qualified(component))
    }

    /// The full checkpoint name of `name` under this loader's prefix.
    public func qualified(_ name: String) -> String {
        prefix.isEmpty ? name : name.isEmpty ? prefix : prefix + "." + name
    }

    public func contains(_ name: String) -> Bool { source.contains(qualified(name)) }

    /// The tensor `name`, which must have `shape` and a floating-point or integer dtype we store.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        try source.tensor(qualified(name), expectedShape: shape)
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
