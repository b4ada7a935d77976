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
    /// `_class_name`: the diffusers scheduler class.
    public var className: String?
    /// `num_train_timesteps`: length of the training noise schedule (1000).
    public var numTrainTimesteps: Int?
    /// `beta_start`: first β of the schedule.
    public var betaStart: Double?
    /// `beta_end`: last β of the schedule.
    public var betaEnd: Double?
    /// `beta_schedule`: `linear`, `scaled_linear` or `squaredcos_cap_v2`.
    public var betaSchedule: String?
    /// `trained_betas`: explicit βs, overriding the schedule fields.
    public var trainedBetas: [Double]?
    /// `prediction_type`: what the model predicts — `epsilon`, `v_prediction` or `sample`.
    public var predictionType: String?
    /// `timestep_spacing`: `leading`, `trailing` or `linspace`.
    public var timestepSpacing: String?
    /// `steps_offset`: added to `leading` timesteps.
    public var stepsOffset: Int?
    /// `clip_sample`: clamp the predicted clean sample.
    public var clipSample: Bool?
    /// `clip_sample_range`: the clamp bound.
    public var clipSampleRange: Double?
    /// `set_alpha_to_one`: use ᾱ = 1 (rather than ᾱ₀) after the last step.
    public var setAlphaToOne: Bool?
    /// `skip_prk_steps`: PNDM without the Runge-Kutta warm-up.
    public var skipPrkSteps: Bool?
    /// `thresholding`: dynamic thresholding (not supported; must be false).
    public var thresholding: Bool?
    /// `rescale_betas_zero_snr`: rescale betas to zero terminal SNR (ignored by PNDM, as in diffusers).
    public var rescaleBetasZeroSnr: Bool?
    /// `variance_type`: DDPM's variance (`fixed_small`, `fixed_small_log`, `fixed_large`).
    public var varianceType: String?
    /// `interpolation_type`: Euler's sigma interpolation (`linear`).
    public var interpolationType: String?
    /// `use_karras_sigmas`: Karras-spaced sigmas (Euler, DPM-Solver).
    public var useKarrasSigmas: Bool?
    /// `use_exponential_sigmas` (not supported; must be false).
    public var useExponentialSigmas: Bool?
    /// `use_beta_sigmas` (not supported; must be false).
    public var useBetaSigmas: Bool?
    /// `use_lu_lambdas` (not supported; must be false).
    public var useLuLambdas: Bool?
    /// `use_flow_sigmas` (not supported; must be false).
    public var useFlowSigmas: Bool?
    /// `sigma_min`: lower end of Karras sigmas (default: the schedule's).
    public var sigmaMin: Double?
    /// `sigma_max`: upper end of Karras sigmas (default: the schedule's).
    public var sigmaMax: Double?
    /// `timestep_type`: Euler's `discrete` timesteps.
    public var timestepType: String?
    /// `final_sigmas_type`: the σ after the last step, `zero` or `sigma_min`.
    public var finalSigmasType: String?
    /// `algorithm_type`: DPM-Solver variant (`dpmsolver++`).
    public var algorithmType: String?
    /// `solver_order`: DPM-Solver order (1 or 2).
    public var solverOrder: Int?
    /// `solver_type`: DPM-Solver second-order form, `midpoint` or `heun`.
    public var solverType: String?
    /// `lower_order_final`: first-order final steps when there are fewer than 15.
    public var lowerOrderFinal: Bool?
    /// `euler_at_final`: a first-order last step.
    public var eulerAtFinal: Bool?
    /// `lambda_min_clipped`: cut off timesteps whose log-SNR is below this.
    public var lambdaMinClipped: Double?
    /// `original_inference_steps`: LCM's distillation step count (50).
    public var originalInferenceSteps: Int?
    /// `timestep_scaling`: LCM's boundary-condition timestep scale (10).
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

    /// Decodes `scheduler_config.json` contents (JSON5 tokens such as `-Infinity` allowed). Throws ``DiffusionModelsError/invalidSchedulerConfig(field:reason:)``
    /// when the JSON is malformed or a field has the wrong type.
    public init(jsonData: Data) throws(DiffusionModelsError) {
        do {
            let decoder = JSONDecoder()
            // diffusers writes Python's float('-inf') as the bare token -Infinity (e.g. lambda_min_clipped),
            // which strict JSON rejects and JSON5 accepts.
            decoder.allowsJSON5 = true
            self = try decoder.decode(SchedulerConfig.self, from: jsonData)
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
