import GenCore

/// diffusers' `CrossAttnDownBlock2D`: `num_layers` × (resnet, spatial transformer), each output saved for a skip
/// connection, then an optional stride-2 convolution (`downsamplers.0`) whose output is saved too.
struct CrossAttnDownBlock2D: UNetDownBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Transformer2DModel]
    let downsampler: Downsample2D?

    init(
        weights w: WeightLoader, inChannels: Int, outChannels: Int, numLayers: Int, options: ResnetOptions,
        attention: CrossAttentionOptions, addDownsample: Bool, downsamplePadding: Int = 1
    ) throws {
        resnets = try (0..<numLayers).map { i in
            try ResnetBlock2D(weights: w.scoped("resnets.\(i)"), inChannels: i == 0 ? inChannels : outChannels,
                              outChannels: outChannels, options: options)
        }
        attentions = try (0..<numLayers).map { i in
            try attention.transformer(weights: w.scoped("attentions.\(i)"), channels: outChannels, groups: options.groups)
        }
        downsampler = addDownsample
            ? try Downsample2D(weights: w.scoped("downsamplers.0"), channels: outChannels, useConv: true,
                               padding: downsamplePadding)
            : nil
    }

    /// `encoderHiddenStates` must be given: the UNet always passes its text states to cross-attention blocks.
    func callAsFunction(_ x: Tensor, temb: Tensor?, encoderHiddenStates: Tensor?) -> (hidden: Tensor, skips: [Tensor]) {
        guard let context = encoderHiddenStates else { preconditionFailure("CrossAttnDownBlock2D needs encoder hidden states") }
        var h = x
        var skips: [Tensor] = []
        for (resnet, attention) in zip(resnets, attentions) {
            h = attention(resnet(h, temb: temb), encoderHiddenStates: context)
            skips.append(h)
        }
        if let downsampler {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }
}
