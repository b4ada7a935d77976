import Foundation
import GenCore
import Testing

/// Fixture files written by Tools/make_scheduler_fixtures.py.
enum DiffusionFixtures {
    /// The URL of `Fixtures/<relativePath>`.
    static func url(_ relativePath: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent(relativePath)
    }

    /// Opens `Fixtures/<relativePath>` as a safetensors file.
    static func safetensors(_ relativePath: String) throws -> SafetensorsFile {
        try SafetensorsFile(path: url(relativePath).path)
    }
}
