import GenCore

/// diffusers' `Transformer2DModel` for continuous inputs, the spatial transformer of Stable Diffusion's UNet
/// (Rombach et al., "High-Resolution Image Synthesis with Latent Diffusion Models", 2022): group norm (eps 1e-6),
/// `proj_in` to heads · headDim channels, the pixels as a token sequence through ``BasicTransformerBlock``s that
/// cross-attend to the text states, `proj_out` back, and the input added as a residual.
///
/// `proj_in`/`proj_out` are 1×1 convolutions in SD 1.x checkpoints and linear layers when `use_linear_projection`
/// (SD 2.x). A 1×1 convolution is the same map as a linear layer over the channels, so both run as one.
struct Transformer2DModel: Sendable {
    let norm: GroupNorm
    let projIn: Linear
    let blocks: [BasicTransformerBlock]
    let projOut: Linear

    init(
        weights w: WeightLoader, channels: Int, heads: Int, headDim: Int, numLayers: Int, crossAttentionDim: Int,
        normGroups: Int, useLinearProjection: Bool
    ) throws {
        let inner = heads * headDim
        norm = try w.groupNorm("norm", channels: channels, groups: normGroups, eps: 1e-6)
        projIn = try Self.projection(w, "proj_in", inputs: channels, outputs: inner, linear: useLinearProjection)
        blocks = try (0..<numLayers).map { i in
            try BasicTransformerBlock(weights: w.scoped("transformer_blocks.\(i)"), dim: inner, heads: heads,
                                      headDim: headDim, crossAttentionDim: crossAttentionDim)
        }
        projOut = try Self.projection(w, "proj_out", inputs: inner, outputs: channels, linear: useLinearProjection)
    }

    /// x [B, C, H, W]; `encoderHiddenStates` [B, S, cross_attention_dim].
    func callAsFunction(_ x: Tensor, encoderHiddenStates: Tensor) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        // [B, C, H, W] → [B, H·W, C]: one token per pixel.
        let tokens = norm(x).reshaped([batch, channels, height * width]).transposed(1, 2)
        var h = projIn(tokens)
        for block in blocks { h = block(h, encoderHiddenStates: encoderHiddenStates) }
        let out = projOut(h).transposed(1, 2).reshaped([batch, channels, height, width])
        return out + x
    }

    /// `name.weight` as [outputs, inputs] (a linear layer's, or a 1×1 convolution's with the kernel axes dropped).
    private static func projection(_ w: WeightLoader, _ name: String, inputs: Int, outputs: Int, linear: Bool) throws -> Linear {
        if linear { return try w.linear(name, inputs: inputs, outputs: outputs) }
        let scope = w.scoped(name)
        let kernel = try scope.tensor("weight", shape: [outputs, inputs, 1, 1])
        return Linear(weight: kernel.reshaped([outputs, inputs]), bias: try scope.float32("bias", shape: [outputs]))
    }
}
