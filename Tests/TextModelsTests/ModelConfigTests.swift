import Foundation
import Testing

@testable import TextModels

struct ModelConfigTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try decodeConfiguration(type, from: Data(json.utf8), path: "config.json")
    }

    @Test func llamaDefaultsFollowTransformers() throws {
        let config = try decode(LlamaConfig.self, #"{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4}"#)
        #expect(config.intermediateSize == 11008)
        #expect(config.rmsNormEps == 1e-6)
        #expect(config.ropeParameters.ropeTheta == 10000)
        #expect(config.ropeParameters.ropeType == "default")
        #expect(config.eosTokenID.ids == [2])
        let architecture = try config.architecture(path: "config.json")
        #expect(architecture.keyValueHeadCount == 4)
        #expect(architecture.headDim == 16)
    }

    /// transformers 4.x: rope_theta at top level and rope_scaling with "type".
    @Test func legacyRoPEForm() throws {
        let config = try decode(LlamaConfig.self, """
            {"rope_theta": 500000.0, "max_position_embeddings": 131072,
             "rope_scaling": {"type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192}}
            """)
        #expect(config.ropeParameters.ropeType == "llama3")
        #expect(config.ropeParameters.ropeTheta == 500000)
        #expect(config.ropeParameters.originalMaxPositionEmbeddings == 8192)
    }

    /// transformers 5.x: everything inside rope_parameters; llama3 falls back to max_position_embeddings.
    @Test func rope_parametersForm() throws {
        let config = try decode(LlamaConfig.self, """
            {"max_position_embeddings": 4096,
             "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                 "low_freq_factor": 1.0, "high_freq_factor": 4.0}}
            """)
        #expect(config.ropeParameters.ropeTheta == 500000)
        #expect(config.ropeParameters.originalMaxPositionEmbeddings == 4096)
        // Round trip writes the 5.x form and reads back the same.
        let again = try decode(LlamaConfig.self, String(decoding: try JSONEncoder().encode(config), as: UTF8.self))
        #expect(again == config)
    }

    /// Inverse frequencies for llama3 scaling, computed by transformers' _compute_llama3_parameters for
    /// head_dim 8, θ 10000, factor 8, low 1, high 4, original 16 (the llama_gqa fixture's settings).
    @Test func llama3InverseFrequencies() throws {
        var rope = RoPEParameters()
        rope.ropeType = "llama3"
        rope.ropeTheta = 10000
        rope.factor = 8
        rope.lowFreqFactor = 1
        rope.highFreqFactor = 4
        rope.originalMaxPositionEmbeddings = 16
        let expected: [Float] = [0.57605636, 0.0125, 0.00125, 0.000125]
        for (a, e) in zip(rope.inverseFrequencies(headDim: 8), expected) { #expect(abs(a - e) <= 1e-6 * max(e, 1e-3)) }
    }

    @Test func qwen2BiasesAndSlidingWindow() throws {
        let config = try decode(Qwen2Config.self, """
            {"hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 4,
             "max_position_embeddings": 32768, "use_sliding_window": true, "sliding_window": 1024, "max_window_layers": 2}
            """)
        let architecture = try config.architecture(path: "config.json")
        #expect(architecture.qkvBias && !architecture.outputBias && !architecture.mlpBias)
        #expect(architecture.maxPositionEmbeddings == 1024)
        let unused = try decode(Qwen2Config.self, #"{"hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "sliding_window": 1024}"#)
        #expect(try unused.architecture(path: "config.json").maxPositionEmbeddings == 32768)
    }

    @Test func gpt2Defaults() throws {
        let config = try decode(GPT2Config.self, #"{"n_embd": 48, "n_head": 3, "n_inner": null}"#)
        #expect(config.innerSize == 192)
        #expect(config.activationFunction == "gelu_new")
        #expect(config.tieWordEmbeddings)
        try config.validate(path: "config.json")
    }

    @Test func invalidShapesAreRejected() throws {
        let cases: [(String, String)] = [
            (#"{"hidden_size": 50, "num_attention_heads": 4}"#, "multiple of num_attention_heads"),
            (#"{"hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 3}"#, "multiple of num_key_value_heads"),
            (#"{"hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 0}"#, "num_hidden_layers must be positive"),
            (#"{"hidden_size": 64, "num_attention_heads": 4, "hidden_act": "gelu"}"#, "hidden_act"),
            (#"{"hidden_size": 64, "num_attention_heads": 4, "rope_scaling": {"type": "yarn", "factor": 4}}"#, "rope_type 'yarn'"),
            (#"{"hidden_size": 64, "num_attention_heads": 4, "rope_scaling": {"type": "linear"}}"#, "needs 'factor'"),
        ]
        for (json, message) in cases {
            let config = try decode(LlamaConfig.self, json)
            #expect {
                try config.validate(path: "config.json")
            } throws: { error in
                guard case let TextModelsError.invalidConfiguration(_, reason) = error else { return false }
                return reason.contains(message)
            }
        }
        #expect(throws: TextModelsError.self) { try decode(LlamaConfig.self, #"{"hidden_size": "wide"}"#) }
        let gpt2 = try decode(GPT2Config.self, #"{"n_embd": 48, "n_head": 5}"#)
        #expect(throws: TextModelsError.self) { try gpt2.validate(path: "config.json") }
    }

    @Test func generationConfigOverridesParameters() throws {
        let config = try decode(GenerationConfig.self, #"{"do_sample": true, "top_p": 0.9, "eos_token_id": [4, 5], "temperature": 0.6}"#)
        let parameters = config.applied(to: GenerationParameters())
        #expect(parameters.doSample && parameters.topP == 0.9 && parameters.temperature == 0.6)
        #expect(parameters.eosTokenIDs == [4, 5])
        let single = try decode(GenerationConfig.self, #"{"eos_token_id": 7}"#)
        #expect(single.eosTokenID?.ids == [7])
    }
}
