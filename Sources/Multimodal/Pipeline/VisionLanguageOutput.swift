#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one caption or answer produced, with where the time went.
public struct VisionLanguageOutput: Sendable {
    /// Generated ids (without the prompt), including the end-of-sequence id when one ended generation.
    public var tokenIDs: [Int]
    /// The decoded text, special tokens skipped.
    public var text: String
    public var timings: VisionLanguageTimings
}

/// Wall-clock seconds of each stage of a request.
public struct VisionLanguageTimings: Sendable, Equatable {
    /// Reading and decoding the image file; set by callers that decode (the model receives decoded images).
    public var imageDecode: Double?
    /// Resizing and normalising to pixel values.
    public var preprocess: Double = 0
    /// The image encoder (and, for LLaVA, the projector; for captioning, the cross-attention keys/values).
    public var encode: Double = 0
    /// The decoder's pass over the prompt.
    public var prefill: Double = 0
    /// Every later decoder pass, one per generated token after the first.
    public var decode: Double = 0
    /// Decoder passes after the prefill.
    public var decodeSteps: Int = 0

    /// Generated tokens per second of decoding (0 before any decode step).
    public var decodeTokensPerSecond: Double { decode > 0 ? Double(decodeSteps) / decode : 0 }

    public init() {}
}

extension VisionLanguageOutput {
    /// One line of JSON: `token_ids`, `text` and `timings` (seconds, and `decode_tokens_per_second`).
    public func jsonString() throws -> String {
        struct Payload: Encodable {
            let tokenIDs: [Int]
            let text: String
            let timings: [String: Double]
            enum CodingKeys: String, CodingKey { case tokenIDs = "token_ids", text, timings }
        }
        var stages: [String: Double] = [
            "preprocess_s": timings.preprocess, "encode_s": timings.encode, "prefill_s": timings.prefill,
            "decode_s": timings.decode, "decode_tokens_per_second": timings.decodeTokensPerSecond,
        ]
        stages["image_decode_s"] = timings.imageDecode
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Payload(tokenIDs: tokenIDs, text: text, timings: stages)), as: UTF8.self)
    }
}
