import GenCore

/// diffusers' `CrossAttnUpBlock2D`: `num_layers` × (resnet on the input concatenated with one skip state, the
/// last saved first; spatial transformer), then an optional nearest ×2 upsampler with a convolution.
struct CrossAttnUpBlock2D: UNetUpBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Transformer2DModel]
    let upsampler: Upsample2D?

    /// `inChannels` is the width of the down block this level mirrors (the last skip), `prevOutputChannels` the
    /// width coming from below.
    init(
        weights w: WeightLoader, inChannels: Int, prevOutputChannels: Int, outChannels: Int, numLayers: Int,
        options: ResnetOptions, attention: CrossAttentionOptions, addUpsample: Bool
    ) throws {
        resnets = try (0..<numLayers).map { i in
            let skipChannels = i == numLayers - 1 ? inChannels : outChannels
            let resnetIn = i == 0 ? prevOutputChannels : outChannels
            return try ResnetBlock2D(weights: w.scoped("resnets.\(i)"), inChannels: resnetIn + skipChannels,
                                     outChannels: outChannels, options: options)
        }
        attentions = try (0..<numLayers).map { i in
            try attention.transformer(weights: w.scoped("attentions.\(i)"), channels: outChannels, groups: options.groups)
        }
        upsampler = addUpsample
            ? try Upsample2D(weights: w.scoped("upsamplers.0"), channels: outChannels, useConv: true) : nil
    }

    var skipCount: Int { resnets.count }

    /// `encoderHiddenStates` must be given: the UNet always passes its text states to cross-attention blocks.
    func callAsFunction(
        _ x: Tensor, skips: [Tensor], temb: Tensor?, encoderHiddenStates: Tensor?, upsampleSize: (height: Int, width: Int)?
    ) -> Tensor {
        guard let context = encoderHiddenStates else { preconditionFailure("CrossAttnUpBlock2D needs encoder hidden states") }
        var h = x
        for (i, (resnet, attention)) in zip(resnets, attentions).enumerated() {
            h = resnet(concatenate([h, skips[skips.count - 1 - i]], axis: 1), temb: temb)
            h = attention(h, encoderHiddenStates: context)
        }
        return upsampler.map { $0(h, outputSize: upsampleSize) } ?? h
    }
}
