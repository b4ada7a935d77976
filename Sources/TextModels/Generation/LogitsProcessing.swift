#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GenCore

/// The logits processors of transformers' `generate` (and vLLM's presence/frequency penalties), applied to one
/// row of next-token logits in transformers' order:
///
/// 1. repetition penalty — `RepetitionPenaltyLogitsProcessor`, over prompt + generated tokens;
/// 2. presence and frequency penalties — OpenAI/vLLM: `logit -= presence·[n > 0] + frequency·n` with n the
///    token's count in the generated output (transformers has no equivalent; vLLM applies them here too);
/// 3. when sampling: `TemperatureLogitsWarper`, `TopKLogitsWarper`, `TopPLogitsWarper`, `MinPLogitsWarper`.
///
/// Filtered tokens get −∞, as in transformers, so the result feeds a softmax directly.
public enum LogitsProcessing {
    /// Runs every enabled processor of `parameters` on `logits`.
    public static func apply(
        _ parameters: GenerationParameters, to logits: inout [Float], promptTokens: [Int], generatedTokens: [Int]
    ) {
        if parameters.repetitionPenalty != 1 {
            applyRepetitionPenalty(parameters.repetitionPenalty, to: &logits, seen: promptTokens + generatedTokens)
        }
        if parameters.presencePenalty != 0 || parameters.frequencyPenalty != 0 {
            applyPresenceFrequencyPenalties(
                presence: parameters.presencePenalty, frequency: parameters.frequencyPenalty,
                to: &logits, generated: generatedTokens)
        }
        guard parameters.doSample else { return }
        if parameters.temperature != 1 { applyTemperature(parameters.temperature, to: &logits) }
        if let k = parameters.topK, k > 0 { applyTopK(k, to: &logits) }
        if let p = parameters.topP, p < 1 { applyTopP(p, to: &logits) }
        if let p = parameters.minP, p > 0 { applyMinP(p, to: &logits) }
    }

    /// Divides positive logits and multiplies negative ones by `penalty` for each distinct token in `seen`.
    public static func applyRepetitionPenalty(_ penalty: Float, to logits: inout [Float], seen: [Int]) {
        for token in Set(seen) where logits.indices.contains(token) {
            let value = logits[token]
            logits[token] = value < 0 ? value * penalty : value / penalty
        }
    }

    /// Subtracts `presence` once and `frequency` per occurrence for each token in `generated`.
    public static func applyPresenceFrequencyPenalties(
        presence: Float, frequency: Float, to logits: inout [Float], generated: [Int]
    ) {
        var counts: [Int: Int] = [:]
        for token in generated where logits.indices.contains(token) { counts[token, default: 0] += 1 }
        for (token, count) in counts { logits[token] -= presence + frequency * Float(count) }
    }

    public static func applyTemperature(_ temperature: Float, to logits: inout [Float]) {
        for i in logits.indices { logits[i] /= temperature }
    }

    /// Removes every logit below the k-th largest (ties with it survive, as in transformers).
    public static func applyTopK(_ k: Int, to logits: inout [Float]) {
        guard k < logits.count,
              let threshold = topK(Tensor(shape: [logits.count], values: logits), k: k).values.floats.last
        else { return }
        for i in logits.indices where logits[i] < threshold { logits[i] = -.infinity }
    }

    /// Nucleus filtering as transformers does it: sort ascending, drop the tokens whose cumulative probability
    /// stays ≤ 1 − p, always keeping the most likely one.
    public static func applyTopP(_ p: Float, to logits: inout [Float]) {
        // Already-filtered tokens have probability 0 and stay filtered, so only the others are sorted (after
        // top-k that is k entries instead of the whole vocabulary).
        let order = logits.indices.filter { logits[$0] > -.infinity }.sorted { logits[$0] < logits[$1] }
        let probabilities = softmax(order.map { logits[$0] })
        var cumulative: Float = 0
        for (rank, index) in order.enumerated().dropLast() {
            cumulative += probabilities[rank]
            if cumulative <= 1 - p { logits[index] = -.infinity } else { break }
        }
    }

    /// Drops tokens whose probability is below `p` times the most likely token's, keeping that one.
    public static func applyMinP(_ p: Float, to logits: inout [Float]) {
        let probabilities = softmax(logits)
        guard let top = probabilities.max() else { return }
        let threshold = p * top
        for i in logits.indices where probabilities[i] < threshold { logits[i] = -.infinity }
    }

    /// Numerically stable softmax; −∞ entries get probability 0.
    public static func softmax(_ logits: [Float]) -> [Float] {
        guard let maximum = logits.max(), maximum > -.infinity else {
            return [Float](repeating: 1 / Float(max(logits.count, 1)), count: logits.count)
        }
        let exps = logits.map { expf($0 - maximum) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}
