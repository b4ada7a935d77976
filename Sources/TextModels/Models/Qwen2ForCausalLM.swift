import GenCore

/// Qwen2 causal LM (`model_type: "qwen2"`; Qwen Team, 2024, "Qwen2 Technical Report"), as transformers'
/// `Qwen2ForCausalLM`: the Llama network (``LlamaForCausalLM``) with biases on the query, key and value
/// projections and none elsewhere. Sliding-window layers are served only within the window (see ``Qwen2Config``).
public struct Qwen2ForCausalLM: LlamaDecoderModel {
    public let config: Qwen2Config
    let decoder: LlamaDecoder

    public var eosTokenIDs: [Int] { config.eosTokenID.ids }

    /// Builds the model from `weights`, checking every tensor's presence and shape.
    public init(config: Qwen2Config, weights: any WeightSource) throws {
        self.config = config
        decoder = try LlamaDecoder(architecture: config.architecture(path: weights.path), weights: weights)
    }
}
