#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How to pick tokens and when to stop. Defaults are greedy decoding with no penalties.
///
/// Logits pass through the processors in transformers' order: repetition penalty, presence/frequency
/// penalties, then (only when sampling) temperature, top-k, top-p, min-p; see ``LogitsProcessing``.
public struct GenerationParameters: Sendable, Equatable {
    /// Upper bound on generated tokens (the eos token counts).
    public var maxNewTokens: Int = 128
    /// Sample from the processed distribution; `false` takes the arg-max (greedy), like transformers' `do_sample`.
    public var doSample: Bool = false
    /// Divides logits before sampling (> 0). Ignored when greedy.
    public var temperature: Float = 1
    /// Keep only the `topK` most likely tokens (ties with the k-th kept). `nil` or 0: off.
    public var topK: Int? = nil
    /// Keep the smallest set of most likely tokens whose probability reaches `topP` (0 < p ≤ 1). `nil`: off.
    public var topP: Float? = nil
    /// Drop tokens less likely than `minP` × the top token's probability (0 ≤ p ≤ 1). `nil`: off.
    public var minP: Float? = nil
    /// transformers' `repetition_penalty` (CTRL): every token seen in the prompt or output has its logit divided by
    /// the penalty when positive and multiplied when negative. 1: off.
    public var repetitionPenalty: Float = 1
    /// OpenAI/vLLM `presence_penalty`: subtracted once from the logit of every token already generated. 0: off.
    public var presencePenalty: Float = 0
    /// OpenAI/vLLM `frequency_penalty`: subtracted per occurrence of the token in the generated output. 0: off.
    public var frequencyPenalty: Float = 0
    /// Seeds the sampling generator; the same seed reproduces the same output.
    public var seed: UInt64 = 0
    /// Generation stops after emitting any of these ids. Empty: use the model's.
    public var eosTokenIDs: [Int] = []
    /// Generation stops once the decoded output contains one of these (needs a decode function).
    public var stopStrings: [String] = []

    public init() {}

    /// Throws ``TextModelsError/invalidGenerationParameter(name:reason:)`` for out-of-range values.
    public func validate() throws {
        func fail(_ name: String, _ reason: String) -> TextModelsError {
            .invalidGenerationParameter(name: name, reason: reason)
        }
        guard maxNewTokens > 0 else { throw fail("maxNewTokens", "must be positive, got \(maxNewTokens)") }
        guard temperature > 0, temperature.isFinite else {
            throw fail("temperature", "must be a positive number, got \(temperature); use doSample = false for greedy")
        }
        if let topK, topK < 0 { throw fail("topK", "must not be negative, got \(topK)") }
        if let topP, !(topP > 0 && topP <= 1) { throw fail("topP", "must be in (0, 1], got \(topP)") }
        if let minP, !(minP >= 0 && minP <= 1) { throw fail("minP", "must be in [0, 1], got \(minP)") }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else {
            throw fail("repetitionPenalty", "must be a positive number, got \(repetitionPenalty)")
        }
        guard presencePenalty.isFinite, frequencyPenalty.isFinite else {
            throw fail("presencePenalty/frequencyPenalty", "must be finite")
        }
        if stopStrings.contains("") { throw fail("stopStrings", "must not contain an empty string") }
    }
}

/// `generation_config.json` as transformers writes it; only the fields generation here uses.
public struct GenerationConfig: Codable, Sendable, Equatable {
    public var doSample: Bool? = nil
    public var temperature: Float? = nil
    public var topK: Int? = nil
    public var topP: Float? = nil
    public var minP: Float? = nil
    public var repetitionPenalty: Float? = nil
    public var maxNewTokens: Int? = nil
    public var bosTokenID: Int? = nil
    public var eosTokenID: TokenIDList? = nil

    enum CodingKeys: String, CodingKey {
        case doSample = "do_sample", temperature, topK = "top_k", topP = "top_p", minP = "min_p"
        case repetitionPenalty = "repetition_penalty", maxNewTokens = "max_new_tokens"
        case bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
    }

    public init() {}

    /// Reads `generation_config.json`; throws ``TextModelsError/invalidConfiguration(path:reason:)`` if malformed.
    public init(contentsOf url: URL) throws {
        self = try decodeConfigurationFile(GenerationConfig.self, at: url)
    }

    /// `base` with every field this file sets replaced.
    public func applied(to base: GenerationParameters) -> GenerationParameters {
        var p = base
        if let doSample { p.doSample = doSample }
        if let temperature { p.temperature = temperature }
        if let topK { p.topK = topK }
        if let topP { p.topP = topP }
        if let minP { p.minP = minP }
        if let repetitionPenalty { p.repetitionPenalty = repetitionPenalty }
        if let maxNewTokens { p.maxNewTokens = maxNewTokens }
        if let eosTokenID, !eosTokenID.ids.isEmpty { p.eosTokenIDs = eosTokenID.ids }
        return p
    }
}
