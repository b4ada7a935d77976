import GenCore
import TextModels

/// BLIP's caption decoder (Li et al., 2022; the "image-grounded text decoder" of the paper) as transformers'
/// `BlipTextLMHeadModel`: a BERT (Devlin et al., 2019) with causal self-attention, a cross-attention to the image
/// embeddings in every layer, and BERT's masked-LM head (`cls.predictions`: dense, activation, LayerNorm, then the
/// vocabulary projection with its own bias).
///
/// BERT is post-norm: each sub-layer's output is added to its input and the sum normalised
/// (`LayerNorm(x + f(x))`), and the embeddings (word + position) are normalised before the first layer.
///
/// The image enters only through cross-attention keys/values, projected once per image
/// (``crossAttentionCache(imageEmbeds:)``); `conditioned(on:)` binds them so that the generic `generate` drives
/// the decoder like any ``LanguageModel``.
public struct BlipTextLMHeadModel: CrossAttentionLanguageModel {
    public let config: BlipTextConfig
    /// Width of the image embeddings the cross-attention reads (`encoder_hidden_size`: the vision tower's width).
    public let encoderHiddenSize: Int

    /// `query`/`key`/`value` of one `BlipTextSelfAttention`, then `output.dense` and `output.LayerNorm`.
    struct Attention {
        let query: Linear, key: Linear, value: Linear
        let output: Linear
        let norm: LayerNorm

        init(weights w: WeightLoader, hidden: Int, keyValueInputs: Int, eps: Float) throws {
            query = try w.linear("self.query", inputs: hidden, outputs: hidden)
            key = try w.linear("self.key", inputs: keyValueInputs, outputs: hidden)
            value = try w.linear("self.value", inputs: keyValueInputs, outputs: hidden)
            output = try w.linear("output.dense", inputs: hidden, outputs: hidden)
            norm = try w.layerNorm("output.LayerNorm", dimension: hidden, eps: eps)
        }
    }

    struct Layer {
        let selfAttention: Attention
        let crossAttention: Attention
        let intermediate: Linear
        let output: Linear
        let outputNorm: LayerNorm
    }

    let wordEmbeddings: Tensor
    let positionEmbeddings: Tensor
    let embeddingNorm: LayerNorm
    let layers: [Layer]
    let activation: Activation
    /// `cls.predictions.transform`.
    let headTransform: Linear
    let headNorm: LayerNorm
    /// `cls.predictions.decoder` `[vocab, hidden]` with `cls.predictions.bias`.
    let head: Linear
    let attention: CachedSelfAttention

    public var vocabularySize: Int { config.vocabSize }
    public var maxContextLength: Int { config.maxPositionEmbeddings }
    public var hiddenSize: Int { config.hiddenSize }
    /// `[SEP]`, which `BlipForConditionalGeneration.generate` passes as the end of a caption.
    public var eosTokenIDs: [Int] { [config.sepTokenID] }

    /// `weights` is scoped at the decoder (`text_decoder` in a `BlipForConditionalGeneration` checkpoint).
    public init(config: BlipTextConfig, encoderHiddenSize: Int, weights w: WeightLoader, path: String) throws {
        try config.validate(path: path)
        guard encoderHiddenSize > 0 else {
            throw MultimodalError.invalidConfiguration(path: path, reason: "the image embeddings' width must be positive")
        }
        self.config = config
        self.encoderHiddenSize = encoderHiddenSize
        let h = config.hiddenSize, eps = Float(config.layerNormEps)
        activation = try Activation(configValue: config.hiddenAct)
        let e = w.scoped("bert.embeddings")
        wordEmbeddings = try e.tensor("word_embeddings.weight", shape: [config.vocabSize, h])
        positionEmbeddings = try e.float32("position_embeddings.weight", shape: [config.maxPositionEmbeddings, h])
        embeddingNorm = try e.layerNorm("LayerNorm", dimension: h, eps: eps)
        layers = try (0..<config.numHiddenLayers).map { i in
            let l = w.scoped("bert.encoder.layer.\(i)")
            return Layer(
                selfAttention: try Attention(weights: l.scoped("attention"), hidden: h, keyValueInputs: h, eps: eps),
                crossAttention: try Attention(weights: l.scoped("crossattention"), hidden: h,
                                              keyValueInputs: encoderHiddenSize, eps: eps),
                intermediate: try l.linear("intermediate.dense", inputs: h, outputs: config.intermediateSize),
                output: try l.linear("output.dense", inputs: config.intermediateSize, outputs: h),
                outputNorm: try l.layerNorm("output.LayerNorm", dimension: h, eps: eps))
        }
        let p = w.scoped("cls.predictions")
        headTransform = try p.linear("transform.dense", inputs: h, outputs: h)
        headNorm = try p.layerNorm("transform.LayerNorm", dimension: h, eps: eps)
        // `decoder.bias` is tied to `cls.predictions.bias`; checkpoints store one or both.
        let biasName = p.contains("bias") ? "bias" : "decoder.bias"
        head = Linear(
            weight: config.tieWordEmbeddings ? wordEmbeddings : try p.tensor("decoder.weight", shape: [config.vocabSize, h]),
            bias: try p.float32(biasName, shape: [config.vocabSize]))
        let headDim = h / config.numAttentionHeads
        attention = CachedSelfAttention(headCount: config.numAttentionHeads, keyValueHeadCount: config.numAttentionHeads,
                                        headDim: headDim, scale: 1 / Float(headDim).squareRoot())
    }

    public func embed(tokens: [Int]) throws -> Tensor {
        try validate(tokens: tokens)
        return embedding(tokens, table: wordEmbeddings)
    }

    public func makeCache(capacity: Int) throws -> KVCache {
        try checkCacheCapacity(capacity)
        return try KVCache(layerCount: config.numHiddenLayers, keyValueHeadCount: config.numAttentionHeads,
                           headDim: attention.headDim, capacity: capacity)
    }

    /// Without image embeddings there is nothing to cross-attend to; BLIP's decoder is only defined with them.
    public func forward(embeddings: Tensor, cache: inout KVCache, logits selection: LogitsSelection) throws -> Tensor {
        try forward(embeddings: embeddings, cache: &cache, crossAttention: nil, logits: selection)
    }

    /// Runs the decoder over `embeddings` (word embeddings `[T, hidden]` continuing the sequence in `cache`) while
    /// every layer attends to the image in `crossAttention`, and returns float32 logits for the new positions.
    public func forward(
        embeddings: Tensor, cache: inout KVCache, crossAttention image: CrossAttentionCache?, logits selection: LogitsSelection
    ) throws -> Tensor {
        guard let image else {
            throw GenCoreError.invalidArgument(
                "BLIP's text decoder needs image embeddings: use conditioned(on: crossAttentionCache(imageEmbeds:))")
        }
        try validate(embeddings: embeddings, cache: cache)
        try cache.checkLayout(layers: config.numHiddenLayers, keyValueHeads: config.numAttentionHeads, headDim: attention.headDim)
        guard image.keys.count == layers.count else {
            throw GenCoreError.invalidArgument("the image cache has \(image.keys.count) layers, the decoder \(layers.count)")
        }
        let newPositions = embeddings.shape[0], start = cache.count
        // Absolute positions continue from what the cache already holds.
        var hidden = embeddingNorm(embeddings.converted(to: .float32)
            + embedding(Array(start..<(start + newPositions)), table: positionEmbeddings))
        for (index, layer) in layers.enumerated() {
            let s = layer.selfAttention
            let attended = attention(query: s.query(hidden), key: s.key(hidden), value: s.value(hidden), rotary: nil,
                                     layer: index, cache: &cache,
                                     precision: .forActivations(withWeights: s.query.weight.dtype))
            hidden = s.norm(hidden + s.output(attended))
            let c = layer.crossAttention
            let crossPrecision = MatmulPrecision.forActivations(withWeights: c.query.weight.dtype)
            hidden = c.norm(hidden + c.output(crossAttend(c.query(hidden), keys: image.keys[index], values: image.values[index],
                                                          precision: crossPrecision)))
            hidden = layer.outputNorm(hidden + layer.output(activation(layer.intermediate(hidden))))
        }
        cache.advance(by: newPositions)
        if selection == .last { hidden = hidden.sliced(axis: 0, (newPositions - 1)..<newPositions) }
        return head(headNorm(activation(headTransform(hidden))))
    }

    /// Queries `[T, hidden]` over one layer's image keys/values `[1, heads, S, headDim]`, unmasked.
    private func crossAttend(_ query: Tensor, keys: Tensor, values: Tensor, precision: MatmulPrecision) -> Tensor {
        let positions = query.shape[0]
        let q = CachedSelfAttention.splitHeads(query, count: attention.headCount, headDim: attention.headDim)
        let attended = scaledDotProductAttention(query: q, key: keys, value: values, scale: attention.scale,
                                                 precision: precision)
        return attended.squeezed(0).permuted([1, 0, 2]).reshaped([positions, config.hiddenSize])
    }

    /// Projects one image's embeddings (`[S, encoderHiddenSize]`, the vision tower's post-normed sequence) to every
    /// layer's cross-attention keys and values, once per image.
    public func crossAttentionCache(imageEmbeds: Tensor) throws -> CrossAttentionCache {
        guard imageEmbeds.rank == 2, imageEmbeds.shape[0] > 0, imageEmbeds.shape[1] == encoderHiddenSize,
              imageEmbeds.dtype.isFloatingPoint else {
            throw GenCoreError.invalidArgument(
                "image embeddings must be [S, \(encoderHiddenSize)] floats with S ≥ 1, got \(imageEmbeds.shape)")
        }
        let states = imageEmbeds.converted(to: .float32)
        let heads = attention.headCount, headDim = attention.headDim
        func project(_ projection: Linear) -> Tensor {
            CachedSelfAttention.splitHeads(projection(states), count: heads, headDim: headDim).contiguous()
        }
        return CrossAttentionCache(keys: layers.map { project($0.crossAttention.key) },
                                   values: layers.map { project($0.crossAttention.value) })
    }
}
