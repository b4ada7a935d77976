import Foundation
import GenCore
import TextModels

/// Durations of a request's decoder calls, in order: the first is the prefill, the rest one token each.
final class ForwardTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var durations: [Duration] = []

    func append(_ duration: Duration) { lock.withLock { durations.append(duration) } }
    var all: [Duration] { lock.withLock { durations } }
}

/// A language model that records how long each forward pass takes, so that the generic `generate` loops report
/// prefill and per-token decode times without a copy of their logic.
struct TimedLanguageModel: LanguageModel {
    let base: any LanguageModel
    let times: ForwardTimes

    var vocabularySize: Int { base.vocabularySize }
    var maxContextLength: Int { base.maxContextLength }
    var hiddenSize: Int { base.hiddenSize }
    var eosTokenIDs: [Int] { base.eosTokenIDs }

    func embed(tokens: [Int]) throws -> Tensor { try base.embed(tokens: tokens) }
    func makeCache(capacity: Int) throws -> KVCache { try base.makeCache(capacity: capacity) }
    func forward(embeddings: Tensor, cache: inout KVCache, logits: LogitsSelection) throws -> Tensor {
        let clock = ContinuousClock(), start = clock.now
        let result = try base.forward(embeddings: embeddings, cache: &cache, logits: logits)
        times.append(clock.now - start)
        return result
    }
}
