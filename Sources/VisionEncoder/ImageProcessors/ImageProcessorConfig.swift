import Foundation
import GenCore

/// The image processor classes whose PIL backend we reproduce.
public enum ImageProcessorType: String, Sendable, CaseIterable {
    case clip = "CLIPImageProcessor"
    case siglip = "SiglipImageProcessor"
    case vit = "ViTImageProcessor"
    case blip = "BlipImageProcessor"
    case llava = "LlavaImageProcessor"
}

/// A crop window size in pixels.
public struct CropSize: Sendable, Equatable {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }
}

/// A Hugging Face `preprocessor_config.json` resolved against its class's defaults, as transformers 5's PIL-backend
/// processors (`backend="pil"`, formerly `use_fast=False`) resolve it: a key that is absent or `null` takes the
/// class default; an `int`/list `size` becomes a size dict according to `default_to_square`.
public struct ImageProcessorConfig: Sendable, Equatable {
    public var processorType: ImageProcessorType
    /// Convert gray and alpha images to RGB (alpha composited over white) before anything else.
    public var doConvertRGB: Bool
    public var doResize: Bool
    public var size: ImageProcessorSize
    public var resample: PILResampling
    public var doCenterCrop: Bool
    public var cropSize: CropSize?
    public var doRescale: Bool
    public var rescaleFactor: Double
    public var doNormalize: Bool
    /// Per-channel (R, G, B) mean and standard deviation in rescaled units.
    public var imageMean: [Double]
    public var imageStd: [Double]
    /// LLaVA: pad to a square filled with the mean colour before resizing. Other classes: zero-pad every image of
    /// a batch at the bottom/right to the batch's largest size after normalisation.
    public var doPad: Bool

    /// The class defaults, as transformers 5.23 defines them.
    public init(defaultsFor type: ImageProcessorType) {
        let clipMean = [0.48145466, 0.4578275, 0.40821073]
        let clipStd = [0.26862954, 0.26130258, 0.27577711]
        let halves = [0.5, 0.5, 0.5]
        processorType = type
        doResize = true
        doRescale = true
        rescaleFactor = 1.0 / 255.0
        doNormalize = true
        doPad = false
        doCenterCrop = false
        cropSize = nil
        switch type {
        case .clip, .llava:
            doConvertRGB = true
            size = .shortestEdge(224)
            resample = .bicubic
            doCenterCrop = true
            cropSize = CropSize(height: 224, width: 224)
            (imageMean, imageStd) = (clipMean, clipStd)
        case .siglip:
            doConvertRGB = true
            size = .exact(height: 224, width: 224)
            resample = .bicubic
            (imageMean, imageStd) = (halves, halves)
        case .vit:
            doConvertRGB = false
            size = .exact(height: 224, width: 224)
            resample = .bilinear
            (imageMean, imageStd) = (halves, halves)
        case .blip:
            doConvertRGB = true
            size = .exact(height: 384, width: 384)
            resample = .bicubic
            (imageMean, imageStd) = (clipMean, clipStd)
        }
    }

    /// Whether an `int` size means a square (`true`) or the shortest edge (`false`) for this class.
    static func defaultToSquare(_ type: ImageProcessorType) -> Bool {
        switch type {
        case .clip, .llava, .siglip: false
        case .vit, .blip: true
        }
    }

    /// Reads and resolves `preprocessor_config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VisionEncoderError.invalidPreprocessorConfig(path: url.path, reason: "cannot read file: \(error)")
        }
        try self.init(jsonData: data, path: url.path)
    }

    /// Resolves a `preprocessor_config.json` document; `path` only labels errors.
    public init(jsonData: Data, path: String = "preprocessor_config.json") throws {
        let raw: RawImageProcessorConfig
        do {
            raw = try JSONDecoder().decode(RawImageProcessorConfig.self, from: jsonData)
        } catch let error as DecodingError {
            throw VisionEncoderError.invalidPreprocessorConfig(path: path, reason: Self.describe(error))
        } catch {
            throw VisionEncoderError.invalidPreprocessorConfig(path: path, reason: "\(error)")
        }
        try self.init(raw: raw, path: path)
    }

    private init(raw: RawImageProcessorConfig, path: String) throws {
        func fail(_ reason: String) -> VisionEncoderError {
            .invalidPreprocessorConfig(path: path, reason: reason)
        }
        let typeName = try Self.resolveTypeName(raw, fail: fail)
        guard let type = ImageProcessorType(rawValue: typeName) else {
            let known = ImageProcessorType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("image_processor_type \(typeName) is not supported (supported: \(known))")
        }
        self.init(defaultsFor: type)
        let toSquare = raw.default_to_square ?? Self.defaultToSquare(type)
        if let v = raw.do_convert_rgb { doConvertRGB = v }
        if let v = raw.do_resize { doResize = v }
        if let v = raw.size { size = try v.resolved(defaultToSquare: toSquare, field: "size", fail: fail) }
        if let code = raw.resample {
            guard let r = PILResampling(rawValue: code) else {
                throw fail("resample \(code) is not a supported PIL filter (0 nearest, 1 lanczos, 2 bilinear, "
                    + "3 bicubic, 4 box, 5 hamming)")
            }
            resample = r
        }
        if let v = raw.do_center_crop { doCenterCrop = v }
        if let v = raw.crop_size {
            // transformers converts crop_size with default_to_square=True whatever the class says.
            guard case let .exact(h, w) = try v.resolved(defaultToSquare: true, field: "crop_size", fail: fail) else {
                throw fail("crop_size must have height and width")
            }
            cropSize = CropSize(height: h, width: w)
        }
        if let v = raw.do_rescale { doRescale = v }
        if let v = raw.rescale_factor {
            guard v.isFinite, v > 0 else { throw fail("rescale_factor must be a positive number, got \(v)") }
            rescaleFactor = v
        }
        if let v = raw.do_normalize { doNormalize = v }
        if let v = raw.image_mean { imageMean = try v.perChannel(field: "image_mean", fail: fail) }
        if let v = raw.image_std { imageStd = try v.perChannel(field: "image_std", fail: fail) }
        guard imageStd.allSatisfy({ $0 != 0 && $0.isFinite }), imageMean.allSatisfy(\.isFinite) else {
            throw fail("image_mean must be finite and image_std finite and non-zero, got \(imageMean) / \(imageStd)")
        }
        if let v = raw.do_pad { doPad = v }
        if doCenterCrop && cropSize == nil { throw fail("do_center_crop is true but crop_size is missing") }
    }

    private static func resolveTypeName(
        _ raw: RawImageProcessorConfig, fail: (String) -> VisionEncoderError
    ) throws -> String {
        var name: String
        if let t = raw.image_processor_type {
            name = t
        } else if let t = raw.feature_extractor_type {
            // Pre-image-processor configs name the feature extractor of the same model.
            name = t.replacingOccurrences(of: "FeatureExtractor", with: "ImageProcessor")
        } else {
            throw fail("image_processor_type is missing")
        }
        // Saved configs may name a backend variant of the class; all share the same parameters.
        for suffix in ["Fast", "Pil"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        return name
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        }
        switch error {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .keyNotFound(_, c), let .dataCorrupted(c):
            return at(c)
        @unknown default:
            return "\(error)"
        }
    }
}

/// `preprocessor_config.json` as written: every field optional, in the file's spelling.
private struct RawImageProcessorConfig: Decodable {
    var image_processor_type: String?
    var feature_extractor_type: String?
    var do_convert_rgb: Bool?
    var do_resize: Bool?
    var size: RawSize?
    var default_to_square: Bool?
    var resample: Int?
    var do_center_crop: Bool?
    var crop_size: RawSize?
    var do_rescale: Bool?
    var rescale_factor: Double?
    var do_normalize: Bool?
    var image_mean: RawChannelValues?
    var image_std: RawChannelValues?
    var do_pad: Bool?
}

/// A size as configs write it: an int, a `[height, width]` list, or a size dict.
private enum RawSize: Decodable {
    case scalar(Int)
    case pair([Int])
    case dict([String: Int])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Int.self) {
            self = .scalar(v)
        } else if let v = try? c.decode([Int].self) {
            self = .pair(v)
        } else if let v = try? c.decode([String: Int?].self) {
            self = .dict(v.compactMapValues { $0 })  // SizeDict ignores null entries
        } else {
            throw DecodingError.typeMismatch(
                RawSize.self, .init(codingPath: decoder.codingPath,
                                    debugDescription: "expected an integer, [height, width] or a dict of integers"))
        }
    }

    /// transformers' `get_size_dict` followed by the PIL backend's choice of resize rule.
    func resolved(defaultToSquare: Bool, field: String, fail: (String) -> VisionEncoderError) throws
        -> ImageProcessorSize
    {
        let result: ImageProcessorSize
        switch self {
        case let .scalar(v):
            result = defaultToSquare ? .exact(height: v, width: v) : .shortestEdge(v)
        case let .pair(v):
            guard v.count == 2 else { throw fail("\(field) list must be [height, width], got \(v)") }
            result = .exact(height: v[0], width: v[1])
        case let .dict(d):
            switch Set(d.keys) {
            case ["height", "width"]: result = .exact(height: d["height"] ?? 0, width: d["width"] ?? 0)
            case ["shortest_edge"]: result = .shortestEdge(d["shortest_edge"] ?? 0)
            case ["shortest_edge", "longest_edge"]:
                result = .shortestEdgeBounded(shortestEdge: d["shortest_edge"] ?? 0, longestEdge: d["longest_edge"] ?? 0)
            case ["max_height", "max_width"]:
                result = .fitting(maxHeight: d["max_height"] ?? 0, maxWidth: d["max_width"] ?? 0)
            case ["longest_edge"]:
                throw fail("\(field) {longest_edge} alone is not supported by transformers' PIL image processors")
            default:
                throw fail("\(field) keys \(d.keys.sorted()) are not one of {height, width}, {shortest_edge}, "
                    + "{shortest_edge, longest_edge}, {max_height, max_width}")
            }
        }
        let values: [Int] = switch result {
        case let .exact(h, w): [h, w]
        case let .shortestEdge(s): [s]
        case let .shortestEdgeBounded(s, l): [s, l]
        case let .fitting(h, w): [h, w]
        }
        guard values.allSatisfy({ $0 > 0 && $0 <= PILResize.maxDimension }) else {
            throw fail("\(field) values must be between 1 and \(PILResize.maxDimension), got \(values)")
        }
        if case let .shortestEdgeBounded(s, l) = result, l < s {
            throw fail("\(field) longest_edge \(l) is smaller than shortest_edge \(s)")
        }
        return result
    }
}

/// A per-channel statistic: one number for all channels or one per RGB channel.
private enum RawChannelValues: Decodable {
    case single(Double)
    case list([Double])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Double.self) {
            self = .single(v)
        } else {
            self = .list(try c.decode([Double].self))
        }
    }

    func perChannel(field: String, fail: (String) -> VisionEncoderError) throws -> [Double] {
        switch self {
        case let .single(v): return [v, v, v]
        case let .list(v):
            guard v.count == 3 else { throw fail("\(field) must have 3 values (R, G, B), got \(v.count)") }
            return v
        }
    }
}
