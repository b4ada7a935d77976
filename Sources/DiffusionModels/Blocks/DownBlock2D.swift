import GenCore

/// diffusers' `DownBlock2D`, `AttnDownBlock2D` (when built with attention: a self-attention after each resnet)
/// and `DownEncoderBlock2D` (the VAE's: no time embedding, downsampler padding 0): `num_layers` resnets, then an
/// optional stride-2 convolution (`downsamplers.0`).
struct DownBlock2D: UNetDownBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Attention]
    let downsampler: Downsample2D?

    /// `attentionHeadDim` non-nil builds `AttnDownBlock2D`.
    init(
        weights w: WeightLoader, inChannels: Int, outChannels: Int, numLayers: Int, options: ResnetOptions,
        addDownsample: Bool, downsamplePadding: Int = 1, attentionHeadDim: Int? = nil
    ) throws {
        resnets = try (0..<numLayers).map { i in
            try ResnetBlock2D(weights: w.scoped("resnets.\(i)"), inChannels: i == 0 ? inChannels : outChannels,
                              outChannels: outChannels, options: options)
        }
        attentions = try spatialSelfAttentions(weights: w, count: numLayers, channels: outChannels,
                                               attentionHeadDim: attentionHeadDim, options: options)
        downsampler = addDownsample
            ? try Downsample2D(weights: w.scoped("downsamplers.0"), channels: outChannels, useConv: true,
                               padding: downsamplePadding)
            : nil
    }

    func callAsFunction(_ x: Tensor, temb: Tensor?, encoderHiddenStates: Tensor? = nil) -> (hidden: Tensor, skips: [Tensor]) {
        var h = x
        var skips: [Tensor] = []
        for (i, resnet) in resnets.enumerated() {
            h = resnet(h, temb: temb)
            if !attentions.isEmpty { h = attentions[i](h) }
            skips.append(h)
        }
        if let downsampler {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }
}
