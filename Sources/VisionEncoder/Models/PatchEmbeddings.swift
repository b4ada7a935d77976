import GenCore

/// The patch embedding: a convolution with stride = kernel = patch size, flattened to one token per patch.
struct PatchEmbedding: Sendable {
    let weight: Tensor  // [hidden, channels, patch, patch], float32
    let bias: Tensor?
    let patchSize: Int

    /// Loads `name.weight` (and `name.bias` when `bias`) with the shapes `config` implies.
    init(weights w: WeightLoader, name: String, config c: VisionTransformerConfig, bias: Bool) throws {
        let scope = w.scoped(name)
        weight = try scope.tensor("weight", shape: [c.hiddenSize, c.numChannels, c.patchSize, c.patchSize]).converted(to: .float32)
        self.bias = bias ? try scope.float32("bias", shape: [c.hiddenSize]) : nil
        patchSize = c.patchSize
    }

    /// pixels [B, C, H, W] → [B, patches, hidden] (flatten(2).transpose(1, 2) in PyTorch).
    func callAsFunction(_ pixels: Tensor) -> Tensor {
        let conv = conv2d(pixels, weight: weight, bias: bias, stride: (patchSize, patchSize))
        let (b, c) = (conv.shape[0], conv.shape[1])
        return conv.reshaped([b, c, -1]).transposed(1, 2).contiguous()
    }
}

extension EncoderLayer {
    /// The encoder's `numHiddenLayers` layers, named `<weights prefix>.<index>`.
    static func stack(
        weights w: WeightLoader, names: EncoderLayerNames, config c: VisionTransformerConfig, activation: Activation,
        qkvBias: Bool = true
    ) throws -> [EncoderLayer] {
        try (0..<c.numHiddenLayers).map { i in
            try EncoderLayer(weights: w.scoped("\(i)"), names: names, hidden: c.hiddenSize, intermediate: c.intermediateSize,
                             heads: c.numAttentionHeads, activation: activation, eps: c.layerNormEps, qkvBias: qkvBias)
        }
    }
}
