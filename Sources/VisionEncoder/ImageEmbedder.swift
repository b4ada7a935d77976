import Foundation
import GenCore

/// A model folder's image processor and image encoder together: images in, embeddings out.
///
/// ```swift
/// let embedder = try ImageEmbedder(modelDirectory: "clip-vit-base-patch32")
/// let output = try embedder.embed([try Image(contentsOfFile: "cat.jpg")])
/// let vector = output.pooledOutput  // [1, projection_dim]
/// ```
public struct ImageEmbedder: Sendable {
    public let processor: ImageProcessor
    public let encoder: any ImageEncoder

    public init(processor: ImageProcessor, encoder: any ImageEncoder) {
        self.processor = processor
        self.encoder = encoder
    }

    /// Loads `preprocessor_config.json` (or `processor_config.json`), `config.json` and the safetensors weights.
    public init(modelDirectory directory: String) throws {
        try self.init(processor: ImageProcessor(modelDirectory: directory),
                      encoder: VisionModelLoader.load(directory: directory))
    }

    /// Preprocesses and encodes a batch of images.
    public func embed(_ images: [Image], outputHiddenStates: Bool = false) throws -> ImageEncoderOutput {
        try encoder.encode(pixelValues: processor.preprocess(images), outputHiddenStates: outputHiddenStates)
    }
}

/// Cosine similarity of two equally long vectors (0 when either is all zeros).
public func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
    var dot: Float = 0, na: Float = 0, nb: Float = 0
    for (x, y) in zip(a, b) {
        dot += x * y
        na += x * x
        nb += y * y
    }
    return na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
}
