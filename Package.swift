// swift-tools-version: 6.1
// The benchmark harness (ordo-one/benchmark with its MallocInterposer trait) needs tools 6.1.
import PackageDescription

let package = Package(
    name: "GenKit",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "GenCore", targets: ["GenCore"]),
        .library(name: "TextModels", targets: ["TextModels"]),
        .library(name: "VisionEncoder", targets: ["VisionEncoder"]),
        .library(name: "Multimodal", targets: ["Multimodal"]),
        .library(name: "DiffusionModels", targets: ["DiffusionModels"]),
    ],
    dependencies: [
        // Used only by Benchmarks/ and Examples/; the library products depend on the toolchain and system libraries alone.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: C kernels and system libraries (internal; no public API of their own)
        .target(name: "CGenKernels", path: "Sources/CGenKernels"),
        .systemLibrary(
            name: "CJPEGTurbo", path: "Sources/CJPEGTurbo", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(
            name: "CLibPNG", path: "Sources/CLibPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .target(name: "CGenImageCodecs", dependencies: ["CJPEGTurbo", "CLibPNG"], path: "Sources/CGenImageCodecs"),

        // MARK: Library products
        .target(name: "GenCore", dependencies: ["CGenKernels", "CGenImageCodecs"]),
        .target(name: "TextModels", dependencies: ["GenCore"]),
        .target(name: "VisionEncoder", dependencies: ["GenCore"]),
        .target(name: "Multimodal", dependencies: ["GenCore", "TextModels", "VisionEncoder"]),
        .target(name: "DiffusionModels", dependencies: ["GenCore", "TextModels"]),

        // MARK: Example programs
        .target(name: "ExampleSupport", dependencies: ["GenCore", "Multimodal"], path: "Examples/ExampleSupport"),
        .executableTarget(
            name: "embed",
            dependencies: ["GenCore", "VisionEncoder", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/embed"),
        .executableTarget(
            name: "caption",
            dependencies: ["GenCore", "Multimodal", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/caption"),
        .executableTarget(
            name: "vqa",
            dependencies: ["GenCore", "Multimodal", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/vqa"),
        .executableTarget(
            name: "generate",
            dependencies: ["GenCore", "TextModels", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/generate"),
        .executableTarget(
            name: "diffuse",
            dependencies: ["DiffusionModels", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/diffuse"),

        // MARK: Tests
        .testTarget(name: "GenCoreTests", dependencies: ["GenCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TextModelsTests", dependencies: ["TextModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VisionEncoderTests", dependencies: ["VisionEncoder"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MultimodalTests", dependencies: ["Multimodal"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DiffusionModelsTests", dependencies: ["DiffusionModels"], resources: [.copy("Fixtures")]),

        // MARK: Benchmarks (swift package benchmark)
        .executableTarget(
            name: "GenCoreBenchmarks",
            dependencies: ["GenCore", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/GenCoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "VisionEncoderBenchmarks",
            dependencies: ["GenCore", "VisionEncoder", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/VisionEncoderBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "TextModelsBenchmarks",
            dependencies: ["GenCore", "TextModels", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/TextModelsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "DiffusionModelsBenchmarks",
            dependencies: ["GenCore", "DiffusionModels", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/DiffusionModelsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "MultimodalBenchmarks",
            dependencies: ["GenCore", "TextModels", "Multimodal", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/MultimodalBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
