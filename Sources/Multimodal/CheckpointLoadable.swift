import Foundation
import GenCore

/// A model built from a Hugging Face folder's `config.json` and safetensors weights.
public protocol CheckpointLoadable: Sendable {
    /// Builds the model `config` describes from `weights`, checking every tensor's presence and shape.
    init(config: ModelConfigFile, weights: any WeightSource) throws
}

extension CheckpointLoadable {
    /// Loads `config.json` and the safetensors weights (single file or sharded) of the folder `directory`.
    public static func load(directory: String) throws -> Self {
        let config = try ModelConfigFile(path: (directory as NSString).appendingPathComponent("config.json"))
        return try Self(config: config, weights: SafetensorsCheckpoint(directory: directory))
    }
}
