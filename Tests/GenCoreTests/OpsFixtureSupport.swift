import Foundation
import Testing
@testable import GenCore

/// One reference case written by Tools/make_op_fixtures.py (torch, float32): named tensors plus options.
struct OpsCase {
    let name: String
    let op: String
    let options: [String: Any]
    let tensors: [String: Tensor]

    func tensor(_ key: String) throws -> Tensor {
        try #require(tensors[key], "\(name): fixture has no tensor '\(key)'")
    }
    func int(_ key: String) -> Int? { (options[key] as? NSNumber)?.intValue }
    func float(_ key: String) -> Float? { (options[key] as? NSNumber)?.floatValue }
    func bool(_ key: String) -> Bool { (options[key] as? Bool) ?? false }
    func string(_ key: String) -> String? { options[key] as? String }
    func ints(_ key: String) -> [Int]? { (options[key] as? [NSNumber])?.map(\.intValue) }
    func pair(_ key: String, default value: (Int, Int)) -> (Int, Int) {
        guard let v = ints(key), v.count == 2 else { return value }
        return (v[0], v[1])
    }
}

enum OpsFixtures {
    /// All cases of one operation kind, in file order; fails the test when there are none.
    static func cases(_ op: String) throws -> [OpsCase] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("Ops")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
        let all = try #require((manifest as? [String: Any])?["cases"] as? [[String: Any]])
        let selected = try all.filter { $0["op"] as? String == op }.map { entry -> OpsCase in
            let name = try #require(entry["name"] as? String)
            let data = try Data(contentsOf: folder.appendingPathComponent("\(name).bin"))
            let floats = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            var tensors: [String: Tensor] = [:]
            for (key, value) in try #require(entry["tensors"] as? [String: [String: Any]]) {
                let shape = try #require((value["shape"] as? [NSNumber])?.map(\.intValue))
                let offset = try #require((value["offset"] as? NSNumber)?.intValue)
                let count = shape.reduce(1, *)
                tensors[key] = Tensor(shape: shape, values: Array(floats[offset..<(offset + count)]))
            }
            return OpsCase(name: name, op: op, options: entry["options"] as? [String: Any] ?? [:], tensors: tensors)
        }
        #expect(!selected.isEmpty, "no fixtures for \(op)")
        return selected
    }
}

/// Checks `got` against `expected` like numpy.allclose: |got - expected| ≤ atol + rtol·|expected| per element,
/// where atol is `tolerance` · max |expected| (the scale of the result). NaN and ±inf must match exactly.
func expectClose(
    _ got: Tensor, _ expected: Tensor, tolerance: Float, rtol: Float = 0, absoluteFloor: Float = 0, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(got.shape == expected.shape, "\(label): shape \(got.shape) != \(expected.shape)", sourceLocation: sourceLocation)
    guard got.shape == expected.shape else { return }
    let g = got.floats, e = expected.floats
    let scale = e.filter(\.isFinite).map(abs).max() ?? 0
    let atol = max(tolerance * scale, absoluteFloor)
    var worst = 0, worstExcess: Float = 0, failures = 0
    for i in e.indices {
        let ok: Bool
        if e[i].isNaN { ok = g[i].isNaN }
        else if e[i].isInfinite { ok = g[i] == e[i] }
        else { ok = abs(g[i] - e[i]) <= atol + rtol * abs(e[i]) }
        if !ok {
            failures += 1
            let excess = abs(g[i] - e[i])
            if failures == 1 || excess > worstExcess { (worst, worstExcess) = (i, excess) }
        }
    }
    #expect(failures == 0,
            "\(label): \(failures) of \(e.count) elements differ; worst at \(worst): got \(g.isEmpty ? 0 : g[worst]) expected \(e.isEmpty ? 0 : e[worst]) (atol \(atol), rtol \(rtol))",
            sourceLocation: sourceLocation)
}

/// Same values with a different memory layout: the last two axes stored transposed (a non-contiguous view).
func transposedLayout(_ t: Tensor) -> Tensor { t.transposed().contiguous().transposed() }

/// Same values as a view into a wider buffer: each row along `axis` padded by `extra` elements (leading dimension > size).
func paddedLayout(_ t: Tensor, axis: Int, extra: Int = 3) -> Tensor {
    var padShape = t.shape
    let ax = t.axis(axis)
    padShape[ax] = extra
    return concatenate([t, Tensor(repeating: .nan, shape: padShape).converted(to: t.dtype)], axis: ax).sliced(axis: ax, 0..<t.shape[ax])
}

@Suite struct OpsFixtureSupportTests {
    /// The comparison used by every ops test must flag a wrong element, a NaN mismatch and a shape mismatch.
    @Test func expectCloseDetectsDifferences() {
        let a = Tensor(shape: [3], values: [Float]([1, 2, 3]))
        withKnownIssue { expectClose(a, Tensor(shape: [3], values: [Float]([1, 2, 3.001])), tolerance: 1e-5, "value") }
        withKnownIssue { expectClose(a, Tensor(shape: [3], values: [Float]([1, .nan, 3])), tolerance: 1e-5, "nan") }
        withKnownIssue { expectClose(a, Tensor(shape: [1, 3], values: [Float]([1, 2, 3])), tolerance: 1e-5, "shape") }
        expectClose(a, Tensor(shape: [3], values: [Float]([1, 2, 3.00001])), tolerance: 1e-5, "within tolerance")
    }
}
