#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GenCore

/// diffusers' `Timesteps` (`get_timestep_embedding`, after "Denoising Diffusion Probabilistic Models"): for
/// frequencies fᵢ = exp(-ln(max_period) · i / (half - downscale_freq_shift)), i < half = dim/2, the embedding of
/// t is [sin(scale·t·fᵢ), cos(scale·t·fᵢ)] — or [cos, sin] with `flip_sin_to_cos` — padded with a zero when dim
/// is odd. Computed in float32 in the order PyTorch computes it.
struct Timesteps: Sendable {
    let numChannels: Int
    let flipSinToCos: Bool
    let downscaleFreqShift: Float
    var scale: Float = 1
    var maxPeriod: Float = 10000

    /// One row of `numChannels` per timestep: [N, numChannels].
    func callAsFunction(_ timesteps: [Float]) -> Tensor {
        let half = numChannels / 2
        let logPeriod = -Float(log(Double(maxPeriod)))
        let divisor = Float(half) - downscaleFreqShift
        let frequencies = (0..<half).map { i in expf(logPeriod * Float(i) / divisor) }
        var values = [Float](repeating: 0, count: timesteps.count * numChannels)
        for (row, t) in timesteps.enumerated() {
            for (i, f) in frequencies.enumerated() {
                let angle = scale * (t * f)
                let (first, second) = flipSinToCos ? (cosf(angle), sinf(angle)) : (sinf(angle), cosf(angle))
                values[row * numChannels + i] = first
                values[row * numChannels + half + i] = second
            }
        }
        return Tensor(shape: [timesteps.count, numChannels], values: values)
    }
}

/// diffusers' `TimestepEmbedding`: `linear_1` → activation → `linear_2`, with the optional `cond_proj` of
/// distilled (LCM) UNets, whose projected guidance embedding is added to the input first.
struct TimestepEmbedding: Sendable {
    let linear1: Linear
    let linear2: Linear
    let conditionProjection: Linear?
    let activation: Activation

    init(
        weights w: WeightLoader, inChannels: Int, timeEmbedDim: Int, outDim: Int? = nil, activation: Activation = .silu,
        condProjDim: Int? = nil
    ) throws {
        linear1 = try w.linear("linear_1", inputs: inChannels, outputs: timeEmbedDim)
        linear2 = try w.linear("linear_2", inputs: timeEmbedDim, outputs: outDim ?? timeEmbedDim)
        conditionProjection = try condProjDim.map { try w.linear("cond_proj", inputs: $0, outputs: inChannels, bias: false) }
        self.activation = activation
    }

    /// sample [N, inChannels]; condition [N, cond_proj_dim] when the model has `cond_proj`.
    func callAsFunction(_ sample: Tensor, condition: Tensor? = nil) -> Tensor {
        var x = sample
        if let conditionProjection, let condition { x = x + conditionProjection(condition) }
        return linear2(activation(linear1(x)))
    }
}
