#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CGenKernels

/// How rotary position embedding pairs up the dimensions of a head.
public enum RoPELayout: String, Sendable {
    /// Dimension i rotates with i + rotaryDim/2 (`rotate_half`: Llama, GPT-NeoX, Qwen, Mistral).
    /// cos/sin rows are `cat(freqs, freqs)`.
    case halfRotation
    /// Dimension 2i rotates with 2i + 1 (GPT-J, some vision models). cos/sin rows are `repeat_interleave(freqs, 2)`.
    case interleaved
}

/// Rotates the first `rotaryDim` dimensions of x [B, ..., T, D] by the angles in `cos` / `sin`, either
/// [T, rotaryDim] shared by the whole batch or [B, T, rotaryDim] with one table per batch entry (transformers'
/// layout for per-sequence position ids; size-1 axes such as [B, 1, T, rotaryDim] are accepted). Dimensions
/// past `rotaryDim` (partial rotary) pass through unchanged. Returns a new contiguous float32 tensor.
public func applyRotaryEmbedding(_ x: Tensor, cos cosTable: Tensor, sin sinTable: Tensor, layout: RoPELayout) -> Tensor {
    precondition(x.dtype == .float32 && x.rank >= 2, "applyRotaryEmbedding needs float32 [..., T, D], got \(x)")
    let positions = x.shape[x.rank - 2], d = x.shape[x.rank - 1]
    precondition(cosTable.shape == sinTable.shape && cosTable.rank >= 1, "applyRotaryEmbedding: cos \(cosTable.shape) and sin \(sinTable.shape) differ")
    let rotary = cosTable.shape[cosTable.rank - 1]
    let batch = x.rank > 2 ? x.shape[0] : 1
    let batched = batch > 1 && cosTable.count == batch * positions * rotary
    precondition(rotary % 2 == 0 && rotary <= d && (batched || cosTable.count == positions * rotary),
                 "applyRotaryEmbedding: cos/sin \(cosTable.shape) do not fit \(positions) positions of a \(d)-wide head")
    let src = x.contiguous(), c = cosTable.contiguousFloat32, s = sinTable.contiguousFloat32
    let out = Tensor(uninitialized: x.shape)
    if out.count == 0 { return out }
    let rows = src.count / d
    withExtendedLifetime((src, c, s)) {
        gk_rope_f32(src.floatBase, out.mutableFloatBase, rows, d, positions, rotary, c.floatBase, s.floatBase,
                    layout == .interleaved ? 1 : 0, batched ? 1 : 0, rows / batch)
    }
    return out
}

/// cos and sin tables [positions.count, 2·inverseFrequencies.count] for ``applyRotaryEmbedding(_:cos:sin:layout:)``,
/// computed as transformers does: angle = Float(position) · inverseFrequency in float32, then laid out as
/// `cat(freqs, freqs)` (halfRotation) or `repeat_interleave(freqs, 2)` (interleaved).
public func rotaryCosSin(positions: [Int], inverseFrequencies: [Float], layout: RoPELayout) -> (cos: Tensor, sin: Tensor) {
    let half = inverseFrequencies.count, width = 2 * half
    var cosValues = [Float](repeating: 0, count: positions.count * width)
    var sinValues = cosValues
    for (row, position) in positions.enumerated() {
        for (i, frequency) in inverseFrequencies.enumerated() {
            // The angle is rounded to float32 as torch computes it; cos/sin of that float are taken in double.
            let angle = Double(Float(position) * frequency)
            let (cv, sv) = (Float(cos(angle)), Float(sin(angle)))
            let slots = layout == .halfRotation ? (i, i + half) : (2 * i, 2 * i + 1)
            for slot in [slots.0, slots.1] {
                cosValues[row * width + slot] = cv
                sinValues[row * width + slot] = sv
            }
        }
    }
    return (Tensor(shape: [positions.count, width], values: cosValues), Tensor(shape: [positions.count, width], values: sinValues))
}
