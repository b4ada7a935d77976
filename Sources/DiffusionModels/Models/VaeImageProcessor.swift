import GenCore

/// diffusers' `VaeImageProcessor` for 8-bit RGB images: bytes → [B, 3, H, W] float32 in [-1, 1] and back.
public enum VaeImageProcessor {
    /// x/127.5 - 1 per RGB channel (as diffusers' /255 then ·2 - 1); gray is repeated, alpha dropped. All images
    /// must have the same size.
    public static func preprocess(_ images: [Image]) throws -> Tensor {
        guard let first = images.first else { throw DiffusionModelsError.invalidModelInput("no images to preprocess") }
        let (h, w) = (first.height, first.width)
        var values = [Float](repeating: 0, count: images.count * 3 * h * w)
        for (b, image) in images.enumerated() {
            guard image.height == h, image.width == w else {
                throw DiffusionModelsError.invalidModelInput(
                    "images in a batch must share one size: \(w)×\(h) and \(image.width)×\(image.height)")
            }
            let rgb = try image.converted(toChannels: 3)
            for c in 0..<3 {
                for i in 0..<(h * w) {
                    values[(b * 3 + c) * h * w + i] = Float(rgb.pixels[i * 3 + c]) / 255 * 2 - 1
                }
            }
        }
        return Tensor(shape: [images.count, 3, h, w], values: values)
    }

    /// [B, 3, H, W] in about [-1, 1] → RGB images: (x/2 + 0.5) clamped to [0, 1], ·255, rounded half to even
    /// (diffusers' `postprocess(output_type="pil")`).
    public static func postprocess(_ pixels: Tensor) throws -> [Image] {
        guard pixels.rank == 4, pixels.shape[1] == 3 else {
            throw DiffusionModelsError.invalidModelInput("postprocess needs [B, 3, H, W], got \(pixels.shape)")
        }
        let (batch, h, w) = (pixels.shape[0], pixels.shape[2], pixels.shape[3])
        let values = pixels.converted(to: .float32).contiguous().floats
        return try (0..<batch).map { b in
            var bytes = [UInt8](repeating: 0, count: h * w * 3)
            for c in 0..<3 {
                for i in 0..<(h * w) {
                    let x = min(max(values[(b * 3 + c) * h * w + i] / 2 + 0.5, 0), 1)
                    bytes[i * 3 + c] = UInt8((x * 255).rounded(.toNearestOrEven))
                }
            }
            return try Image(width: w, height: h, channels: 3, pixels: bytes)
        }
    }
}
