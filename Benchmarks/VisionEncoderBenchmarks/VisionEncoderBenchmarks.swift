// Image encoders at full size with random weights (batch 1, 2 threads), and decode + preprocess of a large JPEG.
// Tools/bench_vision.py times PyTorch on the same shapes in the same run and prints the ratios.
// GENKIT_BENCH_QUICK=1 runs each once at reduced size, so CI checks that the suite builds and runs.
import Benchmark
import Foundation
import GenCore
import VisionEncoder

let quick = ProcessInfo.processInfo.environment["GENKIT_BENCH_QUICK"] != nil

/// ViT-B/16 at 224 (or a 2-layer stand-in in quick mode), weights stored as `dtype`.
func vitBase(_ dtype: DType = .float32) throws -> ViTModel {
    var c = ViTConfig()
    if quick { c.numHiddenLayers = 2 }
    return try ViTModel(config: c, weights: WeightLoader(source: RandomWeightSource(seed: 1, dtype: dtype)))
}

/// CLIP ViT-L/14 at 336, as LLaVA-1.5 uses it, weights stored as `dtype`.
func clipLarge(_ dtype: DType = .float32) throws -> CLIPVisionModel {
    var c = CLIPVisionConfig()
    c.hiddenSize = 1024; c.intermediateSize = 4096; c.numHiddenLayers = quick ? 2 : 24; c.numAttentionHeads = 16
    c.imageSize = 336; c.patchSize = 14; c.projectionDim = 768
    return try CLIPVisionModel(config: c, weights: WeightLoader(source: RandomWeightSource(seed: 2, dtype: dtype)))
}

/// A 12-megapixel JPEG: astronaut.jpg upscaled to 4000×3000 (bicubic) and encoded at quality 90,
/// as Tools/bench_vision.py makes it for PIL.
func largeJPEG() throws -> [UInt8] {
    let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Tests/GenCoreTests/Fixtures/Images/astronaut.jpg")
    let image = try Image(contentsOfFile: photo.path)
    let (width, height) = quick ? (800, 600) : (4000, 3000)
    return try PILResize.resize(image, width: width, height: height, filter: .bicubic).jpegData(quality: 90)
}

func pixels(_ size: Int) -> Tensor {
    Tensor(repeating: 0.25, shape: [1, 3, size, size])
}

/// Times `model().encode` on a `size`² image in `precision` (the model is built before the clock starts).
func encoderBenchmark(_ name: String, precision: MatmulPrecision, size: Int, hiddenStates: Bool,
                      model: @escaping @Sendable () throws -> any ImageEncoder) {
    Benchmark(name) { benchmark in
        let encoder = try model()
        let input = pixels(size)
        try MatmulPrecision.$current.withValue(precision) {
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try encoder.encode(pixelValues: input, outputHiddenStates: hiddenStates))
            }
            benchmark.stopMeasurement()
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .milliseconds,
        warmupIterations: quick ? 0 : 1,
        maxDuration: .seconds(quick ? 1 : 30), maxIterations: quick ? 1 : 10)
    ThreadPool.threadCount = 2

    Benchmark("12MP JPEG decode + CLIP preprocess") { benchmark in
        let jpeg = try largeJPEG()
        var config = ImageProcessorConfig(defaultsFor: .clip)
        config.size = .shortestEdge(336)
        config.cropSize = CropSize(height: 336, width: 336)
        let processor = try ImageProcessor(config: config)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try processor.preprocess([Image.decode(jpeg)]))
        }
        benchmark.stopMeasurement()
    }

    // Float32, then bf16 checkpoints computed in bf16 (MatmulPrecision.bfloat16), as PyTorch computes a bf16 model.
    for (dtype, suffix) in [(DType.float32, ""), (.bfloat16, ", bf16")] {
        let precision: MatmulPrecision = dtype == .bfloat16 ? .bfloat16 : .float32
        encoderBenchmark("ViT-B/16 224 forward\(suffix)", precision: precision, size: 224, hiddenStates: false) {
            try vitBase(dtype)
        }
        encoderBenchmark("CLIP ViT-L/14 336 forward\(suffix)", precision: precision, size: 336, hiddenStates: true) {
            try clipLarge(dtype)
        }
    }
}
