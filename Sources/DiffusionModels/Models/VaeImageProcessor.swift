import GenCore

/// diffusers' `VaeImageProcessor` for 8-bit RGB images: bytes → [B, 3, H, W] float32 in [-1, 1] and back.
public enum VaeImageProcessor {
    /// diffusers' `preprocess` for PIL images: x/127.5 - 1 per RGB channel (as diffusers' /255 then ·2 - 1); gray
    /// is repeated, alpha dropped.
    ///
    /// With a `vaeScaleFactor` (diffusers' default `do_resize=True`) every image is first resized with Pillow's
    /// Lanczos filter to the first image's size rounded down to multiples of the factor
    /// (``defaultHeightWidth(of:vaeScaleFactor:)``, ``resize(_:height:width:)``), so any size is accepted; an
    /// image narrower or lower than one factor throws. Without one (`do_resize=False`) all images must already share
    /// one size. Unlike diffusers, which hands a gray or RGBA image on unconverted and fails in the VAE, the image is
    /// converted to RGB first (PIL's `convert("RGB")`), which gives the same bytes as resizing first for gray.
    public static func preprocess(_ images: [Image], vaeScaleFactor: Int? = nil) throws -> Tensor {
        guard let first = images.first else { throw DiffusionModelsError.invalidModelInput("no images to preprocess") }
        var (h, w) = (first.height, first.width)
        if let vaeScaleFactor {
            (h, w) = defaultHeightWidth(of: first, vaeScaleFactor: vaeScaleFactor)
            guard h > 0, w > 0 else {
                throw DiffusionModelsError.invalidModelInput(
                    "the image is \(first.width)×\(first.height) pixels; it must be at least \(vaeScaleFactor) pixels "
                        + "wide and high (one VAE scale-factor block)")
            }
        }
        var values = [Float](repeating: 0, count: images.count * 3 * h * w)
        for (b, image) in images.enumerated() {
            var rgb = try image.converted(toChannels: 3)
            if vaeScaleFactor != nil { rgb = try resize(rgb, height: h, width: w) }
            guard rgb.height == h, rgb.width == w else {
                throw DiffusionModelsError.invalidModelInput(
                    "images in a batch must share one size: \(w)×\(h) and \(image.width)×\(image.height)")
            }
            for c in 0..<3 {
                for i in 0..<(h * w) {
                    values[(b * 3 + c) * h * w + i] = Float(rgb.pixels[i * 3 + c]) / 255 * 2 - 1
                }
            }
        }
        return Tensor(shape: [images.count, 3, h, w], values: values)
    }

    /// diffusers' `get_default_height_width` with no size given: the image's height and width, each rounded down to
    /// a multiple of `vaeScaleFactor` (0 when the side is shorter than the factor).
    public static func defaultHeightWidth(of image: Image, vaeScaleFactor: Int) -> (height: Int, width: Int) {
        let factor = max(vaeScaleFactor, 1)
        return (image.height - image.height % factor, image.width - image.width % factor)
    }

    /// diffusers' `resize` in its `"default"` mode with the processor's `resample="lanczos"`: Pillow's
    /// `image.resize((width, height), LANCZOS)`, byte for byte; an image already of that size is returned as is.
    /// Throws `GenCoreError` for what `PILResize` rejects (empty or huge targets, images with alpha).
    public static func resize(_ image: Image, height: Int, width: Int) throws -> Image {
        try PILResize.resize(image, width: width, height: height, filter: .lanczos)
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
