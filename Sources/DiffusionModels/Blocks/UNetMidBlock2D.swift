import GenCore

/// diffusers' `UNetMidBlock2D`: a resnet, then `num_layers` × (self-attention when `add_attention`, resnet).
/// The attention uses one head per `attentionHeadDim` channels and group norm with `attnGroups` groups (diffusers
/// defaults them to the resnet groups with the "default" time-embedding norm, none otherwise).
struct UNetMidBlock2D: UNetMidBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Attention]

    init(
        weights w: WeightLoader, channels: Int, options: ResnetOptions, numLayers: Int = 1, addAttention: Bool = true,
        attentionHeadDim: Int, attnGroups: Int? = nil
    ) throws {
        resnets = try (0...numLayers).map { i in
            try ResnetBlock2D(weights: w.scoped("resnets.\(i)"), inChannels: channels, outChannels: channels, options: options)
        }
        let groups = attnGroups ?? (options.timeEmbeddingNorm == .default ? options.groups : nil)
        attentions = addAttention
            ? try (0..<numLayers).map { i in
                try spatialSelfAttention(weights: w.scoped("attentions.\(i)"), channels: channels,
                                         attentionHeadDim: attentionHeadDim, groups: groups, options: options)
            }
            : []
    }

    func callAsFunction(_ x: Tensor, temb: Tensor?, encoderHiddenStates: Tensor? = nil) -> Tensor {
        var h = resnets[0](x, temb: temb)
        for i in 1..<resnets.count {
            if !attentions.isEmpty { h = attentions[i - 1](h) }
            h = resnets[i](h, temb: temb)
        }
        return h
    }
}
