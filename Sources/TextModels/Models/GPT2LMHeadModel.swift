import GenCore

/// GPT-2 (Radford et al., 2019, "Language Models are Unsupervised Multitask Learners"), as transformers'
/// `GPT2LMHeadModel`: learned absolute positions, pre-norm blocks with LayerNorm, one fused q/k/v projection,
/// a GELU MLP, a final LayerNorm and an LM head tied to the token embedding.
///
/// With `add_cross_attention` (the decoder of a `VisionEncoderDecoderModel`) every block also attends to an
/// encoder's hidden states between self-attention and the MLP. Those states are projected to keys/values once
/// (``crossAttentionCache(encoderHiddenStates:)``) and passed to each forward; ``conditioned(on:)`` binds them
/// so that the usual `generate` functions drive the decoder.
///
/// Hugging Face stores GPT-2's projections as `Conv1D` weights `[in, out]`; they are transposed once at load into
/// the `[out, in]` layout `linear` reads.
public struct GPT2LMHeadModel: CrossAttentionLanguageModel {
    public let config: GPT2Config

    struct Block {
        let ln1Weight: Tensor, ln1Bias: Tensor
        /// Fused q/k/v projection `[3·n_embd, n_embd]`.
        let attentionWeight: Tensor, attentionBias: Tensor
        let attentionOutputWeight: Tensor, attentionOutputBias: Tensor
        let ln2Weight: Tensor, ln2Bias: Tensor
        let mlpInWeight: Tensor, mlpInBias: Tensor
        let mlpOutWeight: Tensor, mlpOutBias: Tensor
        /// Present when the config has `add_cross_attention`.
        let crossAttention: GPT2CrossAttention?
    }

    let tokenEmbedding: Tensor
    let positionEmbedding: Tensor
    let blocks: [Block]
    let finalNormWeight: Tensor, finalNormBias: Tensor
    let head: Tensor
    let attention: CachedSelfAttention

    public var vocabularySize: Int { config.vocabSize }
    public var maxContextLength: Int { config.nPositions }
    public var hiddenSize: Int { config.nEmbd }
    public var eosTokenIDs: [Int] { config.eosTokenID.ids }

    /// Builds the model from `weights`, checking every tensor's presence and shape.
    public init(config: GPT2Config, weights: any WeightSource) throws {
        try config.validate(path: weights.path)
        self.config = config
        let e = config.nEmbd, inner = config.innerSize
        let checkpoint = try CheckpointTensors(source: weights, prefixes: ["transformer.", ""], probe: "wte.weight")
        tokenEmbedding = try checkpoint.weight("wte.weight", shape: [config.vocabSize, e])
        positionEmbedding = try checkpoint.weight("wpe.weight", shape: [config.nPositions, e])
        // Conv1D stores [in, out]; linear wants [out, in].
        func conv1D(_ name: String, in inputs: Int, out outputs: Int) throws -> Tensor {
            try checkpoint.weight(name, shape: [inputs, outputs]).transposed().contiguous()
        }
        blocks = try (0..<config.nLayer).map { i in
            let p = "h.\(i)."
            return Block(
                ln1Weight: try checkpoint.float32(p + "ln_1.weight", shape: [e]),
                ln1Bias: try checkpoint.float32(p + "ln_1.bias", shape: [e]),
                attentionWeight: try conv1D(p + "attn.c_attn.weight", in: e, out: 3 * e),
                attentionBias: try checkpoint.float32(p + "attn.c_attn.bias", shape: [3 * e]),
                attentionOutputWeight: try conv1D(p + "attn.c_proj.weight", in: e, out: e),
                attentionOutputBias: try checkpoint.float32(p + "attn.c_proj.bias", shape: [e]),
                ln2Weight: try checkpoint.float32(p + "ln_2.weight", shape: [e]),
                ln2Bias: try checkpoint.float32(p + "ln_2.bias", shape: [e]),
                mlpInWeight: try conv1D(p + "mlp.c_fc.weight", in: e, out: inner),
                mlpInBias: try checkpoint.float32(p + "mlp.c_fc.bias", shape: [inner]),
                mlpOutWeight: try conv1D(p + "mlp.c_proj.weight", in: inner, out: e),
                mlpOutBias: try checkpoint.float32(p + "mlp.c_proj.bias", shape: [e]),
                crossAttention: config.addCrossAttention ? try GPT2CrossAttention(checkpoint: checkpoint, block: p, width: e) : nil)
        }
        finalNormWeight = try checkpoint.float32("ln_f.weight", shape: [e])
        finalNormBias = try checkpoint.float32("ln_f.bias", shape: [e])
        head = try checkpoint.languageModelHead(tied: config.tieWordEmbeddings, embedding: tokenEmbedding)
        let headDim = e / config.nHead
        attention = CachedSelfAttention(
            headCount: config.nHead, keyValueHeadCount: config.nHead, headDim: headDim,
            scale: config.scaleAttnWeights ? 1 / Float(headDim).squareRoot() : 1)
    }

    public func embed(tokens: [Int]) throws -> Tensor {
        try validate(tokens: tokens)
        return embedding(tokens, table: tokenEmbedding)
    }

    public func makeCache(capacity: Int) throws -> KVCache {
        try checkCacheCapacity(capacity)
        return try KVCache(layerCount: config.nLayer, keyValueHeadCount: config.nHead,
                           headDim: attention.headDim, capacity: capacity)
    }

    public func forward(embeddings: Tensor, cache: inout KVCache, logits selection: LogitsSelection) throws -> Tensor {
        try forward(embeddings: embeddings, cache: &cache, crossAttention: nil, logits: selection)
    }

    /// Runs the decoder as ``forward(embeddings:cache:logits:)`` does, and when `crossAttention` is given, lets every
    /// block attend to the encoder states it holds (transformers skips cross-attention without encoder states too).
    public func forward(
        embeddings: Tensor, cache: inout KVCache, crossAttention: CrossAttentionCache?, logits selection: LogitsSelection
    ) throws -> Tensor {
        try validate(embeddings: embeddings, cache: cache)
        if let crossAttention {
            guard blocks.allSatisfy({ $0.crossAttention != nil }), crossAttention.keys.count == blocks.count else {
                throw TextModelsError.invalidConfiguration(
                    path: "config.json", reason: "encoder hidden states need a decoder with add_cross_attention")
            }
        }
        try cache.checkLayout(layers: config.nLayer, keyValueHeads: config.nHead, headDim: attention.headDim)
        let newPositions = embeddings.shape[0], start = cache.count, e = config.nEmbd
        let eps = Float(config.layerNormEpsilon)
        // Absolute positions continue from what the cache already holds.
        var hidden = embeddings.converted(to: .float32) + embedding(Array(start..<(start + newPositions)), table: positionEmbedding)
        for (index, block) in blocks.enumerated() {
            let normed = layerNorm(hidden, weight: block.ln1Weight, bias: block.ln1Bias, eps: eps)
            let qkv = split(linear(normed, weight: block.attentionWeight, bias: block.attentionBias), sizes: [e, e, e], axis: 1)
            var layerAttention = attention
            if config.scaleAttnByInverseLayerIdx {
                layerAttention = CachedSelfAttention(
                    headCount: attention.headCount, keyValueHeadCount: attention.keyValueHeadCount,
                    headDim: attention.headDim, scale: attention.scale / Float(index + 1))
            }
            let precision = MatmulPrecision.forActivations(withWeights: block.attentionWeight.dtype)
            let attended = layerAttention(query: qkv[0], key: qkv[1], value: qkv[2], rotary: nil, layer: index,
                                          cache: &cache, precision: precision)
            hidden = hidden + linear(attended, weight: block.attentionOutputWeight, bias: block.attentionOutputBias)
            if let crossAttention, let cross = block.crossAttention {
                hidden = hidden + cross(hidden, keys: crossAttention.keys[index], values: crossAttention.values[index],
                                        headCount: config.nHead, scale: layerAttention.scale, eps: eps)
            }

            let mlpInput = layerNorm(hidden, weight: block.ln2Weight, bias: block.ln2Bias, eps: eps)
            let activated = activate(linear(mlpInput, weight: block.mlpInWeight, bias: block.mlpInBias))
            hidden = hidden + linear(activated, weight: block.mlpOutWeight, bias: block.mlpOutBias)
        }
        cache.advance(by: newPositions)
        if selection == .last { hidden = hidden.sliced(axis: 0, (newPositions - 1)..<newPositions) }
        return linear(layerNorm(hidden, weight: finalNormWeight, bias: finalNormBias, eps: eps), weight: head)
    }

    /// Projects `encoderHiddenStates` (`[S, n_embd]`, one image's sequence) to every block's cross-attention keys and
    /// values, once per input. Throws unless the decoder has cross-attention and the width matches.
    public func crossAttentionCache(encoderHiddenStates: Tensor) throws -> CrossAttentionCache {
        let crossBlocks = blocks.compactMap(\.crossAttention)
        guard !crossBlocks.isEmpty, crossBlocks.count == blocks.count else {
            throw TextModelsError.invalidConfiguration(
                path: "config.json", reason: "encoder hidden states need a decoder with add_cross_attention")
        }
        guard encoderHiddenStates.rank == 2, encoderHiddenStates.shape[0] > 0, encoderHiddenStates.shape[1] == config.nEmbd,
              encoderHiddenStates.dtype.isFloatingPoint else {
            throw GenCoreError.invalidArgument(
                "encoder hidden states must be [S, \(config.nEmbd)] floats with S ≥ 1, got \(encoderHiddenStates.shape)")
        }
        let states = encoderHiddenStates.converted(to: .float32)
        let projected = crossBlocks.map { $0.keysAndValues(states, headCount: config.nHead) }
        return CrossAttentionCache(keys: projected.map(\.keys), values: projected.map(\.values))
    }

    /// transformers' `ACT2FN[activation_function]` for the names ``GPT2Config/validate(path:)`` accepts.
    private func activate(_ x: Tensor) -> Tensor {
        switch config.activationFunction {
        case "gelu": gelu(x, approximate: .none)
        case "quick_gelu": quickGELU(x)
        case "relu": relu(x)
        case "silu", "swish": silu(x)
        default: gelu(x, approximate: .tanh)  // gelu_new, gelu_pytorch_tanh
        }
    }
}
