import GenCore

/// What an image encoder returns for a batch of images.
public struct ImageEncoderOutput: Sendable {
    /// The encoder's final sequence, [batch, tokens, hidden] (patch tokens, with a class token first for ViT/CLIP).
    public let lastHiddenState: Tensor
    /// One vector per image, [batch, dim]: ViT's pooler, CLIP's post-normed class token (or its projection),
    /// SigLIP's attention-pooling head. Nil when the model has no pooling head.
    public let pooledOutput: Tensor?
    /// Every layer's input and the last layer's output, as transformers' `hidden_states` tuple:
    /// index 0 is what enters the first layer, index i what leaves layer i. Empty unless requested.
    public let hiddenStates: [Tensor]
}

/// Height and width in pixels.
public struct ImageSize: Sendable, Equatable, Codable {
    public var height: Int
    public var width: Int
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }
}

/// An image encoder: preprocessed pixels in, patch embeddings and a pooled embedding out.
/// This is what vision-language models build on and what a user calls for image embeddings.
public protocol ImageEncoder: Sendable {
    /// The input size the position embeddings were trained for.
    var imageSize: ImageSize { get }
    var numChannels: Int { get }
    /// Side of the square patches the image is cut into.
    var patchSize: Int { get }
    /// Width of the hidden states.
    var hiddenSize: Int { get }
    /// Tokens before the patch tokens in the hidden states: 1 for a class token (ViT, CLIP, BLIP), 0 for none
    /// (SigLIP).
    var classTokenCount: Int { get }
    /// Transformer layers the encoder runs; ``ImageEncoderOutput/hiddenStates`` has one entry more.
    var layerCount: Int { get }
    /// Encodes `pixelValues` [batch, channels, height, width] (normalised as the model's image processor does).
    func encode(pixelValues: Tensor, outputHiddenStates: Bool) throws -> ImageEncoderOutput
    /// Transformers' `hidden_states[0...last]` for `pixelValues`: what enters the first layer, then what leaves each
    /// layer up to layer `last`. The layers after `last`, the final norm and the pooling head do not run, so a caller
    /// that reads an inner layer (LLaVA reads the penultimate one) does not pay for them.
    /// Throws ``VisionEncoderError/hiddenStateOutOfRange(_:count:)`` unless `last` lies in `0...layerCount`.
    func hiddenStates(pixelValues: Tensor, through last: Int) throws -> [Tensor]
}

extension ImageEncoder {
    /// Checks that `last` names one of the ``ImageEncoderOutput/hiddenStates`` (`0...layerCount`).
    func validate(hiddenState last: Int) throws {
        guard (0...layerCount).contains(last) else {
            throw VisionEncoderError.hiddenStateOutOfRange(last, count: layerCount + 1)
        }
    }

    /// Checks that a pixel batch fits this encoder.
    func validate(pixelValues: Tensor) throws {
        let s = pixelValues.shape
        guard s.count == 4, s[0] > 0, s[1] == numChannels, s[2] == imageSize.height, s[3] == imageSize.width else {
            throw VisionEncoderError.invalidPixelValues(
                expected: [-1, numChannels, imageSize.height, imageSize.width], actual: s)
        }
        guard pixelValues.dtype == .float32 else {
            throw VisionEncoderError.invalidPixelValues(expected: [-1, numChannels, imageSize.height, imageSize.width], actual: s)
        }
    }
}

/// The encoders built as embeddings followed by GenCore's `EncoderLayer` stack (ViT, CLIP, SigLIP, BLIP): they share
/// ``ImageEncoder/hiddenStates(pixelValues:through:)``.
protocol EncoderLayerStack: ImageEncoder {
    var layers: [EncoderLayer] { get }
    /// What enters the first layer.
    func embeddings(_ pixelValues: Tensor) -> Tensor
}

extension EncoderLayerStack {
    /// The embeddings and the outputs of the first `last` layers; the layers after them do not run.
    func layerStates(pixelValues: Tensor, through last: Int) throws -> [Tensor] {
        try validate(pixelValues: pixelValues)
        try validate(hiddenState: last)
        return runEncoder(Array(layers.prefix(last)), embeddings(pixelValues), collect: true).1
    }
}
