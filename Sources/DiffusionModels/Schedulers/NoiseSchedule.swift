#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The training noise schedule shared by all discrete schedulers: betas and their cumulative alpha products,
/// computed in float32 exactly as diffusers computes them with PyTorch (`torch.linspace` evaluates
/// `start + step * i` with a fused multiply-add from each end; `torch.cumprod` accumulates in double).
public struct NoiseSchedule: Sendable, Equatable {
    /// Number of training timesteps.
    public let trainTimesteps: Int
    /// `alphas_cumprod`, index = training timestep.
    public let alphasCumprod: [Float]

    /// How a scheduler class treats `rescale_betas_zero_snr`.
    enum ZeroTerminalSNR {
        /// The class has no such option (PNDM); diffusers ignores the field.
        case ignored
        /// Rescale; ᾱ at the last timestep becomes 0 (DDPM, DDIM, LCM).
        case exact
        /// Rescale, then set ᾱ at the last timestep to 2⁻²⁴ so its σ stays finite (Euler, DPM-Solver).
        case clamped
    }

    /// The schedule of a config, with the class default for `beta_start`/`beta_end`/`beta_schedule` filled in.
    init(config: SchedulerConfig, defaultBetaStart: Double = 0.0001, defaultBetaEnd: Double = 0.02,
         defaultBetaSchedule: String = "linear", zeroTerminalSNR: ZeroTerminalSNR = .exact) throws(DiffusionModelsError) {
        let count = config.numTrainTimesteps ?? 1000
        guard count >= 2 && count <= 1_000_000 else {
            throw .invalidSchedulerConfig(field: "num_train_timesteps", reason: "must be between 2 and 1000000, got \(count)")
        }
        let start = config.betaStart ?? defaultBetaStart, end = config.betaEnd ?? defaultBetaEnd
        var betas: [Float]
        if let trained = config.trainedBetas {
            guard trained.count == count else {
                throw .invalidSchedulerConfig(field: "trained_betas", reason: "has \(trained.count) values for \(count) training timesteps")
            }
            betas = trained.map { Float($0) }
        } else {
            switch config.betaSchedule ?? defaultBetaSchedule {
            case "linear":
                betas = Self.torchLinspace(Float(start), Float(end), count)
            case "scaled_linear":
                betas = Self.torchLinspace(Float(start.squareRoot()), Float(end.squareRoot()), count).map { $0 * $0 }
            case "squaredcos_cap_v2":
                betas = Self.squaredCosineBetas(count)
            case let other:
                throw .invalidSchedulerConfig(field: "beta_schedule",
                                              reason: "'\(other)' is not supported (linear, scaled_linear, squaredcos_cap_v2 are)")
            }
        }
        guard betas.allSatisfy({ $0 >= 0 && $0 < 1 }), betas.contains(where: { $0 > 0 }) else {
            throw .invalidSchedulerConfig(field: "beta_start/beta_end", reason: "betas must lie in [0, 1) and not all be 0")
        }
        let rescale = config.rescaleBetasZeroSnr == true && zeroTerminalSNR != .ignored
        if rescale { betas = Self.rescaledToZeroTerminalSNR(betas) }
        var cumulative = Self.cumulativeProduct(betas)
        if rescale && zeroTerminalSNR == .clamped { cumulative[count - 1] = 0x1p-24 }
        alphasCumprod = cumulative
        trainTimesteps = count
    }

    /// `torch.cumprod(1 - betas)`: float32 factors, double accumulator, float32 outputs.
    private static func cumulativeProduct(_ betas: [Float]) -> [Float] {
        var product = 1.0
        return betas.map { beta in
            product *= Double(1 - beta)
            return Float(product)
        }
    }

    /// diffusers' `rescale_zero_terminal_snr` (Lin et al. 2023, algorithm 1) in float32: shift and scale √ᾱ so that
    /// it ends at 0 and keeps its first value, then recover the betas.
    private static func rescaledToZeroTerminalSNR(_ betas: [Float]) -> [Float] {
        var root = cumulativeProduct(betas).map { $0.squareRoot() }
        let first = root[0], last = root[root.count - 1]
        let scale = first / (first - last)
        root = root.map { ($0 - last) * scale }
        let bar = root.map { $0 * $0 }
        let alphas = [bar[0]] + (1..<bar.count).map { bar[$0] / bar[$0 - 1] }
        return alphas.map { 1 - $0 }
    }

    /// `torch.linspace(start, end, count, dtype=torch.float32)` on the CPU.
    static func torchLinspace(_ start: Float, _ end: Float, _ count: Int) -> [Float] {
        let step = (end - start) / Float(count - 1)
        let half = count / 2
        return (0..<count).map { i in
            i < half ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(count - i - 1))
        }
    }

    /// diffusers' `betas_for_alpha_bar` with the cosine transform, in double, stored as float32.
    private static func squaredCosineBetas(_ count: Int) -> [Float] {
        func alphaBar(_ t: Double) -> Double {
            let c = cos((t + 0.008) / 1.008 * Double.pi / 2)
            return c * c
        }
        return (0..<count).map { i in
            let t1 = Double(i) / Double(count), t2 = Double(i + 1) / Double(count)
            return Float(min(1 - alphaBar(t2) / alphaBar(t1), 0.999))
        }
    }

    /// `alphas_cumprod[t]`, or `fallback` for t < 0 (the "previous" timestep of the last step).
    func alphaCumprod(_ t: Int, fallback: Float) -> Float {
        t >= 0 ? alphasCumprod[t] : fallback
    }

    /// The Karras-style noise levels `sqrt((1 - ᾱ) / ᾱ)` per training timestep, in float32.
    var sigmas: [Float] { alphasCumprod.map { ((1 - $0) / $0).squareRoot() } }

    /// Checks a training timestep taken from outside (a `step` or `addNoise` argument).
    func validatedIndex(_ timestep: Float) throws(DiffusionModelsError) -> Int {
        guard timestep.isFinite, timestep >= 0, timestep < Float(trainTimesteps), timestep == timestep.rounded() else {
            throw .invalidSchedulerArgument("timestep \(timestep) is not a training timestep in 0..<\(trainTimesteps)")
        }
        return Int(timestep)
    }
}
