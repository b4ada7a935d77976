#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GenCore

/// What ``CLIPTextModel`` computes for a batch of token sequences.
public struct CLIPTextModelOutput: Sendable {
    /// [batch, tokens, hidden]: the last layer's states after `final_layer_norm`.
    public var lastHiddenState: Tensor
    /// [batch, hidden]: `lastHiddenState` at each sequence's EOS position (see ``CLIPTextConfig/eosTokenID``).
    public var pooledOutput: Tensor
    /// [batch, projection_dim]: `text_projection(pooledOutput)` when the checkpoint has the projection
    /// (`CLIPTextModelWithProjection`, SDXL's second text encoder), else nil.
    public var textEmbeds: Tensor?
    /// When requested: the embeddings, then every layer's output *before* `final_layer_norm`
    /// (`num_hidden_layers + 1` tensors), as transformers' `hidden_states`. Diffusers' `clip_skip` reads
    /// `hiddenStates[count - 1 - clipSkip]` and applies ``CLIPTextModel/finalLayerNorm(_:)`` to it.
    public var hiddenStates: [Tensor]
}

/// CLIP's text tower (Radford et al., 2021) as transformers' `CLIPTextModel` / `CLIPTextModelWithProjection`
/// (models/clip/modeling_clip.py): token plus learned position embeddings, pre-norm encoder layers with causal
/// self-attention, a final LayerNorm, and the pooled output read at the end-of-text token. Stable Diffusion's
/// `text_encoder/` folders hold this model.
public struct CLIPTextModel: Sendable {
    public let config: CLIPTextConfig
    let tokenEmbedding: Tensor  // [vocab, hidden], kept in its stored dtype
    let positionEmbedding: Tensor  // [positions, hidden] float32
    let layers: [EncoderLayer]
    let finalNorm: LayerNorm
    let projection: Linear?

    /// Loads `config.json` and `model.safetensors` (or a sharded checkpoint) from a `text_encoder/` folder.
    public init(directory: URL) throws {
        let configURL = directory.appendingPathComponent("config.json")
        let config = try decodeConfigurationFile(CLIPTextConfig.self, at: configURL)
        try self.init(config: config, weights: SafetensorsCheckpoint(directory: directory.path), configPath: configURL.path)
    }

    /// Builds the model from `weights`, named as transformers saves them (`text_model.…`, and `text_projection`
    /// at the root when present); a checkpoint without the `text_model.` prefix is read as well.
    public init(config: CLIPTextConfig, weights: any WeightSource, configPath: String = "config.json") throws {
        let config = try config.validated(path: configPath)
        self.config = config
        let root = WeightLoader(source: weights)
        let w = root.contains("text_model.embeddings.token_embedding.weight") ? root.scoped("text_model") : root
        let h = config.hiddenSize
        let e = w.scoped("embeddings")
        tokenEmbedding = try e.tensor("token_embedding.weight", shape: [config.vocabSize, h])
        positionEmbedding = try e.float32("position_embedding.weight", shape: [config.maxPositionEmbeddings, h])
        let activation = try Activation(configValue: config.hiddenAct)
        let eps = Float(config.layerNormEps)
        layers = try (0..<config.numHiddenLayers).map { i in
            try EncoderLayer(weights: w.scoped("encoder.layers.\(i)"), names: .clip, hidden: h,
                             intermediate: config.intermediateSize, heads: config.numAttentionHeads,
                             activation: activation, eps: eps, isCausal: true)
        }
        finalNorm = try w.layerNorm("final_layer_norm", dimension: h, eps: eps)
        projection = root.contains("text_projection.weight")
            ? try root.linear("text_projection", inputs: h, outputs: config.projectionDim, bias: false) : nil
    }

    /// Encodes a batch of equally long token sequences (a tokenizer padded them, 77 tokens for Stable Diffusion).
    ///
    /// - Throws: ``TextModelsError/invalidModelInput(_:)`` for an empty batch, ragged rows or an id outside the
    ///   vocabulary, ``TextModelsError/contextOverflow(needed:available:)`` for rows longer than the positions.
    public func callAsFunction(inputIDs: [[Int]], outputHiddenStates: Bool = false) throws -> CLIPTextModelOutput {
        let (batch, length) = try validate(inputIDs)
        let h = config.hiddenSize
        let tokens = embedding(inputIDs.flatMap { $0 }, table: tokenEmbedding).reshaped([batch, length, h])
        let embeddings = tokens + positionEmbedding.sliced(axis: 0, 0..<length).unsqueezed(0)
        let (encoded, states) = runEncoder(layers, embeddings, collect: outputHiddenStates)
        let last = finalNorm(encoded)
        let pooled = concatenate(inputIDs.enumerated().map { row, ids in
            last.selecting(axis: 0, row).sliced(axis: 0, poolingPosition(ids)..<poolingPosition(ids) + 1)
        }, axis: 0)
        return CLIPTextModelOutput(lastHiddenState: last, pooledOutput: pooled, textEmbeds: projection.map { $0(pooled) },
                                   hiddenStates: states)
    }

    /// `final_layer_norm`, for reading an earlier layer's states as the conditioning (diffusers' `clip_skip`).
    public func finalLayerNorm(_ hiddenStates: Tensor) -> Tensor { finalNorm(hiddenStates) }

    /// The position whose state is pooled: with the legacy `eos_token_id == 2` the first largest id (CLIP's EOS
    /// is the last vocabulary entry), otherwise the first `eos_token_id`, or 0 when the row has none (PyTorch's
    /// argmax of an all-zero mask).
    func poolingPosition(_ ids: [Int]) -> Int {
        let eos = config.eosTokenID.ids[0]
        if eos == 2 {
            var best = 0
            for (i, id) in ids.enumerated() where id > ids[best] { best = i }
            return best
        }
        return ids.firstIndex(of: eos) ?? 0
    }

    private func validate(_ inputIDs: [[Int]]) throws -> (batch: Int, length: Int) {
        guard let length = inputIDs.first?.count, length > 0 else {
            throw TextModelsError.invalidModelInput("CLIP text encoder: the batch must hold at least one non-empty token sequence")
        }
        guard inputIDs.allSatisfy({ $0.count == length }) else {
            throw TextModelsError.invalidModelInput(
                "CLIP text encoder: every sequence in a batch must have the same length (pad them), got \(inputIDs.map(\.count))")
        }
        guard length <= config.maxPositionEmbeddings else {
            throw TextModelsError.contextOverflow(needed: length, available: config.maxPositionEmbeddings)
        }
        for row in inputIDs {
            if let bad = row.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw TextModelsError.invalidTokenID(bad, vocabularySize: config.vocabSize)
            }
        }
        return (inputIDs.count, length)
    }
}
