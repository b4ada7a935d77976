/// The sizes every ViT-family config shares, checked once so the forward pass can trust them.
struct EncoderGeometry {
    var hiddenSize: Int
    var layers: Int
    var heads: Int
    var intermediateSize: Int
    var imageSize: Int
    var patchSize: Int
    var numChannels: Int

    var patchesPerSide: Int { imageSize / patchSize }
    var patches: Int { patchesPerSide * patchesPerSide }

    func validated() throws -> EncoderGeometry {
        func fail(_ reason: String) -> VisionEncoderError { .invalidModelConfig(reason) }
        guard hiddenSize > 0, layers >= 0, heads > 0, intermediateSize > 0, numChannels > 0 else {
            throw fail("sizes must be positive (hidden_size \(hiddenSize), num_hidden_layers \(layers), num_attention_heads \(heads), intermediate_size \(intermediateSize), num_channels \(numChannels))")
        }
        guard hiddenSize % heads == 0 else {
            throw fail("hidden_size \(hiddenSize) is not divisible by num_attention_heads \(heads)")
        }
        guard patchSize > 0, imageSize >= patchSize, imageSize % patchSize == 0 else {
            throw fail("image_size \(imageSize) must be a positive multiple of patch_size \(patchSize)")
        }
        return self
    }
}
