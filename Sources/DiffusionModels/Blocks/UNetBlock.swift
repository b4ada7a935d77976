import GenCore

/// One level of a UNet's contracting path. It returns the features passed down and, in order, the states it saves
/// for the skip connections (one per resnet, plus one after the downsampler). Cross-attention blocks read
/// `encoderHiddenStates`; the others ignore it.
protocol UNetDownBlock: Sendable {
    func callAsFunction(_ x: Tensor, temb: Tensor?, encoderHiddenStates: Tensor?) -> (hidden: Tensor, skips: [Tensor])
}

/// One level of a UNet's expanding path. It consumes the last ``skipCount`` saved states, the last one first,
/// concatenating each to its input along the channels. `upsampleSize` (height, width) is the size of the next
/// skip state when the input was not a multiple of the total downsampling.
protocol UNetUpBlock: Sendable {
    var skipCount: Int { get }
    func callAsFunction(
        _ x: Tensor, skips: [Tensor], temb: Tensor?, encoderHiddenStates: Tensor?, upsampleSize: (height: Int, width: Int)?
    ) -> Tensor
}

/// The bottom of a UNet, between the last down block and the first up block.
protocol UNetMidBlock: Sendable {
    func callAsFunction(_ x: Tensor, temb: Tensor?, encoderHiddenStates: Tensor?) -> Tensor
}

/// `count` self-attentions (`attentions.0`, …) for the resnets of an `Attn…Block2D`, or none when
/// `attentionHeadDim` is nil (the plain block).
func spatialSelfAttentions(
    weights w: WeightLoader, count: Int, channels: Int, attentionHeadDim: Int?, options: ResnetOptions
) throws -> [Attention] {
    guard let attentionHeadDim else { return [] }
    return try (0..<count).map { i in
        try spatialSelfAttention(weights: w.scoped("attentions.\(i)"), channels: channels,
                                 attentionHeadDim: attentionHeadDim, groups: options.groups, options: options)
    }
}

/// The self-attention that diffusers' `AttnDownBlock2D`, `AttnUpBlock2D` and `UNetMidBlock2D` put after a resnet:
/// ⌊channels / attentionHeadDim⌋ heads of `attentionHeadDim` channels over the pixels (so the projections may be
/// narrower than the block when the division is not exact, as in diffusers), group norm, q/k/v biases, residual.
func spatialSelfAttention(
    weights: WeightLoader, channels: Int, attentionHeadDim: Int, groups: Int?, options: ResnetOptions
) throws -> Attention {
    guard attentionHeadDim > 0, channels >= attentionHeadDim else {
        throw DiffusionModelsError.invalidModelConfig(
            field: "attention_head_dim", reason: "\(attentionHeadDim) leaves no attention head in \(channels) channels")
    }
    return try Attention(
        weights: weights, queryDim: channels, heads: channels / attentionHeadDim, dimHead: attentionHeadDim, bias: true,
        normNumGroups: groups, eps: options.eps, residualConnection: true, rescaleOutputFactor: options.outputScaleFactor)
}
