import GenCore

/// The settings a diffusers cross-attention block passes to each of its ``Transformer2DModel``s:
/// `num_attention_heads` (which a UNet2DConditionModel config calls `attention_head_dim`), `cross_attention_dim`,
/// `transformer_layers_per_block` and `use_linear_projection`.
struct CrossAttentionOptions: Sendable {
    var heads: Int
    var crossAttentionDim: Int
    var transformerLayers: Int = 1
    var useLinearProjection: Bool = false

    /// The transformer over a feature map of `channels` channels, split into `heads` heads of channels / heads.
    func transformer(weights: WeightLoader, channels: Int, groups: Int) throws -> Transformer2DModel {
        guard heads > 0, channels % heads == 0 else {
            throw DiffusionModelsError.invalidModelConfig(
                field: "attention_head_dim", reason: "\(channels) channels do not split into \(heads) attention heads")
        }
        return try Transformer2DModel(
            weights: weights, channels: channels, heads: heads, headDim: channels / heads, numLayers: transformerLayers,
            crossAttentionDim: crossAttentionDim, normGroups: groups, useLinearProjection: useLinearProjection)
    }
}
