/// The `size` of a Hugging Face image processor: the key set of its size dict decides how the output size is
/// derived from the input size (transformers' `SizeDict` as the PIL backend's `resize` reads it).
public enum ImageProcessorSize: Sendable, Equatable {
    /// `{"height", "width"}`: resize to exactly this size, ignoring the aspect ratio.
    case exact(height: Int, width: Int)
    /// `{"shortest_edge"}`: scale so the shorter side equals this, the longer side truncated (torchvision rule).
    case shortestEdge(Int)
    /// `{"shortest_edge", "longest_edge"}`: as `shortestEdge`, but shrink so the longer side stays within bound.
    case shortestEdgeBounded(shortestEdge: Int, longestEdge: Int)
    /// `{"max_height", "max_width"}`: the largest aspect-preserving size that fits the box.
    case fitting(maxHeight: Int, maxWidth: Int)

    /// The `(height, width)` an image of `height × width` is resized to, with transformers' integer truncation
    /// and Python's float arithmetic reproduced step by step.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        switch self {
        case let .exact(h, w):
            return (h, w)
        case let .shortestEdge(size):
            // get_resize_output_image_size(default_to_square=False): int(size * long / short).
            let (short, long) = width <= height ? (width, height) : (height, width)
            let newLong = Int(Double(size * long) / Double(short))
            return width <= height ? (newLong, size) : (size, newLong)
        case let .shortestEdgeBounded(shortestEdge, longestEdge):
            return Self.sizeWithAspectRatio(height: height, width: width, size: shortestEdge, maxSize: longestEdge)
        case let .fitting(maxHeight, maxWidth):
            let scale = min(Double(maxHeight) / Double(height), Double(maxWidth) / Double(width))
            return (Int(Double(height) * scale), Int(Double(width) * scale))
        }
    }

    /// transformers' `get_size_with_aspect_ratio` (DETR-style shortest/longest edge rule).
    private static func sizeWithAspectRatio(height: Int, width: Int, size requested: Int, maxSize: Int)
        -> (height: Int, width: Int)
    {
        var size = requested
        var rawSize: Double? = nil
        let minOriginal = Double(min(height, width))
        let maxOriginal = Double(max(height, width))
        if maxOriginal / minOriginal * Double(size) > Double(maxSize) {
            let raw = Double(maxSize) * minOriginal / maxOriginal
            rawSize = raw
            size = Int(raw.rounded(.toNearestOrEven))  // Python's round() is half-to-even
        }
        if (height <= width && height == size) || (width <= height && width == size) {
            return (height, width)
        }
        if width < height {
            let h = rawSize.map { Int($0 * Double(height) / Double(width)) } ?? Int(Double(size * height) / Double(width))
            return (h, size)
        }
        let w = rawSize.map { Int($0 * Double(width) / Double(height)) } ?? Int(Double(size * width) / Double(height))
        return (size, w)
    }
}
