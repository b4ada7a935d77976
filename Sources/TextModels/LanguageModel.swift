import GenCore

/// Which rows of logits a forward pass returns.
public enum LogitsSelection: Sendable {
    /// One row per new position: `[T, vocab]`.
    case all
    /// Only the last new position: `[1, vocab]` (what decoding needs; skips the LM head for the rest).
    case last
}

/// A causal decoder that turns token embeddings into next-token logits, one request's positions at a time.
///
/// The split between ``embed(tokens:)`` and ``forward(embeddings:cache:logits:)`` lets a multimodal model
/// splice other embeddings (for example image features) between text tokens before the decoder runs.
/// Implementations are immutable after loading; per-request state lives in the ``KVCache``.
public protocol LanguageModel: Sendable {
    /// Rows of the output logits (ids `0 ..< vocabularySize` are valid).
    var vocabularySize: Int { get }
    /// The most positions one request may fill (prompt plus generated tokens).
    var maxContextLength: Int { get }
    /// Width of the embeddings ``forward(embeddings:cache:logits:)`` takes.
    var hiddenSize: Int { get }
    /// Token ids that end generation by default (from `config.json`; `generation_config.json` may override).
    var eosTokenIDs: [Int] { get }

    /// Token embeddings `[T, hiddenSize]` float32. Throws ``TextModelsError/invalidTokenID(_:vocabularySize:)``
    /// for ids outside the vocabulary.
    func embed(tokens: [Int]) throws -> Tensor

    /// An empty cache for up to `capacity` positions (at most ``maxContextLength``).
    func makeCache(capacity: Int) throws -> KVCache

    /// Runs the decoder over `embeddings` (`[T, hiddenSize]`), which continue the sequence already in `cache`,
    /// appends their keys and values to `cache`, and returns float32 logits for the new positions.
    /// Throws ``TextModelsError/contextOverflow(needed:available:)`` when they do not fit.
    func forward(embeddings: Tensor, cache: inout KVCache, logits: LogitsSelection) throws -> Tensor
}

extension LanguageModel {
    /// ``embed(tokens:)`` followed by ``forward(embeddings:cache:logits:)``.
    public func forward(tokens: [Int], cache: inout KVCache, logits: LogitsSelection = .all) throws -> Tensor {
        try forward(embeddings: embed(tokens: tokens), cache: &cache, logits: logits)
    }

    /// Throws unless `tokens` are all inside the vocabulary.
    package func validate(tokens: [Int]) throws {
        if let bad = tokens.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw TextModelsError.invalidTokenID(bad, vocabularySize: vocabularySize)
        }
    }

    /// Throws unless `embeddings` is `[T, hiddenSize]` with T ≥ 1 and the T positions fit in `cache`.
    package func validate(embeddings: Tensor, cache: KVCache) throws {
        guard embeddings.rank == 2, embeddings.shape[1] == hiddenSize, embeddings.shape[0] > 0 else {
            throw GenCoreError.invalidArgument(
                "embeddings must be [T, \(hiddenSize)] with T ≥ 1, got \(embeddings.shape)")
        }
        guard embeddings.dtype.isFloatingPoint else {
            throw GenCoreError.invalidArgument("embeddings must be floating point, got \(embeddings.dtype)")
        }
        try cache.checkRoom(for: embeddings.shape[0])
    }

    /// Throws unless `capacity` is positive and within the context.
    package func checkCacheCapacity(_ capacity: Int) throws {
        guard capacity > 0 else { throw GenCoreError.invalidArgument("cache capacity must be positive, got \(capacity)") }
        guard capacity <= maxContextLength else {
            throw TextModelsError.contextOverflow(needed: capacity, available: maxContextLength)
        }
    }
}
