import Foundation
import Testing

@testable import TextModels

/// Paths and JSON of the fixtures written by Tools/make_llm_fixtures.py.
enum ModelFixtures {
    static var root: URL {
        get throws {
            let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            return fixtures.appendingPathComponent("Models")
        }
    }

    static func directory(_ name: String) throws -> URL { try root.appendingPathComponent(name) }

    /// expected.json of one model fixture.
    struct Expected: Decodable {
        let prompt: [Int]
        let logits: [[Float]]
        let greedy: [Int]
        /// Greedy with `repetition_penalty=1.5`.
        let greedyRepetitionPenalty: [Int]
        let maxAbsLogit: Float

        enum CodingKeys: String, CodingKey {
            case prompt, logits, greedy, maxAbsLogit = "max_abs_logit"
            case greedyRepetitionPenalty = "greedy_repetition_penalty_1_5"
        }
    }

    static func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: directory(name).appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    /// expected_bfloat16_compute.json of the llama_bf16_compute fixture: its prompt logits with every Linear's input rounded to
    /// bfloat16 (what `MatmulPrecision.bfloat16` computes).
    struct BFloat16Compute: Decodable {
        let prompt: [Int]
        let logits: [[Float]]
        let maxAbsLogit: Float

        enum CodingKeys: String, CodingKey { case prompt, logits, maxAbsLogit = "max_abs_logit" }
    }

    static func bfloat16Compute(_ name: String) throws -> BFloat16Compute {
        let data = try Data(contentsOf: directory(name).appendingPathComponent("expected_bfloat16_compute.json"))
        return try JSONDecoder().decode(BFloat16Compute.self, from: data)
    }

    /// logits_processors.json: a logits row, a token history, and transformers' processed rows (nil = −∞).
    struct Processors: Decodable {
        let scores: [Float]
        let promptIDs: [Int]
        let outputIDs: [Int]
        let settings: [String: Float]
        let expected: [String: [Float?]]

        enum CodingKeys: String, CodingKey {
            case scores, promptIDs = "prompt_ids", outputIDs = "output_ids", settings, expected
        }
    }

    static func processors() throws -> Processors {
        let data = try Data(contentsOf: root.appendingPathComponent("logits_processors.json"))
        return try JSONDecoder().decode(Processors.self, from: data)
    }
}
