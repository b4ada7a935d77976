#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The fields of a diffusers `scheduler_config.json`, under their diffusers names.
///
/// Every field is optional here because diffusers' defaults differ between scheduler classes (for example
/// `timestep_spacing` defaults to `"leading"` for DDIM but `"linspace"` for Euler); each scheduler applies its own
/// class's defaults to the fields a file leaves out. Unknown fields are ignored, as diffusers ignores them.
public struct SchedulerConfig: Codable, Sendable, Equatable {
    public var className: String?
    public var numTrainTimesteps: Int?
    public var betaStart: Double?
    public var betaEnd: Double?
    public var betaSchedule: String?
    public var trainedBetas: [Double]?
    public var predictionType: String?
    public var timestepSpacing: String?
    public var stepsOffset: Int?
    public var clipSample: Bool?
    public var clipSampleRange: Double?
    public var setAlphaToOne: Bool?
    public var skipPrkSteps: Bool?
    public var thresholding: Bool?
    public var rescaleBetasZeroSnr: Bool?
    public var varianceType: String?
    public var interpolationType: String?
    public var useKarrasSigmas: Bool?
    public var useExponentialSigmas: Bool?
    public var useBetaSigmas: Bool?
    public var useLuLambdas: Bool?
    public var useFlowSigmas: Bool?
    public var sigmaMin: Double?
    public var sigmaMax: Double?
    public var timestepType: String?
    public var finalSigmasType: String?
    public var algorithmType: String?
    public var solverOrder: Int?
    public var solverType: String?
    public var lowerOrderFinal: Bool?
    public var eulerAtFinal: Bool?
    public var lambdaMinClipped: Double?
    public var originalInferenceSteps: Int?
    public var timestepScaling: Double?

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case numTrainTimesteps = "num_train_timesteps"
        case betaStart = "beta_start"
        case betaEnd = "beta_end"
        case betaSchedule = "beta_schedule"
        case trainedBetas = "trained_betas"
        case predictionType = "prediction_type"
        case timestepSpacing = "timestep_spacing"
        case stepsOffset = "steps_offset"
        case clipSample = "clip_sample"
        case clipSampleRange = "clip_sample_range"
        case setAlphaToOne = "set_alpha_to_one"
        case skipPrkSteps = "skip_prk_steps"
        case thresholding
        case rescaleBetasZeroSnr = "rescale_betas_zero_snr"
        case varianceType = "variance_type"
        case interpolationType = "interpolation_type"
        case useKarrasSigmas = "use_karras_sigmas"
        case useExponentialSigmas = "use_exponential_sigmas"
        case useBetaSigmas = "use_beta_sigmas"
        case useLuLambdas = "use_lu_lambdas"
        case useFlowSigmas = "use_flow_sigmas"
        case sigmaMin = "sigma_min"
        case sigmaMax = "sigma_max"
        case timestepType = "timestep_type"
        case finalSigmasType = "final_sigmas_type"
        case algorithmType = "algorithm_type"
        case solverOrder = "solver_order"
        case solverType = "solver_type"
        case lowerOrderFinal = "lower_order_final"
        case eulerAtFinal = "euler_at_final"
        case lambdaMinClipped = "lambda_min_clipped"
        case originalInferenceSteps = "original_inference_steps"
        case timestepScaling = "timestep_scaling"
    }

    /// An empty configuration: every field takes the scheduler class's default.
    public init(className: String? = nil) { self.className = className }

    /// Decodes `scheduler_config.json` contents. Throws ``DiffusionModelsError/invalidSchedulerConfig(field:reason:)``
    /// when the JSON is malformed or a field has the wrong type.
    public init(jsonData: Data) throws(DiffusionModelsError) {
        do {
            self = try JSONDecoder().decode(SchedulerConfig.self, from: jsonData)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.dataCorrupted(context), let DecodingError.keyNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalidSchedulerConfig(field: field.isEmpty ? "(file)" : field, reason: context.debugDescription)
        } catch {
            throw .invalidSchedulerConfig(field: "(file)", reason: "\(error)")
        }
    }

    /// Reads and decodes the `scheduler_config.json` at `path`.
    public init(contentsOf path: String) throws(DiffusionModelsError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .invalidSchedulerConfig(field: "(file)", reason: "cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(jsonData: data)
    }
}
