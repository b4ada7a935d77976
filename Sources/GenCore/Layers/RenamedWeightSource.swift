/// A view of a ``WeightSource`` under other names: a model that expects `model.layers.0…` can read a
/// checkpoint that nests it as `language_model.model.layers.0…` (vision-language checkpoints do).
public struct RenamedWeightSource: WeightSource {
    public let base: any WeightSource
    /// Maps a name the model asks for to the name in `base`.
    public let rename: @Sendable (String) -> String

    public init(_ base: any WeightSource, rename: @escaping @Sendable (String) -> String) {
        self.base = base
        self.rename = rename
    }

    /// Every name gains `prefix`.
    public init(_ base: any WeightSource, prefix: String) {
        self.init(base) { prefix + $0 }
    }

    public var path: String { base.path }

    /// The names of `base` that some requested name maps onto cannot be enumerated in general; this lists
    /// the base's names unchanged.
    public var names: [String] { base.names }

    public func info(for name: String) throws(GenCoreError) -> SafetensorsTensorInfo {
        try base.info(for: rename(name))
    }

    public func tensor(_ name: String) throws(GenCoreError) -> Tensor {
        try base.tensor(rename(name))
    }

    // Forwarded explicitly so a base with its own behaviour (a RandomWeightSource, say) keeps it under new names.
    public func contains(_ name: String) -> Bool {
        base.contains(rename(name))
    }

    public func tensor(_ name: String, expectedShape: [Int]) throws(GenCoreError) -> Tensor {
        try base.tensor(rename(name), expectedShape: expectedShape)
    }
}
