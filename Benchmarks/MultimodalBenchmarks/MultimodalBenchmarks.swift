// LLaVA-1.5's shape scaled to fit this machine: CLIP ViT-L/14-336 + a TinyLlama-1.1B-shape decoder, random
// bf16 weights, batch 1, 2 threads. "time to first token": preprocessed pixels → image tower → projector →
// prompt embeddings (576 image features + 24 text tokens) → prefill → first greedy token. "decode 32": 32 greedy
// steps with the KV cache after that prefill. Tools/bench_multimodal.py times transformers on the same model in
// the same run. GENKIT_BENCH_QUICK=1 runs each once with 2-layer stand-ins, so CI checks the suite builds and runs.
import Benchmark
import Foundation
import GenCore
import Multimodal
import TextModels

let quick = ProcessInfo.processInfo.environment["GENKIT_BENCH_QUICK"] != nil
let decodeSteps = quick ? 4 : 32
let imageTokenID = 32000

/// llava-hf/llava-1.5-7b-hf's config with the decoder swapped for TinyLlama-1.1B's shape.
func llavaConfigJSON() -> String {
    """
    {"model_type": "llava", "image_token_index": \(imageTokenID), "vision_feature_layer": -2,
     "vision_feature_select_strategy": "default", "projector_hidden_act": "gelu",
     "vision_config": {"model_type": "clip_vision_model", "hidden_size": 1024, "intermediate_size": 4096,
       "num_hidden_layers": \(quick ? 2 : 24), "num_attention_heads": 16, "image_size": 336, "patch_size": 14,
       "projection_dim": 768, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5},
     "text_config": {"model_type": "llama", "hidden_size": 2048, "intermediate_size": 5632,
       "num_hidden_layers": \(quick ? 2 : 22), "num_attention_heads": 32, "num_key_value_heads": 4,
       "vocab_size": 32064, "rms_norm_eps": 1e-5, "max_position_embeddings": 2048}}
    """
}

func llava() throws -> LlavaForConditionalGeneration {
    try LlavaForConditionalGeneration(
        config: ModelConfigFile(data: Data(llavaConfigJSON().utf8)),
        weights: RandomWeightSource(seed: 3, dtype: .bfloat16))
}

/// LLaVA-1.5's prompt shape: "USER: <image>\n… ASSISTANT:" with the image token expanded to 576 features.
func promptTokens(_ model: LlavaForConditionalGeneration) -> [Int] {
    let text = (0..<24).map { ($0 * 7919 + 13) % 32000 }
    return Array(text[..<5]) + Array(repeating: imageTokenID, count: model.imageFeatureCount) + Array(text[5...])
}

func pixels() -> Tensor {
    let values: [Float] = (0..<(3 * 336 * 336)).map { (i: Int) -> Float in Float(i % 251) / 125 - 1 }
    return Tensor(shape: [1, 3, 336, 336], values: values)
}

/// Image features → prompt embeddings → prefill; returns the first token and the filled cache.
func firstToken(_ model: LlavaForConditionalGeneration, pixels: Tensor, capacity: Int) throws -> (Int, KVCache) {
    let tokens = promptTokens(model)
    let embeddings = try model.promptEmbeddings(tokens: tokens, imageFeatures: model.imageFeatures(pixelValues: pixels))
    var cache = try model.languageModel.makeCache(capacity: capacity)
    let logits = try model.languageModel.forward(embeddings: embeddings, cache: &cache, logits: .last)
    return (argmax(logits)[0], cache)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .milliseconds,
        warmupIterations: quick ? 0 : 1,
        maxDuration: .seconds(quick ? 1 : 30), maxIterations: quick ? 1 : 5)
    ThreadPool.threadCount = 2

    // Also computed in bf16 (MatmulPrecision.bfloat16: bf16 weights multiply bf16-rounded inputs), as PyTorch
    // computes the bf16 model it is compared with.
    for precision in MatmulPrecision.allCases {
        let suffix = precision == .bfloat16 ? " (bf16 compute)" : ""
        Benchmark("LLaVA-1.5 shape (CLIP-L/14-336 + 1.1B Llama) bf16 time to first token\(suffix)") { benchmark in
            let model = try llava()
            let input = pixels()
            let capacity = promptTokens(model).count + decodeSteps
            try MatmulPrecision.$current.withValue(precision) {
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(try firstToken(model, pixels: input, capacity: capacity).0)
                }
                benchmark.stopMeasurement()
            }
        }
    }

    for precision in MatmulPrecision.allCases {
        let suffix = precision == .bfloat16 ? " (bf16 compute)" : ""
        Benchmark("LLaVA-1.5 shape (CLIP-L/14-336 + 1.1B Llama) bf16 decode \(decodeSteps)\(suffix)") { benchmark in
            let model = try llava()
            try MatmulPrecision.$current.withValue(precision) {
                let (first, prefilled) = try firstToken(model, pixels: pixels(),
                                                        capacity: promptTokens(model).count + decodeSteps)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    var cache = prefilled
                    var token = first
                    for _ in 0..<decodeSteps {
                        let logits = try model.languageModel.forward(tokens: [token], cache: &cache, logits: .last)
                        token = argmax(logits)[0]
                    }
                    blackHole(token)
                }
                benchmark.stopMeasurement()
            }
        }
    }
}
