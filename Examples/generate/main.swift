// swift run generate --model DIR --prompt TEXT [--chat] [sampling options] [--json]
// Generates text with a GPT-2, Llama or Qwen2 model folder and streams it to stdout as it is produced.
import ArgumentParser
import Foundation
import GenCore
import TextModels

@main
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text with a Hugging Face causal LM folder (config.json, *.safetensors, tokenizer.json).",
        discussion: """
            Decoding is greedy unless the folder's generation_config.json sets do_sample, or one of --temperature, \
            --top-k, --top-p or --min-p is given, which turns sampling on. Flags override generation_config.json. \
            Generation stops at the model's eos tokens, a --stop string, --max-new-tokens or the context length.
            """)

    @Option(help: "Hugging Face model folder.")
    var model: String

    @Option(help: "tokenizer.json to use instead of the model folder's own.")
    var tokenizer: String?

    @Option(help: "The prompt (with --chat: the user message).")
    var prompt: String

    @Flag(help: "Format the prompt with the folder's chat template and ask for the assistant's reply.")
    var chat = false

    @Option(help: "System message (with --chat).")
    var system: String?

    @Option(help: "Most tokens to generate (default: generation_config.json's, else 128).")
    var maxNewTokens: Int?

    @Option(help: "Sampling temperature (> 0); turns sampling on.")
    var temperature: Float?

    @Option(help: "Keep the k most likely tokens; turns sampling on.")
    var topK: Int?

    @Option(help: "Keep the most likely tokens up to this total probability (0 < p ≤ 1); turns sampling on.")
    var topP: Float?

    @Option(help: "Drop tokens less likely than this times the top token's probability; turns sampling on.")
    var minP: Float?

    @Option(help: "Repetition penalty (> 0; 1 is off).")
    var repetitionPenalty: Float?

    @Option(help: "Subtracted once from the logit of every token already generated.")
    var presencePenalty: Float?

    @Option(help: "Subtracted from a token's logit per time it was generated.")
    var frequencyPenalty: Float?

    @Option(help: "Seed for sampling.")
    var seed: UInt64?

    @Option(help: "Stop once the output contains this text (repeatable).")
    var stop: [String] = []

    @Flag(help: "Print one JSON object (token ids, text, finish reason, timings) instead of streaming text.")
    var json = false

    @Flag(help: "Run the prompt through the model once before generating (as llama-bench's warm-up run does), so that --json's timings are those of a warm process.")
    var warmup = false

    @Option(help: "Precision of products with bfloat16 weights: float32 (exact, as transformers computes in float32) or bfloat16 (inputs rounded to bf16, as PyTorch computes a bf16 model; about twice as fast on CPUs with AVX512_BF16).")
    var matmulPrecision: MatmulPrecision = .float32

    mutating func run() async throws {
        do {
            try await MatmulPrecision.$current.withValue(matmulPrecision) { try await generate() }
        } catch {
            // One clear line and a failing exit status; no usage dump for errors that are not about the flags.
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            FileHandle.standardError.write(Data("generate: \(message)\n".utf8))
            throw ExitCode.failure
        }
    }

    func generate() async throws {
        let folder = URL(fileURLWithPath: model, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("model folder \(model) does not exist")
        }
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
            throw ValidationError("\(model) has no config.json; give a Hugging Face model folder")
        }
        let loadStart = Date()
        let tokenizerURL = tokenizer.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw ValidationError("\(tokenizerURL.path) does not exist; give a tokenizer.json with --tokenizer")
        }
        let tokenizer = try Tokenizer(contentsOf: tokenizerURL)
        let languageModel = try LanguageModelLoading.load(directory: folder)
        let parameters = try generationParameters(folder: folder)
        let promptIDs = try encodePrompt(tokenizer: tokenizer, folder: folder)
        let loadSeconds = Date().timeIntervalSince(loadStart)

        let decode: @Sendable ([Int]) -> String = { ids in (try? tokenizer.decode(ids, skipSpecialTokens: true)) ?? "" }
        if warmup && !promptIDs.isEmpty {   // an empty prompt is refused below, by generation's own check
            var cache = try languageModel.makeCache(capacity: promptIDs.count)
            _ = try languageModel.forward(tokens: promptIDs, cache: &cache, logits: .last)
        }
        if json {
            let eos = Set(parameters.eosTokenIDs.isEmpty ? languageModel.eosTokenIDs : parameters.eosTokenIDs)
            var tokenTimes: [Date] = []
            let start = Date()
            let output = try languageModel.generate(prompt: promptIDs, parameters: parameters, decode: decode) { _ in
                tokenTimes.append(Date())
            }
            let answer = output.finishReason == .endOfSequence ? Array(output.tokens.dropLast()) : output.tokens
            let prefillMs = (tokenTimes.first ?? start).timeIntervalSince(start) * 1000
            let decodeSeconds = tokenTimes.count > 1 ? tokenTimes[tokenTimes.count - 1].timeIntervalSince(tokenTimes[0]) : 0
            let object: [String: Any] = [
                "prompt_token_ids": promptIDs, "token_ids": output.tokens, "text": decode(answer),
                "finish_reason": finishReasonName(output.finishReason),
                "load_ms": loadSeconds * 1000, "prefill_ms": prefillMs,
                "decode_tokens_per_second": decodeSeconds > 0 ? Double(tokenTimes.count - 1) / decodeSeconds : 0,
                "eos_token_ids": eos.sorted(),
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for try await piece in languageModel.generateText(prompt: promptIDs, parameters: parameters, decode: decode) {
                FileHandle.standardOutput.write(Data(piece.utf8))
            }
            print()
        }
    }

    /// generation_config.json with the command-line flags applied over it.
    func generationParameters(folder: URL) throws -> GenerationParameters {
        var p = try LanguageModelLoading.generationParameters(directory: folder)
        if let maxNewTokens { p.maxNewTokens = maxNewTokens }
        if temperature != nil || topK != nil || topP != nil || minP != nil { p.doSample = true }
        if let temperature { p.temperature = temperature }
        if let topK { p.topK = topK }
        if let topP { p.topP = topP }
        if let minP { p.minP = minP }
        if let repetitionPenalty { p.repetitionPenalty = repetitionPenalty }
        if let presencePenalty { p.presencePenalty = presencePenalty }
        if let frequencyPenalty { p.frequencyPenalty = frequencyPenalty }
        if let seed { p.seed = seed }
        p.stopStrings = stop
        try p.validate()
        return p
    }

    /// The prompt's ids: as given (with the tokenizer's BOS-style tokens), or rendered by the chat template,
    /// whose output already holds its special tokens (as transformers' `apply_chat_template` tokenizes it).
    func encodePrompt(tokenizer: Tokenizer, folder: URL) throws -> [Int] {
        guard chat else {
            guard system == nil else { throw ValidationError("--system needs --chat") }
            return tokenizer.encode(prompt)
        }
        guard let template = try ChatTemplate.load(fromModelDirectory: folder) else {
            throw ValidationError("\(model) has no chat template (chat_template.jinja or tokenizer_config.json); drop --chat")
        }
        var messages: [ChatMessage] = []
        if let system { messages.append(ChatMessage(role: "system", text: system)) }
        messages.append(ChatMessage(role: "user", text: prompt))
        return tokenizer.encode(try template.render(messages: messages, addGenerationPrompt: true), addSpecialTokens: false)
    }

    func finishReasonName(_ reason: GenerationFinishReason) -> String {
        switch reason {
        case .endOfSequence: "eos"
        case .stopString: "stop_string"
        case .maxNewTokens: "length"
        case .contextFull: "context_full"
        case .cancelled: "cancelled"
        }
    }
}

/// `--matmul-precision float32|bfloat16`.
extension MatmulPrecision: ExpressibleByArgument {}
