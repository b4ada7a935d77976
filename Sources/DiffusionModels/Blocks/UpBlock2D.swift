import GenCore

/// diffusers' `UpBlock2D` and `AttnUpBlock2D` (when built with attention): `num_layers` resnets, each fed its
/// input concatenated with one skip state (the last saved first), each followed by self-attention in the
/// attention form, then an optional nearest ×2 upsampler with a convolution (`upsamplers.0`).
struct UpBlock2D: UNetUpBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Attention]
    let upsampler: Upsample2D?

    /// `inChannels` is the width of the down block this level mirrors (the last skip), `prevOutputChannels` the
    /// width coming from below; `attentionHeadDim` non-nil builds `AttnUpBlock2D`.
    init(
        weights w: WeightLoader, inChannels: Int, prevOutputChannels: Int, outChannels: Int, numLayers: Int,
        options: ResnetOptions, addUpsample: Bool, attentionHeadDim: Int? = nil
    ) throws {
        resnets = try (0..<numLayers).map { i in
            let skipChannels = i == numLayers - 1 ? inChannels : outChannels
            let resnetIn = i == 0 ? prevOutputChannels : outChannels
            return try ResnetBlock2D(weights: w.scoped("resnets.\(i)"), inChannels: resnetIn + skipChannels,
                                     outChannels: outChannels, options: options)
        }
        attentions = try spatialSelfAttentions(weights: w, count: numLayers, channels: outChannels,
                                               attentionHeadDim: attentionHeadDim, options: options)
        upsampler = addUpsample
            ? try Upsample2D(weights: w.scoped("upsamplers.0"), channels: outChannels, useConv: true) : nil
    }

    var skipCount: Int { resnets.count }

    func callAsFunction(
        _ x: Tensor, skips: [Tensor], temb: Tensor?, encoderHiddenStates: Tensor? = nil,
        upsampleSize: (height: Int, width: Int)? = nil
    ) -> Tensor {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            h = resnet(concatenate([h, skips[skips.count - 1 - i]], axis: 1), temb: temb)
            if !attentions.isEmpty { h = attentions[i](h) }
        }
        return upsampler.map { $0(h, outputSize: upsampleSize) } ?? h
    }
}

/// diffusers' `UpDecoderBlock2D` (the VAE decoder's level): resnets without skips or time embedding, then an
/// optional upsampler.
struct UpDecoderBlock2D: Sendable {
    let resnets: [ResnetBlock2D]
    let upsampler: Upsample2D?

    init(weights w: WeightLoader, inChannels: Int, outChannels: Int, numLayers: Int, options: ResnetOptions,
         addUpsample: Bool) throws {
        resnets = try (0..<numLayers).map { i in
            try ResnetBlock2D(weights: w.scoped("resnets.\(i)"), inChannels: i == 0 ? inChannels : outChannels,
                              outChannels: outChannels, options: options)
        }
        upsampler = addUpsample
            ? try Upsample2D(weights: w.scoped("upsamplers.0"), channels: outChannels, useConv: true) : nil
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = resnets.reduce(x) { $1($0, temb: nil) }
        return upsampler.map { $0(h) } ?? h
    }
}
