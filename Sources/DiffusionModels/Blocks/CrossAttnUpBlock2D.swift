import GenCore

/// diffusers' `CrossAttnUpBlock2D`: `num_layers` × (resnet on the input concatenated with one skip state, the
/// last saved first; spatial transformer), then an optional nearest ×2 upsampler with a convolution. The resnets
/// and the upsampler are those of an ``UpBlock2D``; a transformer follows each resnet.
struct CrossAttnUpBlock2D: UNetUpBlock {
    let base: UpBlock2D
    let attentions: [Transformer2DModel]

    /// `inChannels` is the width of the down block this level mirrors (the last skip), `prevOutputChannels` the
    /// width coming from below.
    init(
        weights w: WeightLoader, inChannels: Int, prevOutputChannels: Int, outChannels: Int, numLayers: Int,
        options: ResnetOptions, attention: CrossAttentionOptions, addUpsample: Bool
    ) throws {
        base = try UpBlock2D(weights: w, inChannels: inChannels, prevOutputChannels: prevOutputChannels,
                             outChannels: outChannels, numLayers: numLayers, options: options, addUpsample: addUpsample)
        attentions = try (0..<numLayers).map { i in
            try attention.transformer(weights: w.scoped("attentions.\(i)"), channels: outChannels, groups: options.groups)
        }
    }

    var skipCount: Int { base.skipCount }

    /// `encoderHiddenStates` must be given: the UNet always passes its text states to cross-attention blocks.
    func callAsFunction(
        _ x: Tensor, skips: [Tensor], temb: Tensor?, encoderHiddenStates: Tensor?, upsampleSize: (height: Int, width: Int)?
    ) -> Tensor {
        guard let context = encoderHiddenStates else { preconditionFailure("CrossAttnUpBlock2D needs encoder hidden states") }
        var h = x
        for (i, (resnet, attention)) in zip(base.resnets, attentions).enumerated() {
            h = resnet(concatenate([h, skips[skips.count - 1 - i]], axis: 1), temb: temb)
            h = attention(h, encoderHiddenStates: context)
        }
        return base.upsampler.map { $0(h, outputSize: upsampleSize) } ?? h
    }
}
