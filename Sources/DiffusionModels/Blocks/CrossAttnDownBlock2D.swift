import GenCore

/// diffusers' `CrossAttnDownBlock2D`: `num_layers` × (resnet, spatial transformer), each output saved for a skip
/// connection, then an optional stride-2 convolution (`downsamplers.0`) whose output is saved too. The resnets and
/// the downsampler are those of a ``DownBlock2D``; a transformer follows each resnet.
struct CrossAttnDownBlock2D: UNetDownBlock {
    let base: DownBlock2D
    let attentions: [Transformer2DModel]

    init(
        weights w: WeightLoader, inChannels: Int, outChannels: Int, numLayers: Int, options: ResnetOptions,
        attention: CrossAttentionOptions, addDownsample: Bool, downsamplePadding: Int = 1
    ) throws {
        base = try DownBlock2D(weights: w, inChannels: inChannels, outChannels: outChannels, numLayers: numLayers,
                               options: options, addDownsample: addDownsample, downsamplePadding: downsamplePadding)
        attentions = try (0..<numLayers).map { i in
            try attention.transformer(weights: w.scoped("attentions.\(i)"), channels: outChannels, groups: options.groups)
        }
    }

    /// `encoderHiddenStates` must be given: the UNet always passes its text states to cross-attention blocks.
    func callAsFunction(_ x: Tensor, temb: Tensor?, encoderHiddenStates: Tensor?) -> (hidden: Tensor, skips: [Tensor]) {
        guard let context = encoderHiddenStates else { preconditionFailure("CrossAttnDownBlock2D needs encoder hidden states") }
        var h = x
        var skips: [Tensor] = []
        for (resnet, attention) in zip(base.resnets, attentions) {
            h = attention(resnet(h, temb: temb), encoderHiddenStates: context)
            skips.append(h)
        }
        if let downsampler = base.downsampler {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }
}
