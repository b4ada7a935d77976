import GenCore

/// The Llama decoder (Touvron et al., 2023, "LLaMA: Open and Efficient Foundation Language Models"), as
/// transformers' `LlamaForCausalLM`: pre-norm blocks with RMSNorm, rotary position embeddings on queries and keys,
/// grouped-query attention, a SwiGLU MLP (`down(silu(gate(x)) · up(x))`), a final RMSNorm and an LM head.
/// Qwen2 is the same network with q/k/v biases (``Qwen2ForCausalLM``).
struct LlamaDecoder: Sendable {
    let architecture: DecoderArchitecture

    struct Layer {
        let inputNorm: Tensor
        let queryWeight: Tensor, queryBias: Tensor?
        let keyWeight: Tensor, keyBias: Tensor?
        let valueWeight: Tensor, valueBias: Tensor?
        let outputWeight: Tensor, outputBias: Tensor?
        let postAttentionNorm: Tensor
        let gateWeight: Tensor, gateBias: Tensor?
        let upWeight: Tensor, upBias: Tensor?
        let downWeight: Tensor, downBias: Tensor?
    }

    let tokenEmbedding: Tensor
    let layers: [Layer]
    let finalNorm: Tensor
    let head: Tensor
    let inverseFrequencies: [Float]
    let attention: CachedSelfAttention

    /// Loads and checks every tensor `architecture` needs (weights stay in their stored dtype; norms and biases
    /// become float32).
    init(architecture a: DecoderArchitecture, weights: any WeightSource) throws {
        architecture = a
        let checkpoint = try CheckpointTensors(source: weights, prefixes: ["model.", ""], probe: "embed_tokens.weight")
        let h = a.hiddenSize, qWidth = a.headCount * a.headDim, kvWidth = a.keyValueHeadCount * a.headDim
        let m = a.intermediateSize
        tokenEmbedding = try checkpoint.weight("embed_tokens.weight", shape: [a.vocabularySize, h])
        layers = try (0..<a.layerCount).map { i in
            let attn = "layers.\(i).self_attn.", mlp = "layers.\(i).mlp."
            return Layer(
                inputNorm: try checkpoint.float32("layers.\(i).input_layernorm.weight", shape: [h]),
                queryWeight: try checkpoint.weight(attn + "q_proj.weight", shape: [qWidth, h]),
                queryBias: try checkpoint.optionalFloat32(attn + "q_proj.bias", shape: [qWidth], present: a.qkvBias),
                keyWeight: try checkpoint.weight(attn + "k_proj.weight", shape: [kvWidth, h]),
                keyBias: try checkpoint.optionalFloat32(attn + "k_proj.bias", shape: [kvWidth], present: a.qkvBias),
                valueWeight: try checkpoint.weight(attn + "v_proj.weight", shape: [kvWidth, h]),
                valueBias: try checkpoint.optionalFloat32(attn + "v_proj.bias", shape: [kvWidth], present: a.qkvBias),
                outputWeight: try checkpoint.weight(attn + "o_proj.weight", shape: [h, qWidth]),
                outputBias: try checkpoint.optionalFloat32(attn + "o_proj.bias", shape: [h], present: a.outputBias),
                postAttentionNorm: try checkpoint.float32("layers.\(i).post_attention_layernorm.weight", shape: [h]),
                gateWeight: try checkpoint.weight(mlp + "gate_proj.weight", shape: [m, h]),
                gateBias: try checkpoint.optionalFloat32(mlp + "gate_proj.bias", shape: [m], present: a.mlpBias),
                upWeight: try checkpoint.weight(mlp + "up_proj.weight", shape: [m, h]),
                upBias: try checkpoint.optionalFloat32(mlp + "up_proj.bias", shape: [m], present: a.mlpBias),
                downWeight: try checkpoint.weight(mlp + "down_proj.weight", shape: [h, m]),
                downBias: try checkpoint.optionalFloat32(mlp + "down_proj.bias", shape: [h], present: a.mlpBias))
        }
        finalNorm = try checkpoint.float32("norm.weight", shape: [h])
        head = try checkpoint.languageModelHead(tied: a.tieWordEmbeddings, embedding: tokenEmbedding)
        inverseFrequencies = a.rope.inverseFrequencies(headDim: a.headDim)
        attention = CachedSelfAttention(
            headCount: a.headCount, keyValueHeadCount: a.keyValueHeadCount, headDim: a.headDim,
            scale: 1 / Float(a.headDim).squareRoot())
    }

    func forward(embeddings: Tensor, cache: inout KVCache, logits selection: LogitsSelection) throws -> Tensor {
        let a = architecture
        try cache.checkLayout(layers: a.layerCount, keyValueHeads: a.keyValueHeadCount, headDim: a.headDim)
        let newPositions = embeddings.shape[0], start = cache.count
        let eps = Float(a.rmsNormEps)
        let angles = rotaryCosSin(positions: Array(start..<(start + newPositions)),
                                  inverseFrequencies: inverseFrequencies, layout: .halfRotation)
        let rotary = CachedSelfAttention.Rotary(cos: angles.cos, sin: angles.sin)
        var hidden = embeddings.converted(to: .float32)
        for (index, layer) in layers.enumerated() {
            let normed = rmsNorm(hidden, weight: layer.inputNorm, eps: eps)
            let attended = attention(
                query: linear(normed, weight: layer.queryWeight, bias: layer.queryBias),
                key: linear(normed, weight: layer.keyWeight, bias: layer.keyBias),
                value: linear(normed, weight: layer.valueWeight, bias: layer.valueBias),
                rotary: rotary, layer: index, cache: &cache)
            hidden = hidden + linear(attended, weight: layer.outputWeight, bias: layer.outputBias)

            let mlpInput = rmsNorm(hidden, weight: layer.postAttentionNorm, eps: eps)
            let gate = silu(linear(mlpInput, weight: layer.gateWeight, bias: layer.gateBias))
            let up = linear(mlpInput, weight: layer.upWeight, bias: layer.upBias)
            hidden = hidden + linear(gate * up, weight: layer.downWeight, bias: layer.downBias)
        }
        cache.advance(by: newPositions)
        if selection == .last { hidden = hidden.sliced(axis: 0, (newPositions - 1)..<newPositions) }
        return linear(rmsNorm(hidden, weight: finalNorm, eps: eps), weight: head)
    }
}

/// A ``LanguageModel`` whose network is a ``LlamaDecoder``; supplies the protocol's members from it.
protocol LlamaDecoderModel: LanguageModel {
    var decoder: LlamaDecoder { get }
}

extension LlamaDecoderModel {
    public var vocabularySize: Int { decoder.architecture.vocabularySize }
    public var maxContextLength: Int { decoder.architecture.maxPositionEmbeddings }
    public var hiddenSize: Int { decoder.architecture.hiddenSize }

    public func embed(tokens: [Int]) throws -> Tensor {
        try validate(tokens: tokens)
        return embedding(tokens, table: decoder.tokenEmbedding)
    }

    public func makeCache(capacity: Int) throws -> KVCache {
        try checkCacheCapacity(capacity)
        let a = decoder.architecture
        return try KVCache(layerCount: a.layerCount, keyValueHeadCount: a.keyValueHeadCount, headDim: a.headDim,
                           capacity: capacity)
    }

    public func forward(embeddings: Tensor, cache: inout KVCache, logits: LogitsSelection) throws -> Tensor {
        try validate(embeddings: embeddings, cache: cache)
        return try decoder.forward(embeddings: embeddings, cache: &cache, logits: logits)
    }
}

/// Llama 1/2/3 causal LM (`model_type: "llama"`); see ``LlamaDecoder`` for the network.
public struct LlamaForCausalLM: LlamaDecoderModel {
    public let config: LlamaConfig
    let decoder: LlamaDecoder

    public var eosTokenIDs: [Int] { config.eosTokenID.ids }

    /// Builds the model from `weights`, checking every tensor's presence and shape.
    public init(config: LlamaConfig, weights: any WeightSource) throws {
        self.config = config
        decoder = try LlamaDecoder(architecture: config.architecture(path: weights.path), weights: weights)
    }
}
