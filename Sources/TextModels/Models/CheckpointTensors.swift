import GenCore

/// The one place that maps a model's parameter names onto checkpoint tensor names and checks what it loads.
///
/// Hugging Face checkpoints nest the decoder under a prefix (`model.` for Llama/Qwen2, `transformer.` for
/// GPT-2) while the LM head sits at the top (`lm_head.weight`); original GPT-2 files have no prefix at all. The
/// prefix is detected once from a tensor every checkpoint of the family has. Every load checks presence
/// (``GenCoreError/missingTensor(name:path:)``), shape (``GenCoreError/shapeMismatch(name:expected:actual:path:)``)
/// and that the dtype is a float type.
struct CheckpointTensors {
    let source: any WeightSource
    /// Prefix of the decoder's own tensors, e.g. `model.`.
    let prefix: String

    /// Picks the first of `prefixes` under which `probe` exists; reports `probe` under the first prefix if none.
    init(source: any WeightSource, prefixes: [String], probe: String) throws {
        self.source = source
        guard let found = prefixes.first(where: { source.contains($0 + probe) }) else {
            throw GenCoreError.missingTensor(name: (prefixes.first ?? "") + probe, path: source.path)
        }
        prefix = found
    }

    /// A decoder tensor (`prefix + name`) as stored: float32, float16 or bfloat16, memory-mapped.
    func weight(_ name: String, shape: [Int]) throws -> Tensor {
        try load(prefix + name, shape: shape)
    }

    /// A decoder tensor converted to float32 once at load (norm parameters and biases: small, read every step).
    func float32(_ name: String, shape: [Int]) throws -> Tensor {
        try weight(name, shape: shape).converted(to: .float32)
    }

    /// `weight(name)` when `present`, else `nil` (optional biases).
    func optionalFloat32(_ name: String, shape: [Int], present: Bool) throws -> Tensor? {
        present ? try float32(name, shape: shape) : nil
    }

    /// The output projection `[vocab, hidden]`: the input embedding when tied, else the top-level `lm_head.weight`.
    func languageModelHead(tied: Bool, embedding: Tensor) throws -> Tensor {
        if tied { return embedding }
        return try load("lm_head.weight", shape: embedding.shape)
    }

    private func load(_ fullName: String, shape: [Int]) throws -> Tensor {
        let tensor = try source.tensor(fullName, expectedShape: shape)
        guard tensor.dtype.isFloatingPoint else {
            throw GenCoreError.unsupportedDType(path: source.path, tensor: fullName, dtype: tensor.dtype.rawValue)
        }
        return tensor
    }
}
