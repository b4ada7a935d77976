import GenCore

/// The Llama decoder (Touvron et al., 2023, "LLaMA: Open and Efficient Foundation Language Models"), as
/// transformers' `LlamaForCausalLM`: pre-norm blocks with RMSNorm, rotary position embeddings on queries and keys,
/// grouped-query attention, a SwiGLU MLP (`down(silu(gate(x)) · up(x))`), a final RMSNorm and an LM head.
/// Qwen2 is the same network with q/k/v biases (``Qwen2ForCausalLM``).
struct LlamaDecoder: Sendable {
    let architecture: DecoderArchitecture

    struct Layer {
        let inputNorm: Tensor
        let query: Linear, key: Linear, value: Linear, output: Linear
        let postAttentionNorm: Tensor
        let gate: Linear, up: Linear, down: Linear
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
            func projection(_ name: String, rows: Int, columns: Int, bias: Bool) throws -> Linear {
                Linear(weight: try checkpoint.weight(name + ".weight", shape: [rows, columns]),
                       bias: try checkpoint.optionalFloat32(name + ".bias", shape: [rows], present: bias))
            }
            return Layer(
                inputNorm: try checkpoint.float32("layers.\(i).input_layernorm.weight", shape: [h]),
                query: try projection(attn + "q_proj", rows: qWidth, columns: h, bias: a.qkvBias),
                key: try projection(attn + "k_proj", rows: kvWidth, columns: h, bias: a.qkvBias),
                value: try projection(attn + "v_proj", rows: kvWidth, columns: h, bias: a.qkvBias),
                output: try projection(attn + "o_proj", rows: h, columns: qWidth, bias: a.outputBias),
                postAttentionNorm: try checkpoint.float32("layers.\(i).post_attention_layernorm.weight", shape: [h]),
                gate: try projection(mlp + "gate_proj", rows: m, columns: h, bias: a.mlpBias),
                up: try projection(mlp + "up_proj", rows: m, columns: h, bias: a.mlpBias),
                down: try projection(mlp + "down_proj", rows: h, columns: m, bias: a.mlpBias))
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
            let precision = MatmulPrecision.forActivations(withWeights: layer.query.weight.dtype)
            let attended: Tensor
            if selection == .last && index == layers.count - 1 && hidden.shape[0] > 1 {
                // Only the last position's logits are wanted: the last layer caches every position's keys and
                // values, but its queries, output projection and MLP run for the last position alone.
                let last = (newPositions - 1)..<newPositions
                let kv = linear(normed, layers: [layer.key, layer.value])
                attended = attention(query: layer.query(normed.sliced(axis: 0, last)), key: kv[0], value: kv[1],
                                     rotary: rotary, layer: index, cache: &cache, precision: precision)
                hidden = hidden.sliced(axis: 0, last)
            } else {
                // q, k and v (and below gate and up) read the same input: one grouped product each.
                let qkv = linear(normed, layers: [layer.query, layer.key, layer.value])
                attended = attention(query: qkv[0], key: qkv[1], value: qkv[2], rotary: rotary, layer: index,
                                     cache: &cache, precision: precision)
            }
            hidden = hidden + layer.output(attended)

            let gateUp = linear(rmsNorm(hidden, weight: layer.postAttentionNorm, eps: eps), layers: [layer.gate, layer.up])
            hidden = hidden + layer.down(silu(gateUp[0], times: gateUp[1]))
        }
        cache.advance(by: newPositions)
        if selection == .last { hidden = hidden.sliced(axis: 0, (hidden.shape[0] - 1)..<hidden.shape[0]) }
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
