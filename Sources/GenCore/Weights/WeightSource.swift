/// Something that hands out named tensors: one safetensors file (``SafetensorsFile``) or a sharded checkpoint
/// (``SafetensorsCheckpoint``). Model loaders take a `WeightSource` so they need not care which.
public protocol WeightSource: Sendable {
    /// Where the weights come from, for error messages.
    var path: String { get }
    /// Every tensor name, sorted.
    var names: [String] { get }
    /// The declared dtype and shape of a tensor without loading it. Throws ``GenCoreError/missingTensor(name:path:)``.
    func info(for name: String) throws(GenCoreError) -> SafetensorsTensorInfo
    /// Loads a tensor. Throws ``GenCoreError/missingTensor(name:path:)`` or ``GenCoreError/unsupportedDType(path:tensor:dtype:)``.
    func tensor(_ name: String) throws(GenCoreError) -> Tensor
    /// Whether a tensor of this name exists (default: ``info(for:)`` succeeds).
    func contains(_ name: String) -> Bool
    /// Loads a tensor that must have `expectedShape` (default: checks ``info(for:)`` first, then loads).
    func tensor(_ name: String, expectedShape: [Int]) throws(GenCoreError) -> Tensor
}

extension WeightSource {
    /// Whether a tensor of this name exists.
    public func contains(_ name: String) -> Bool {
        (try? info(for: name)) != nil
    }

    /// Loads a tensor and checks its shape, throwing ``GenCoreError/shapeMismatch(name:expected:actual:path:)``
    /// when it differs from what the model needs.
    public func tensor(_ name: String, expectedShape: [Int]) throws(GenCoreError) -> Tensor {
        let declared = try info(for: name)
        guard declared.shape == expectedShape else {
            throw GenCoreError.shapeMismatch(name: name, expected: expectedShape, actual: declared.shape, path: path)
        }
        return try tensor(name)
    }
}
