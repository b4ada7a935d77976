// swift run embed IMAGE… --model DIR [--json]
// Prints each image's pooled embedding and the cosine similarities between them.
import ArgumentParser
import Foundation
import GenCore
import VisionEncoder

@main
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed images with a ViT, CLIP or SigLIP model folder (config.json, *.safetensors, preprocessor_config.json).")

    @Argument(help: "JPEG or PNG files.")
    var images: [String]

    @Option(help: "Hugging Face model folder.")
    var model: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    mutating func run() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        do {
            let embedder = try ImageEmbedder(modelDirectory: model)
            let decoded = try images.map { try Image(contentsOfFile: $0) }
            // One image at a time: photos of different sizes may not batch (and batch 1 is what we benchmark).
            let vectors = try decoded.map { image -> [Float] in
                let out = try embedder.embed([image])
                return (out.pooledOutput ?? mean(out.lastHiddenState, axis: 1)).floats
            }
            let similarities = vectors.map { a in vectors.map { b in cosineSimilarity(a, b) } }
            if json {
                let object: [String: Any] = [
                    "images": images, "embeddings": vectors.map { $0.map(Double.init) },
                    "cosine_similarity": similarities.map { $0.map(Double.init) },
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for (path, v) in zip(images, vectors) {
                    let head = v.prefix(8).map { String(format: "%.4f", $0) }.joined(separator: ", ")
                    print("\(path): dim \(v.count) [\(head)\(v.count > 8 ? ", …" : "")]")
                }
                if vectors.count > 1 {
                    print("cosine similarity:")
                    for (i, row) in similarities.enumerated() {
                        print("  \(images[i]): " + row.map { String(format: "%.4f", $0) }.joined(separator: " "))
                    }
                }
            }
        } catch {
            // One clear line and a failing exit status; no usage dump for errors that are not about the flags.
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            FileHandle.standardError.write(Data("embed: \(message)\n".utf8))
            throw ExitCode.failure
        }
    }
}
