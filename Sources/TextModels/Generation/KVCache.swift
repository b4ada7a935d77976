import GenCore

/// Keys and values of every attention layer for the positions processed so far, so that each new token attends
/// to the past without recomputing it.
///
/// Storage is allocated once per request for `capacity` positions — per layer `[1, kvHeads, capacity, headDim]`
/// float32 — and attention reads views sliced to the filled length, so decoding allocates nothing per token.
/// Create one with ``LanguageModel/makeCache(capacity:)``.
public struct KVCache: Sendable {
    /// Positions the cache can hold.
    public let capacity: Int
    /// Positions filled so far (the next token's position).
    public private(set) var count: Int = 0
    public let layerCount: Int
    public let keyValueHeadCount: Int
    public let headDim: Int
    private var keys: [Tensor]
    private var values: [Tensor]

    /// Preallocates zeroed storage for `capacity` positions.
    public init(layerCount: Int, keyValueHeadCount: Int, headDim: Int, capacity: Int) throws {
        guard layerCount > 0, keyValueHeadCount > 0, headDim > 0 else {
            throw GenCoreError.invalidArgument("KVCache: layer, head and head-dim counts must be positive")
        }
        guard capacity > 0 else {
            throw GenCoreError.invalidArgument("KVCache: capacity must be positive, got \(capacity)")
        }
        self.capacity = capacity
        self.layerCount = layerCount
        self.keyValueHeadCount = keyValueHeadCount
        self.headDim = headDim
        let shape = [1, keyValueHeadCount, capacity, headDim]
        keys = (0..<layerCount).map { _ in Tensor(zeros: shape) }
        values = (0..<layerCount).map { _ in Tensor(zeros: shape) }
    }

    /// Positions still free.
    public var remaining: Int { capacity - count }

    /// Throws ``TextModelsError/contextOverflow(needed:available:)`` unless `newPositions` more fit.
    public func checkRoom(for newPositions: Int) throws {
        guard count + newPositions <= capacity else {
            throw TextModelsError.contextOverflow(needed: count + newPositions, available: capacity)
        }
    }

    /// Checks that this cache was made for a model with this layout.
    package func checkLayout(layers: Int, keyValueHeads: Int, headDim: Int) throws {
        guard layers == layerCount, keyValueHeads == keyValueHeadCount, headDim == self.headDim else {
            throw GenCoreError.invalidArgument(
                "KVCache was made for \(layerCount) layers × \(keyValueHeadCount) heads × \(self.headDim), "
                    + "but the model has \(layers) × \(keyValueHeads) × \(headDim); create it with the model's makeCache")
        }
    }

    /// Writes `key` and `value` (`[1, kvHeads, T, headDim]`) of `layer` at positions `count ..< count + T`.
    /// The filled length moves only in ``advance(by:)``, once every layer has stored its part.
    mutating func store(layer: Int, key: Tensor, value: Tensor) {
        let newPositions = key.shape[2]
        let expected = [1, keyValueHeadCount, newPositions, headDim]
        precondition(key.shape == expected && value.shape == expected && count + newPositions <= capacity,
                     "KVCache.store: \(key.shape) / \(value.shape) do not fit at position \(count)")
        // A static helper so that only the layer's tensor is accessed while it is written: reading `self` during
        // the write would retain the arrays and force a copy-on-write of the whole cache.
        Self.write(key, into: &keys[layer], at: count, capacity: capacity)
        Self.write(value, into: &values[layer], at: count, capacity: capacity)
    }

    private static func write(_ source: Tensor, into destination: inout Tensor, at start: Int, capacity: Int) {
        let heads = source.shape[1], newPositions = source.shape[2], headDim = source.shape[3]
        let floats = source.dtype == .float32 ? source : source.converted(to: .float32)
        floats.withUnsafeBufferPointer(as: Float.self) { src in
            destination.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                let run = newPositions * headDim
                for head in 0..<heads {
                    let from = src.baseAddress.unsafelyUnwrapped + head * run
                    let to = dst.baseAddress.unsafelyUnwrapped + (head * capacity + start) * headDim
                    to.update(from: from, count: run)
                }
            }
        }
    }

    /// Keys of `layer` for positions `0 ..< length` as a strided view `[1, kvHeads, length, headDim]` (no copy).
    func keys(layer: Int, length: Int) -> Tensor { keys[layer].sliced(axis: 2, 0..<length) }

    /// Values of `layer` for positions `0 ..< length` (no copy).
    func values(layer: Int, length: Int) -> Tensor { values[layer].sliced(axis: 2, 0..<length) }

    /// Marks `newPositions` more positions as filled.
    package mutating func advance(by newPositions: Int) {
        precondition(count + newPositions <= capacity)
        count += newPositions
    }

    /// Forgets every position (the storage is kept for reuse).
    public mutating func reset() { count = 0 }
}
