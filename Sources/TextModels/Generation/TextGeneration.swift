import GenCore

/// Why generation ended.
public enum GenerationFinishReason: Sendable, Equatable {
    /// An end-of-sequence token was generated (it is the last id of the output).
    case endOfSequence
    /// The decoded output contains a stop string (the token completing it is the last id).
    case stopString
    /// `maxNewTokens` tokens were generated.
    case maxNewTokens
    /// The model's context (or the cache) is full.
    case contextFull
    /// The consuming task was cancelled.
    case cancelled
}

/// The tokens one `generate` call produced.
public struct GenerationOutput: Sendable, Equatable {
    /// Generated ids only (the prompt is not repeated), including the eos token if one ended generation.
    public var tokens: [Int]
    public var finishReason: GenerationFinishReason
}

/// One request's decoding state: the cache, the sampler and the tokens so far. Each ``step()`` runs the model
/// on the tokens not yet seen (the whole prompt first, then one token) and picks the next token.
struct GenerationSession {
    let model: any LanguageModel
    let prompt: [Int]
    /// Embeddings to prefill with instead of the prompt tokens' own (a multimodal prompt with image features
    /// spliced in); the prompt ids still drive the penalties.
    let promptEmbeddings: Tensor?
    let eosTokenIDs: Set<Int>
    let maxNewTokens: Int
    private(set) var generated: [Int] = []
    private var cache: KVCache
    private var sampler: TokenSampler

    init(model: any LanguageModel, prompt: [Int], promptEmbeddings: Tensor? = nil, parameters: GenerationParameters) throws {
        try parameters.validate()
        guard !prompt.isEmpty else { throw GenCoreError.invalidArgument("generation needs a non-empty prompt") }
        if let promptEmbeddings {
            guard promptEmbeddings.rank == 2, promptEmbeddings.shape[0] == prompt.count else {
                throw GenCoreError.invalidArgument(
                    "prompt embeddings must have one row per prompt token (\(prompt.count)), got shape \(promptEmbeddings.shape)")
            }
        } else {
            try model.validate(tokens: prompt)
        }
        self.promptEmbeddings = promptEmbeddings
        guard prompt.count <= model.maxContextLength else {
            throw TextModelsError.contextOverflow(needed: prompt.count, available: model.maxContextLength)
        }
        self.model = model
        self.prompt = prompt
        eosTokenIDs = Set(parameters.eosTokenIDs.isEmpty ? model.eosTokenIDs : parameters.eosTokenIDs)
        maxNewTokens = parameters.maxNewTokens
        // The last sampled token is never fed back, so the cache needs one position less than the total.
        let capacity = min(prompt.count + parameters.maxNewTokens - 1, model.maxContextLength)
        cache = try model.makeCache(capacity: max(capacity, prompt.count))
        sampler = try TokenSampler(parameters: parameters)
    }

    /// Why generation must end now, before producing another token, if it must.
    var finishReason: GenerationFinishReason? {
        if let last = generated.last, eosTokenIDs.contains(last) { return .endOfSequence }
        if generated.count >= maxNewTokens { return .maxNewTokens }
        if !generated.isEmpty && cache.remaining == 0 { return .contextFull }
        return nil
    }

    /// Runs the model and appends the next token.
    mutating func step() throws -> Int {
        let logits: Tensor
        if generated.isEmpty, let promptEmbeddings {
            logits = try model.forward(embeddings: promptEmbeddings, cache: &cache, logits: .last)
        } else {
            let input = generated.isEmpty ? prompt : [generated[generated.count - 1]]
            logits = try model.forward(tokens: input, cache: &cache, logits: .last)
        }
        let token = sampler.next(logits: logits.floats, promptTokens: prompt, generatedTokens: generated)
        generated.append(token)
        return token
    }
}

extension LanguageModel {
    /// Generates up to `parameters.maxNewTokens` tokens after `prompt`.
    ///
    /// - Parameter decode: maps ids to text; needed only for `parameters.stopStrings`.
    /// - Throws: ``TextModelsError/invalidTokenID(_:vocabularySize:)``, ``TextModelsError/contextOverflow(needed:available:)``
    ///   when the prompt exceeds the context, ``TextModelsError/invalidGenerationParameter(name:reason:)``.
    /// - Parameter promptEmbeddings: `[prompt.count, hiddenSize]` embeddings to prefill with instead of the
    ///   prompt tokens' own (image features spliced in by a multimodal model); `prompt` still drives penalties.
    /// - Parameter onToken: called with each token as soon as it is picked (for progress or timing).
    public func generate(
        prompt: [Int], promptEmbeddings: Tensor? = nil, parameters: GenerationParameters = GenerationParameters(),
        decode: (@Sendable ([Int]) -> String)? = nil, onToken: ((Int) -> Void)? = nil
    ) throws -> GenerationOutput {
        var session = try GenerationSession(model: self, prompt: prompt, promptEmbeddings: promptEmbeddings,
                                            parameters: parameters)
        var stops = try stopMatcher(parameters, decode: decode)
        while session.finishReason == nil {
            if Task.isCancelled { return GenerationOutput(tokens: session.generated, finishReason: .cancelled) }
            let token = try session.step()
            onToken?(token)
            if var (detokenizer, matcher) = stops {
                let (_, stopped) = matcher.feed(detokenizer.append(token))
                if stopped { return GenerationOutput(tokens: session.generated, finishReason: .stopString) }
                stops = (detokenizer, matcher)
            }
        }
        return GenerationOutput(tokens: session.generated, finishReason: session.finishReason ?? .maxNewTokens)
    }

    /// Generates like ``generate(prompt:parameters:decode:)`` and streams the text as it becomes complete.
    ///
    /// Pieces never split a character, and never contain a stop string or its beginning (the stream ends
    /// before it). Cancelling the consuming task, or dropping the stream, stops generation before the next token.
    public func generateText(
        prompt: [Int], promptEmbeddings: Tensor? = nil, parameters: GenerationParameters = GenerationParameters(),
        decode: @escaping @Sendable ([Int]) -> String
    ) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            // A detached task does not inherit task-local values: carry the caller's matmul precision over.
            let precision = MatmulPrecision.current
            let task = Task.detached {
                MatmulPrecision.$current.withValue(precision) {
                    do {
                        var session = try GenerationSession(model: self, prompt: prompt, promptEmbeddings: promptEmbeddings,
                                                            parameters: parameters)
                        var detokenizer = IncrementalDetokenizer(decode: decode)
                        var matcher = StopStringMatcher(stopStrings: parameters.stopStrings)
                        while session.finishReason == nil {
                            try Task.checkCancellation()
                            let token = try session.step()
                            // The eos token's own text (often a special token) is not part of the answer.
                            if session.finishReason == .endOfSequence { break }
                            let (text, stopped) = matcher.feed(detokenizer.append(token))
                            if !text.isEmpty { continuation.yield(text) }
                            if stopped {
                                continuation.finish()
                                return
                            }
                        }
                        let (tail, _) = matcher.feed(detokenizer.flush())
                        let rest = tail + matcher.flush()
                        if !rest.isEmpty { continuation.yield(rest) }
                        continuation.finish()
                    } catch is CancellationError {
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func stopMatcher(
        _ parameters: GenerationParameters, decode: (@Sendable ([Int]) -> String)?
    ) throws -> (IncrementalDetokenizer, StopStringMatcher)? {
        guard !parameters.stopStrings.isEmpty else { return nil }
        guard let decode else {
            throw TextModelsError.invalidGenerationParameter(
                name: "stopStrings", reason: "stop strings need a decode function to turn tokens into text")
        }
        return (IncrementalDetokenizer(decode: decode), StopStringMatcher(stopStrings: parameters.stopStrings))
    }
}
