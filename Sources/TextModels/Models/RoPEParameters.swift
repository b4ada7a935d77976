#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rotary position embedding settings, in the shape transformers 5 standardises them (`rope_parameters`).
///
/// Checkpoints written by transformers 4.x keep the base in a top-level `rope_theta` and the scaling in
/// `rope_scaling` (whose type key is `type` or `rope_type`); ``resolve(from:maxPositionEmbeddings:)`` accepts
/// both forms. Supported `rope_type`s: `default`, `linear` (positions divided by `factor`) and `llama3`
/// (Llama 3.1's wavelength-dependent interpolation). Reference: transformers `modeling_rope_utils.py`.
public struct RoPEParameters: Codable, Sendable, Equatable {
    /// `default`, `linear` or `llama3`.
    public var ropeType: String = "default"
    /// The base wavelength θ; transformers' default is 10 000.
    public var ropeTheta: Double? = nil
    /// `linear` and `llama3`: how much the context was stretched.
    public var factor: Double? = nil
    /// `llama3`: wavelengths longer than `original_max_position_embeddings / low_freq_factor` are fully scaled.
    public var lowFreqFactor: Double? = nil
    /// `llama3`: wavelengths shorter than `original_max_position_embeddings / high_freq_factor` are kept.
    public var highFreqFactor: Double? = nil
    /// `llama3`: the pre-training context; defaults to `max_position_embeddings`.
    public var originalMaxPositionEmbeddings: Int? = nil
    /// Fraction of each head that is rotated; transformers' default is 1.
    public var partialRotaryFactor: Double? = nil

    /// The rope types this package computes.
    public static let supportedTypes = ["default", "linear", "llama3"]
    static let defaultTheta = 10_000.0

    enum CodingKeys: String, CodingKey {
        case ropeType = "rope_type"
        case ropeTheta = "rope_theta"
        case factor
        case lowFreqFactor = "low_freq_factor"
        case highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
        case partialRotaryFactor = "partial_rotary_factor"
    }

    /// transformers 4.x wrote the type under `type`.
    private enum LegacyTypeKey: String, CodingKey { case type }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let legacy = try decoder.container(keyedBy: LegacyTypeKey.self)
        ropeType = try c.decodeIfPresent(String.self, forKey: .ropeType)
            ?? legacy.decodeIfPresent(String.self, forKey: .type) ?? "default"
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta)
        factor = try c.decodeIfPresent(Double.self, forKey: .factor)
        lowFreqFactor = try c.decodeIfPresent(Double.self, forKey: .lowFreqFactor)
        highFreqFactor = try c.decodeIfPresent(Double.self, forKey: .highFreqFactor)
        originalMaxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .originalMaxPositionEmbeddings)
        partialRotaryFactor = try c.decodeIfPresent(Double.self, forKey: .partialRotaryFactor)
    }

    /// Keys of the transformers 4.x form, read next to a config's own keys.
    enum LegacyConfigKeys: String, CodingKey {
        case ropeTheta = "rope_theta"
        case ropeScaling = "rope_scaling"
    }

    /// Reads `rope_scaling` (4.x) or `rope_parameters` (5.x) and fills θ from `rope_theta` when the dictionary
    /// lacks it, with transformers' precedence (`rope_scaling` wins when both are present).
    static func resolve<K: CodingKey>(
        from decoder: any Decoder, parametersKey: K, maxPositionEmbeddings: Int
    ) throws -> RoPEParameters {
        let legacy = try decoder.container(keyedBy: LegacyConfigKeys.self)
        let modern = try decoder.container(keyedBy: K.self)
        var parameters = try legacy.decodeIfPresent(RoPEParameters.self, forKey: .ropeScaling)
            ?? modern.decodeIfPresent(RoPEParameters.self, forKey: parametersKey) ?? RoPEParameters()
        if parameters.ropeTheta == nil {
            parameters.ropeTheta = try legacy.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? defaultTheta
        }
        if parameters.ropeType == "llama3", parameters.originalMaxPositionEmbeddings == nil {
            parameters.originalMaxPositionEmbeddings = maxPositionEmbeddings
        }
        return parameters
    }

    /// Checks that the type is supported and its fields are present and sensible.
    func validate(_ checks: ConfigurationChecks) throws {
        guard Self.supportedTypes.contains(ropeType) else {
            throw checks.fail("rope_type '\(ropeType)' is not supported (supported: \(Self.supportedTypes.joined(separator: ", ")))")
        }
        try checks.positive("rope_theta", ropeTheta ?? Self.defaultTheta)
        if let partialRotaryFactor, partialRotaryFactor != 1 {
            throw checks.fail("partial_rotary_factor \(partialRotaryFactor) is not supported (only 1)")
        }
        if ropeType == "linear" || ropeType == "llama3" {
            guard let factor else { throw checks.fail("rope_type '\(ropeType)' needs 'factor'") }
            try checks.positive("rope factor", factor)
        }
        if ropeType == "llama3" {
            guard let low = lowFreqFactor, let high = highFreqFactor, let original = originalMaxPositionEmbeddings else {
                throw checks.fail("rope_type 'llama3' needs low_freq_factor, high_freq_factor and original_max_position_embeddings")
            }
            try checks.positive("low_freq_factor", low)
            try checks.positive("original_max_position_embeddings", Double(original))
            guard high > low else {
                throw checks.fail("high_freq_factor (\(high)) must be greater than low_freq_factor (\(low))")
            }
        }
    }

    /// Inverse frequencies θ^(-2i/d) for i < d/2, scaled as `ropeType` says. Computed in `Float` step by step as
    /// transformers does in float32, so that cos/sin match its values bit-for-bit where possible.
    func inverseFrequencies(headDim: Int) -> [Float] {
        let base = Float(ropeTheta ?? Self.defaultTheta)
        let plain = stride(from: 0, to: headDim, by: 2).map { i in 1 / powf(base, Float(i) / Float(headDim)) }
        switch ropeType {
        case "linear":
            let factor = Float(factor ?? 1)
            return plain.map { $0 / factor }
        case "llama3":
            return llama3Scaled(plain)
        default:
            return plain
        }
    }

    /// Llama 3.1: keep high frequencies, divide low ones by `factor`, and blend smoothly in between.
    private func llama3Scaled(_ frequencies: [Float]) -> [Float] {
        let factor = Float(factor ?? 1), low = Float(lowFreqFactor ?? 1), high = Float(highFreqFactor ?? 4)
        let original = Float(originalMaxPositionEmbeddings ?? 8192)
        let lowFreqWavelength = original / low, highFreqWavelength = original / high
        return frequencies.map { frequency in
            let wavelength = 2 * Float.pi / frequency
            if wavelength < highFreqWavelength { return frequency }
            if wavelength > lowFreqWavelength { return frequency / factor }
            let smooth = (original / wavelength - low) / (high - low)
            return (1 - smooth) * frequency / factor + smooth * frequency
        }
    }
}
