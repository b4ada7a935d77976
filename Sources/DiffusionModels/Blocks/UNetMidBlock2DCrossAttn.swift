import GenCore

/// diffusers' `UNetMidBlock2DCrossAttn`: a resnet, then `num_layers` × (spatial transformer, resnet), all at the
/// width of the deepest level. Its resnets divide by `mid_block_scale_factor` (`options.outputScaleFactor`).
struct UNetMidBlock2DCrossAttn: UNetMidBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Transformer2DModel]

    init(
        weights w: WeightLoader, channels: Int, options: ResnetOptions, attention: CrossAttentionOptions, numLayers: Int = 1
    ) throws {
        resnets = try (0...numLayers).map { i in
            try ResnetBlock2D(weights: w.scoped("resnets.\(i)"), inChannels: channels, outChannels: channels, options: options)
        }
        attentions = try (0..<numLayers).map { i in
            try attention.transformer(weights: w.scoped("attentions.\(i)"), channels: channels, groups: options.groups)
        }
    }

    /// `encoderHiddenStates` must be given: the UNet always passes its text states to cross-attention blocks.
    func callAsFunction(_ x: Tensor, temb: Tensor?, encoderHiddenStates: Tensor?) -> Tensor {
        guard let context = encoderHiddenStates else { preconditionFailure("UNetMidBlock2DCrossAttn needs encoder hidden states") }
        var h = resnets[0](x, temb: temb)
        for (attention, resnet) in zip(attentions, resnets.dropFirst()) {
            h = resnet(attention(h, encoderHiddenStates: context), temb: temb)
        }
        return h
    }
}
