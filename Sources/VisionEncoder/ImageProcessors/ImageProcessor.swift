import Foundation
import GenCore

/// Turns images into a model's `pixel_values` exactly as transformers 5's PIL-backend image processors do
/// (`AutoImageProcessor.from_pretrained(..., backend="pil")`, the former `use_fast=False`).
///
/// Per image: convert to RGB (alpha over white) → LLaVA pad-to-square → PIL resize → center crop → rescale →
/// normalise, then batch padding where configured. The torchvision ("fast") backend that transformers 5 picks by
/// default when torchvision is installed resizes float tensors with torchvision's own antialiasing kernels, so
/// its bytes are not Pillow's; the PIL backend is the one the original checkpoints' preprocessing used, and the
/// one reproduced here bit for bit.
public struct ImageProcessor: Sendable {
    public let config: ImageProcessorConfig

    /// Throws if `config` (built by hand rather than parsed) lacks three means and non-zero standard deviations,
    /// or asks for a center crop without a crop size.
    public init(config: ImageProcessorConfig) throws {
        let statistics = config.imageMean + config.imageStd + [config.rescaleFactor]
        guard config.imageMean.count == 3, config.imageStd.count == 3, !config.imageStd.contains(0),
              statistics.allSatisfy(\.isFinite)
        else {
            throw VisionEncoderError.invalidPreprocessorConfig(
                path: "(in memory)", reason: "image_mean and image_std need 3 finite values each, std non-zero")
        }
        guard !config.doCenterCrop || config.cropSize != nil else {
            throw VisionEncoderError.invalidPreprocessorConfig(
                path: "(in memory)", reason: "do_center_crop is true but crop_size is missing")
        }
        self.config = config
    }

    /// Loads `preprocessor_config.json` and builds its processor.
    public init(contentsOf url: URL) throws {
        try self.init(config: ImageProcessorConfig(contentsOf: url))
    }

    /// The 8-bit image the model will see before rescaling and normalisation: converted, padded, resized and
    /// cropped. Useful to inspect and to compare with PIL byte for byte.
    public func resizedPixels(_ image: Image) throws -> Image {
        var image = image
        if config.doConvertRGB {
            image = try image.convertedToRGB()
        } else if image.channels != 3 {
            throw VisionEncoderError.unsupportedImage(
                reason: "\(config.processorType.rawValue) with do_convert_rgb=false needs 3-channel RGB input, "
                    + "got \(image.channels) channels; convert the image to RGB or enable do_convert_rgb")
        }
        if config.doPad && config.processorType == .llava {
            // transformers truncates mean·255 to an integer colour.
            let background = config.imageMean.map { UInt8(clamping: Int($0 * 255)) }
            image = try image.paddedToSquare(background: background)
        }
        if config.doResize {
            let target = config.size.outputSize(height: image.height, width: image.width)
            image = try PILResize.resize(image, width: target.width, height: target.height, filter: config.resample)
        }
        if config.doCenterCrop, let crop = config.cropSize {
            image = try image.centerCropped(height: crop.height, width: crop.width)
        }
        return image
    }

    /// `pixel_values` for a batch: float32 `[N, 3, H, W]`, channels first.
    ///
    /// Values are `Float(Double(byte) · rescale_factor)` then `(v − Float(mean)) / Float(std)` in float32, the
    /// order and precisions numpy uses in transformers. All images must come out the same size unless `do_pad`
    /// (non-LLaVA) pads them with zeros at the bottom/right to the largest one.
    public func preprocess(_ images: [Image]) throws -> Tensor {
        guard !images.isEmpty else {
            throw VisionEncoderError.unsupportedImage(reason: "preprocess needs at least one image")
        }
        let resized = try images.map(resizedPixels)
        let batchPads = config.doPad && config.processorType != .llava
        let height = resized.map(\.height).max() ?? 0
        let width = resized.map(\.width).max() ?? 0
        if !batchPads, let odd = resized.first(where: { $0.height != height || $0.width != width }) {
            throw VisionEncoderError.unsupportedImage(
                reason: "images come out as \(odd.height)×\(odd.width) and \(height)×\(width); a batch needs one size "
                    + "(set do_center_crop/crop_size or do_pad, or preprocess them separately)")
        }
        let plane = height * width
        var values = [Float](repeating: 0, count: resized.count * 3 * plane)
        let table = channelTables()
        for (n, image) in resized.enumerated() {
            for c in 0..<3 {
                let base = (n * 3 + c) * plane
                let lut = table[c]
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        values[base + y * width + x] = lut[Int(image.pixels[(y * image.width + x) * 3 + c])]
                    }
                }
            }
        }
        return Tensor(shape: [resized.count, 3, height, width], values: values)
    }

    /// For each channel, the float every byte value maps to; a lookup keeps the exact numpy arithmetic cheap.
    private func channelTables() -> [[Float]] {
        (0..<3).map { c in
            let mean = Float(config.imageMean[c])
            let std = Float(config.imageStd[c])
            return (0..<256).map { byte in
                var v = config.doRescale ? Float(Double(byte) * config.rescaleFactor) : Float(byte)
                if config.doNormalize { v = (v - mean) / std }
                return v
            }
        }
    }
}
