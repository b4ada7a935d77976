/// A decoded 8-bit image: `height × width × channels` bytes, row-major, channels interleaved.
/// Channels are 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA).
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    /// Wraps pixel bytes; throws if their count does not match the geometry.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, [1, 2, 3, 4].contains(channels) else {
            throw GenCoreError.invalidArgument("image must be at least 1×1 with 1–4 channels, got \(width)×\(height)×\(channels)")
        }
        guard pixels.count == width * height * channels else {
            throw GenCoreError.invalidArgument("image \(width)×\(height)×\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
