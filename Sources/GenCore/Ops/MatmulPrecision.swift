/// How matrix products with bfloat16 weights treat their float32 inputs.
///
/// GenKit keeps activations in float32. With bfloat16 weights that gives the numbers transformers gives when it runs
/// the checkpoint in float32 (the weights as stored, exact products): ``float32``, the default. PyTorch running a
/// model in bfloat16, and llama.cpp with bf16 weights, round the activations to bfloat16 before each product
/// instead; ``bfloat16`` does the same, and on CPUs with AVX512_BF16 (Zen 4, Sapphire Rapids and later) it then
/// multiplies with `vdpbf16ps`, which does twice the multiply-adds per cycle of float32 FMA. That halves the time
/// of compute-bound work (a prompt's prefill, an image encoder); a decode step, bound by reading the weights, gains
/// less (5–8 % measured on Zen 4: one instruction per 32 weights streamed instead of four).
///
/// The setting is scoped to a task, as `torch.autocast` scopes PyTorch's (it is a `@TaskLocal` value):
///
/// ```swift
/// let logits = try MatmulPrecision.$current.withValue(.bfloat16) {
///     try model.logits(for: promptIDs)
/// }
/// ```
///
/// Streams started inside the scope (`generateText`, `VisionLanguageModel.captionStream`) keep it for their whole
/// run. Float32 and float16 weights are not affected. Attention, which has no weights, follows the layer's own:
/// see ``forActivations(withWeights:)``.
public enum MatmulPrecision: String, Sendable, CaseIterable {
    /// Inputs stay float32; products with the stored weights are exact and summed in float32.
    case float32
    /// Inputs are rounded to bfloat16 (to nearest even) and the products summed in float32. With `vdpbf16ps`,
    /// bfloat16 subnormal inputs count as zero.
    case bfloat16

    /// The precision of matrix products in the current task (``float32`` unless a scope sets it).
    @TaskLocal public static var current: MatmulPrecision = .float32
}

extension MatmulPrecision {
    /// The precision of the products between activations (attention's) in a layer whose projections have weights
    /// of `dtype`: ``current`` for bfloat16 weights, as their own products take, and ``float32`` otherwise. PyTorch
    /// running a bf16 model computes attention in bf16 too.
    public static func forActivations(withWeights dtype: DType) -> MatmulPrecision {
        dtype == .bfloat16 ? current : .float32
    }
}
