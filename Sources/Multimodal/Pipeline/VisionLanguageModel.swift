import Foundation
import GenCore
import TextModels
import VisionEncoder

/// A vision-language model loaded once from a Hugging Face folder, for captioning images and answering
/// questions about them.
///
/// ```swift
/// let model = try VisionLanguageModel(modelDirectory: "vit-gpt2-image-captioning")
/// let caption = try model.caption(try Image(contentsOfFile: "cat.jpg"))
/// ```
///
/// The folder's `model_type` picks the architecture: `vision-encoder-decoder` and `blip`
/// (`BlipForConditionalGeneration`) are captioners, which answer no questions; `llava` answers questions, and
/// captions by answering ``defaultCaptionQuestion``. BLIP also continues a caption prefix
/// (``caption(_:prefix:parameters:)``).
/// Generation defaults come from `generation_config.json`; pass parameters to override them.
public struct VisionLanguageModel: Sendable {
    enum Architecture: Sendable {
        case visionEncoderDecoder(VisionEncoderDecoderModel)
        case blip(BlipForConditionalGeneration)
        case llava(LlavaForConditionalGeneration, LlavaProcessor)
    }

    let architecture: Architecture
    public let imageProcessor: ImageProcessor
    public let tokenizer: Tokenizer
    /// `generation_config.json` over the library defaults; what calls without parameters use.
    public let defaultParameters: GenerationParameters
    /// What LLaVA models are asked when captioning.
    public var defaultCaptionQuestion = "Describe this image."

    /// `model_type` values a folder may have.
    public static let supportedModelTypes = VisionEncoderDecoderModel.supportedModelTypes
        + BlipForConditionalGeneration.supportedModelTypes + LlavaForConditionalGeneration.supportedModelTypes

    /// Loads the model, tokenizer, image processor (and for LLaVA the chat template and processor settings).
    ///
    /// - Throws: ``MultimodalError/missingFile(path:purpose:)`` for a folder without `config.json`, weights or
    ///   tokenizer, ``MultimodalError/unsupportedArchitecture(modelType:supported:)`` for other model types, and
    ///   the loaders' errors for malformed files.
    public init(modelDirectory directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MultimodalError.missingFile(path: directory, purpose: "the model folder")
        }
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw MultimodalError.missingFile(path: configURL.path, purpose: "the model configuration")
        }
        let config = try ModelConfigFile(path: configURL.path)
        guard Self.supportedModelTypes.contains(config.modelType) else {
            throw MultimodalError.unsupportedArchitecture(modelType: config.modelType, supported: Self.supportedModelTypes)
        }
        let tokenizerURL = folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw MultimodalError.missingFile(path: tokenizerURL.path, purpose: "turning token ids into text")
        }
        let weights = try SafetensorsCheckpoint(directory: directory)
        imageProcessor = try ImageProcessor(modelDirectory: directory)
        var parameters = try LanguageModelLoading.generationParameters(directory: folder)
        switch config.modelType {
        case "llava":
            let model = try LlavaForConditionalGeneration(config: config, weights: weights)
            let processor = try LlavaProcessor(modelDirectory: directory, model: model)
            architecture = .llava(model, processor)
            tokenizer = processor.tokenizer
        case "blip":
            let model = try BlipForConditionalGeneration(config: config, weights: weights)
            architecture = .blip(model)
            tokenizer = try Tokenizer(contentsOf: tokenizerURL)
            // BLIP's generate always stops at [SEP], whatever eos_token_id generation_config.json names.
            parameters.eosTokenIDs = model.textDecoder.eosTokenIDs
        default:
            architecture = .visionEncoderDecoder(try VisionEncoderDecoderModel(config: config, weights: weights))
            tokenizer = try Tokenizer(contentsOf: tokenizerURL)
        }
        defaultParameters = parameters
    }

    /// The folder's `model_type`.
    public var modelType: String {
        switch architecture {
        case .visionEncoderDecoder: "vision-encoder-decoder"
        case .blip: "blip"
        case .llava: "llava"
        }
    }

    /// Whether ``answer(_:about:parameters:)`` is available (LLaVA) or only captions (vision-encoder-decoder, BLIP).
    public var answersQuestions: Bool {
        if case .llava = architecture { return true }
        return false
    }

    /// A caption for `image`.
    public func caption(_ image: Image, parameters: GenerationParameters? = nil) throws -> String {
        try generate(image: image, question: nil, parameters: parameters).text
    }

    /// Whether ``caption(_:prefix:parameters:)`` is available (BLIP).
    public var continuesCaptionPrefixes: Bool {
        if case .blip = architecture { return true }
        return false
    }

    /// A caption for `image` that continues `prefix` (BLIP's conditional captioning, e.g. "a picture of"), returned
    /// with the prefix as transformers' processor decodes the whole sequence. Throws
    /// ``MultimodalError/promptPrefixNotSupported(modelType:)`` for other architectures.
    public func caption(_ image: Image, prefix: String, parameters: GenerationParameters? = nil) throws -> String {
        guard case let .blip(model) = architecture else { throw MultimodalError.promptPrefixNotSupported(modelType: modelType) }
        let parameters = parameters ?? defaultParameters
        let output = try generate(image: image, question: nil, captionPrefix: prefix, parameters: parameters)
        let stops = parameters.eosTokenIDs.isEmpty ? model.textDecoder.eosTokenIDs : parameters.eosTokenIDs
        let caption = output.tokenIDs.last.map(stops.contains) == true ? output.tokenIDs.dropLast() : output.tokenIDs[...]
        // [DEC] is dropped as transformers' decode drops it (a special token); the prefix's own ids stay.
        let prompt = try model.promptIDs(prefix: prefix, tokenizer: tokenizer)
        return try tokenizer.decode(Array(prompt.dropFirst() + caption), skipSpecialTokens: true)
    }

    /// The answer to `question` about `image`. Throws ``MultimodalError/questionsNotSupported(modelType:)`` for
    /// captioning-only models.
    public func answer(_ question: String, about image: Image, parameters: GenerationParameters? = nil) throws -> String {
        try generate(image: image, question: question, parameters: parameters).text
    }

    /// Caption (`question == nil`) or answer with the generated ids and timings.
    ///
    /// - Parameter captionPrefix: text the caption continues (BLIP only); `text` then holds only the continuation.
    public func generate(
        image: Image, question: String?, captionPrefix: String? = nil, parameters: GenerationParameters? = nil
    ) throws -> VisionLanguageOutput {
        var request = try prepare(image: image, question: question, captionPrefix: captionPrefix)
        let output = try request.decoder.generate(
            prompt: request.prompt, promptEmbeddings: request.promptEmbeddings, parameters: parameters ?? defaultParameters)
        // The end-of-sequence token's text (often a special token) is not part of the caption.
        let textIDs = output.finishReason == .endOfSequence ? Array(output.tokens.dropLast()) : output.tokens
        request.recordDecoderTimes()
        return VisionLanguageOutput(tokenIDs: output.tokens, text: try tokenizer.decode(textIDs, skipSpecialTokens: true),
                                    timings: request.timings)
    }

    /// A caption streamed as it is written. Cancelling the consuming task stops generation.
    public func captionStream(_ image: Image, parameters: GenerationParameters? = nil) -> AsyncThrowingStream<String, any Error> {
        stream(image: image, question: nil, parameters: parameters)
    }

    /// An answer streamed as it is written. Cancelling the consuming task stops generation.
    public func answerStream(
        _ question: String, about image: Image, parameters: GenerationParameters? = nil
    ) -> AsyncThrowingStream<String, any Error> {
        stream(image: image, question: question, parameters: parameters)
    }

    /// Encodes the image inside the stream's task, so that creating the stream never blocks the caller.
    private func stream(image: Image, question: String?, parameters: GenerationParameters?) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            // A detached task does not inherit task-local values: carry the caller's matmul precision over.
            let precision = MatmulPrecision.current
            let task = Task.detached {
                await MatmulPrecision.$current.withValue(precision) {
                    do {
                        let request = try prepare(image: image, question: question)
                        let tokenizer = tokenizer
                        let pieces = request.decoder.generateText(
                            prompt: request.prompt, promptEmbeddings: request.promptEmbeddings,
                            parameters: parameters ?? defaultParameters,
                            decode: { ids in (try? tokenizer.decode(ids, skipSpecialTokens: true)) ?? "" })
                        for try await piece in pieces { continuation.yield(piece) }
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One request ready for the decoder: prompt ids, optional prompt embeddings, the decoder and timings so far.
    struct Request {
        let prompt: [Int]
        let promptEmbeddings: Tensor?
        let decoder: TimedLanguageModel
        var timings: VisionLanguageTimings

        mutating func recordDecoderTimes() {
            let times = decoder.times.all
            guard let first = times.first else { return }
            timings.prefill = seconds(first)
            timings.decode = times.dropFirst().map(seconds).reduce(0, +)
            timings.decodeSteps = times.count - 1
        }
    }

    func prepare(image: Image, question: String?, captionPrefix: String? = nil) throws -> Request {
        if captionPrefix != nil, !continuesCaptionPrefixes {
            throw MultimodalError.promptPrefixNotSupported(modelType: modelType)
        }
        let clock = ContinuousClock()
        var timings = VisionLanguageTimings()
        var start = clock.now
        let pixels = try imageProcessor.preprocess([image])
        timings.preprocess = seconds(clock.now - start)
        start = clock.now
        let times = ForwardTimes()
        switch architecture {
        case let .visionEncoderDecoder(model):
            if question != nil { throw MultimodalError.questionsNotSupported(modelType: modelType) }
            let encoded = try model.encode(pixelValues: pixels)
            timings.encode = seconds(clock.now - start)
            return Request(prompt: [model.decoderStartTokenID], promptEmbeddings: nil,
                           decoder: TimedLanguageModel(base: model.decoder(for: encoded), times: times), timings: timings)
        case let .blip(model):
            if question != nil { throw MultimodalError.questionsNotSupported(modelType: modelType) }
            let prompt = try model.promptIDs(prefix: captionPrefix, tokenizer: tokenizer)
            let encoded = try model.encode(pixelValues: pixels)
            timings.encode = seconds(clock.now - start)
            return Request(prompt: prompt, promptEmbeddings: nil,
                           decoder: TimedLanguageModel(base: model.decoder(for: encoded), times: times), timings: timings)
        case let .llava(model, processor):
            let features = try model.imageFeatures(pixelValues: pixels)
            timings.encode = seconds(clock.now - start)
            let prompt = try processor.prompt(question: question ?? defaultCaptionQuestion)
            let ids = processor.tokenize(prompt: prompt, imageHeight: pixels.shape[2], imageWidth: pixels.shape[3])
            let embeddings = try model.promptEmbeddings(tokens: ids, imageFeatures: features)
            return Request(prompt: ids, promptEmbeddings: embeddings,
                           decoder: TimedLanguageModel(base: model.languageModel, times: times), timings: timings)
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}
