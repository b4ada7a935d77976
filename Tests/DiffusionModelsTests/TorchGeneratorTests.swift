import GenCore
import Testing
@testable import DiffusionModels

/// Reference: `torch.Generator().manual_seed(s)` + `torch.randn` / `torch.rand` in PyTorch 2.15 on x86-64 AVX2
/// (Fixtures/Random/torch_generator.safetensors). Tolerance: none — float32 bit patterns must be identical.
struct TorchGeneratorTests {
    let fixtures: SafetensorsFile

    init() throws { fixtures = try DiffusionFixtures.safetensors("Random/torch_generator.safetensors") }

    private func expectBitwiseEqual(_ actual: [Float], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try fixtures.tensor(name).floats
        #expect(actual.count == expected.count, "\(name): count", sourceLocation: sourceLocation)
        let mismatches = zip(actual, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        let first = mismatches.prefix(3).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" }
        let mismatchCount = mismatches.count
        #expect(mismatchCount == 0, "\(name): first mismatches \(first)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [[1], [7], [15], [16], [17], [4, 4, 8, 8]])
    func randnFromFreshGenerator(shape: [Int]) throws {
        var generator = TorchGenerator(seed: 1234)
        let tensor = generator.randn(shape)
        #expect(tensor.shape == shape)
        try expectBitwiseEqual(tensor.floats, "randn_" + shape.map(String.init).joined(separator: "x"))
    }

    @Test func latentSizedRandnMatchesSampleAndChecksum() throws {
        var generator = TorchGenerator(seed: 42)
        let values = generator.normalFloats(count: 2 * 4 * 64 * 64)
        try expectBitwiseEqual(Array(stride(from: 0, to: values.count, by: 97).map { values[$0] }), "randn_2x4x64x64_sample")
        let checksum = values.reduce(Int64(0)) { $0 + Int64(Int32(bitPattern: $1.bitPattern)) }
        #expect(try fixtures.tensor("randn_2x4x64x64_bits_sum").scalars(as: Int64.self) == [checksum])
    }

    @Test func consecutiveCallsShareOneStream() throws {
        var generator = TorchGenerator(seed: 7)
        let calls: [(String, Int)] = [("randn", 3), ("randn", 20), ("randn", 1), ("rand", 5), ("randn", 16),
                                      ("randn", 2), ("rand", 40), ("randn", 33)]
        for (i, (kind, n)) in calls.enumerated() {
            let values = kind == "randn" ? generator.randn([n]).floats : generator.rand([n]).floats
            try expectBitwiseEqual(values, "sequence_\(i)_\(kind)_\(n)")
        }
    }

    @Test func seedsAreReducedLikePyTorch() throws {
        var negative = TorchGenerator(seed: -1)
        #expect(negative.initialSeed == UInt64.max)
        try expectBitwiseEqual(negative.normalFloats(count: 20), "randn_seed_minus_1")
        var large = TorchGenerator(seed: UInt64(1) << 32 + 5)
        try expectBitwiseEqual(large.normalFloats(count: 5), "randn_seed_2pow32_plus_5")
    }

    @Test func manualSeedRestartsTheStreamAndDropsTheCachedNormal() {
        var generator = TorchGenerator(seed: 3)
        let first = generator.normalFloats(count: 1)  // leaves the pair's second normal cached
        generator.manualSeed(3)
        #expect(generator.normalFloats(count: 1) == first)
        var copy = generator
        #expect(copy.normalFloats(count: 5) == generator.normalFloats(count: 5), "a copy continues the same stream")
    }

    @Test func uniformsComeFromTheDocumentedBits() {
        var a = TorchGenerator(seed: 11), b = TorchGenerator(seed: 11)
        let raw = a.nextUInt32()
        #expect(b.nextUniformFloat() == Float(raw & 0xff_ffff) / 16_777_216)
        #expect(b.uniformFloats(count: 0).isEmpty && b.normalFloats(count: 0).isEmpty)
    }
}
