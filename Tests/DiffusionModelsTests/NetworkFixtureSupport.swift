import Foundation
import GenCore
import Testing

/// Files written by Tools/make_diffusion_net_fixtures.py under Fixtures/Networks.
enum NetworkFixtures {
    static func path(_ relativePath: String) throws -> String {
        try DiffusionFixtures.url("Networks/" + relativePath).path
    }

    static func array(_ relativePath: String) throws -> Tensor {
        try NumpyArray.read(contentsOf: path(relativePath))
    }

    /// A copy of the fixture folder `name` in a fresh temporary folder, for tests that damage it.
    static func copy(_ name: String) throws -> String {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("genkit-\(name)-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: path(name), toPath: target.path)
        return target.path
    }

    /// Rewrites `config.json` in `folder` after `edit` changes its JSON object.
    static func editConfig(_ folder: String, _ edit: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: folder + "/config.json")
        var object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }
}

/// Expects `actual` to have `expected`'s shape and every element within `relative` × max|expected| of it.
/// Returns the largest error relative to max|expected|, for reporting.
@discardableResult
func expectClose(
    _ actual: Tensor, _ expected: Tensor, relative: Float, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) -> Float {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return .infinity }
    let a = actual.converted(to: .float32).contiguous().floats, e = expected.converted(to: .float32).contiguous().floats
    let scale = max(e.map(abs).max() ?? 0, Float.leastNormalMagnitude)
    let worst = zip(a, e).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= relative * scale, "\(what): max error \(worst) > \(relative) × \(scale)", sourceLocation: sourceLocation)
    return worst / scale
}
