// Causal LMs at full size with random weights (batch 1, 2 threads): prefill of 128 tokens, and 32 decode steps
// after such a prefill; plus loading a 150k-entry byte-level BPE tokenizer and encoding 1 MB of English and code.
// Tools/bench_llm.py and Tools/bench_tokenizer.py time PyTorch / Python `tokenizers` in the same run and print
// the ratios. GENKIT_BENCH_QUICK=1 runs each once at reduced size, so CI checks that the suite builds and runs.
import Benchmark
import Foundation
import GenCore
import TextModels

let quick = ProcessInfo.processInfo.environment["GENKIT_BENCH_QUICK"] != nil
let promptLength = quick ? 16 : 128
let decodeSteps = quick ? 4 : 32
/// GENKIT_BENCH_ONLY=a,b registers only the benchmarks whose names contain one of the comma-separated parts
/// (Tools/bench_llm.py and Tools/bench_tokenizer.py each run their half).
let only = ProcessInfo.processInfo.environment["GENKIT_BENCH_ONLY"]?.split(separator: ",").map(String.init)

func wanted(_ name: String) -> Bool {
    only.map { parts in parts.contains { name.contains($0) } } ?? true
}

/// GPT-2 124M (or a 2-layer stand-in in quick mode).
func gpt2Small() throws -> any LanguageModel {
    var c = GPT2Config()
    if quick { c.nLayer = 2 }
    return try GPT2LMHeadModel(config: c, weights: RandomWeightSource(seed: 1))
}

/// TinyLlama-1.1B's shape (or a 2-layer stand-in in quick mode) with weights stored as `dtype`.
func tinyLlama(_ dtype: DType) throws -> any LanguageModel {
    var c = LlamaConfig()
    c.hiddenSize = 2048; c.intermediateSize = 5632; c.numHiddenLayers = quick ? 2 : 22
    c.numAttentionHeads = 32; c.numKeyValueHeads = 4; c.vocabSize = 32000
    return try LlamaForCausalLM(config: c, weights: RandomWeightSource(seed: 2, dtype: dtype))
}

/// Fixed, in-vocabulary prompt ids (the cost of a forward pass does not depend on which ids they are).
func promptTokens(_ model: any LanguageModel) -> [Int] {
    (0..<promptLength).map { ($0 * 7919 + 13) % model.vocabularySize }
}

/// "<name> prefill 128": one forward pass over a 128-token prompt into an empty cache, last-position logits.
/// With `precision` .bfloat16 the name ends in " (bf16 compute)": bf16 weights multiply bf16-rounded inputs, as
/// PyTorch computes a bf16 model.
func prefillBenchmark(_ name: String, precision: MatmulPrecision = .float32,
                      _ makeModel: @escaping @Sendable () throws -> any LanguageModel) {
    let fullName = "\(name) prefill \(promptLength)" + (precision == .bfloat16 ? " (bf16 compute)" : "")
    guard wanted(fullName) else { return }
    Benchmark(fullName) { benchmark in
        let model = try makeModel()
        let prompt = promptTokens(model)
        try MatmulPrecision.$current.withValue(precision) {
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var cache = try model.makeCache(capacity: promptLength)
                blackHole(try model.forward(tokens: prompt, cache: &cache, logits: .last))
            }
            benchmark.stopMeasurement()
        }
    }
}

/// "<name> decode 32": 32 single-token steps after a 128-token prefill (the prefill is not timed); " (bf16 compute)"
/// as for the prefill.
func decodeBenchmark(_ name: String, precision: MatmulPrecision = .float32,
                     _ makeModel: @escaping @Sendable () throws -> any LanguageModel) {
    let fullName = "\(name) decode \(decodeSteps)" + (precision == .bfloat16 ? " (bf16 compute)" : "")
    guard wanted(fullName) else { return }
    Benchmark(fullName) { benchmark in
        let model = try makeModel()
        try MatmulPrecision.$current.withValue(precision) {
            var prefilled = try model.makeCache(capacity: promptLength + decodeSteps)
            _ = try model.forward(tokens: promptTokens(model), cache: &prefilled, logits: .last)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var cache = prefilled
                var token = 42
                for _ in 0..<decodeSteps {
                    let logits = try model.forward(tokens: [token], cache: &cache, logits: .last)
                    token = argmax(logits.floats)
                }
                blackHole(token)
            }
            benchmark.stopMeasurement()
        }
    }
}

func argmax(_ values: [Float]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // The JMH export Tools/benchlib.py reads refuses results without throughput.
        metrics: [.wallClock, .throughput], timeUnits: .milliseconds,
        warmupIterations: quick ? 0 : 1,
        maxDuration: .seconds(quick ? 1 : 20), maxIterations: quick ? 1 : 5)
    ThreadPool.threadCount = 2

    prefillBenchmark("GPT-2 124M f32", gpt2Small)
    decodeBenchmark("GPT-2 124M f32", gpt2Small)
    prefillBenchmark("TinyLlama 1.1B f32") { try tinyLlama(.float32) }
    decodeBenchmark("TinyLlama 1.1B f32") { try tinyLlama(.float32) }
    prefillBenchmark("TinyLlama 1.1B bf16") { try tinyLlama(.bfloat16) }
    prefillBenchmark("TinyLlama 1.1B bf16", precision: .bfloat16) { try tinyLlama(.bfloat16) }
    decodeBenchmark("TinyLlama 1.1B bf16") { try tinyLlama(.bfloat16) }
    decodeBenchmark("TinyLlama 1.1B bf16", precision: .bfloat16) { try tinyLlama(.bfloat16) }

    guard wanted("Tokenizer") else { return }
    Benchmark("Tokenizer load 150k BPE") { benchmark in
        let files = try BenchmarkTokenizerFiles.make(quick: quick)
        let data = try Data(contentsOf: files.tokenizer)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try Tokenizer(json: data))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("Tokenizer encode 1 MB") { benchmark in
        let files = try BenchmarkTokenizerFiles.make(quick: quick)
        let tokenizer = try Tokenizer(contentsOf: files.tokenizer)
        let text = try String(contentsOf: files.text, encoding: .utf8)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(tokenizer.encode(text))
        }
        benchmark.stopMeasurement()
    }
}
