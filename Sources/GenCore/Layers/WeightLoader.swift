/// Anything that hands out named tensors: a safetensors file, a sharded checkpoint, a dictionary in a test.
public protocol TensorSource: Sendable {
    /// Where the tensors come from, for error messages (a file or folder path).
    var sourceDescription: String { get }
    /// True if a tensor of this exact name exists.
    func contains(_ name: String) -> Bool
    /// The tensor named `name`; throws ``GenCoreError/missingTensor(name:path:)`` if absent.
    func tensor(_ name: String) throws -> Tensor
}

/// An in-memory ``TensorSource``, for tests and for weights built in code.
public struct TensorDictionary: TensorSource {
    public var tensors: [String: Tensor]
    public let sourceDescription: String

    public init(_ tensors: [String: Tensor], sourceDescription: String = "<memory>") {
        self.tensors = tensors
        self.sourceDescription = sourceDescription
    }

    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    public func tensor(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else { throw GenCoreError.missingTensor(name: name, path: sourceDescription) }
        return t
    }
}

/// Reads a model's parameters from a ``TensorSource`` under a name prefix and checks each one's shape
/// against what the model's configuration implies, so that a model never runs on weights it does not fit.
public struct WeightLoader: Sendable {
    public let source: any TensorSource
    public let prefix: String

    public init(source: any TensorSource, prefix: String = "") {
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
        let full = qualified(name)
        let t = try source.tensor(full)
        guard t.shape == shape else {
            throw GenCoreError.shapeMismatch(name: full, expected: shape, actual: t.shape, path: source.sourceDescription)
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
