import GenCore
import Testing
@testable import DiffusionModels

/// Reference: diffusers 0.42.1 `get_timestep_embedding` (Fixtures/Networks/timestep_embedding_*.npy) for
/// timesteps 0, 1, 10.5, 37, 500 and 999. Tolerance: 2 ulp(t) absolute in the row of timestep t. PyTorch's
/// vectorised (SLEEF) exp, sin and cos and the C library's differ in the last bit for a few arguments; a last-bit
/// change of a frequency moves the angle t·f by about ulp(t), which moves sin/cos by as much.
struct TimestepsTests {
    @Test(arguments: [("flip_shift1_dim32", 32, true, Float(1)), ("noflip_shift0_dim31", 31, false, 0),
                      ("flip_shift0_dim320", 320, true, 0)])
    func embeddingMatchesDiffusers(name: String, dim: Int, flip: Bool, shift: Float) throws {
        let timesteps = try NetworkFixtures.array("timesteps.npy").floats
        let expected = try NetworkFixtures.array("timestep_embedding_\(name).npy")
        let actual = Timesteps(numChannels: dim, flipSinToCos: flip, downscaleFreqShift: shift)(timesteps)
        #expect(actual.shape == expected.shape)
        let (a, e) = (actual.floats, expected.floats)
        for (row, t) in timesteps.enumerated() {
            let errors = (0..<dim).map { abs(a[row * dim + $0] - e[row * dim + $0]) }
            let worst = errors.max() ?? .infinity
            #expect(worst <= 2 * max(t, 1).ulp, "\(name) t=\(t): max error \(worst)")
        }
    }
}

/// Reference: `F.avg_pool2d(x, 2)` and `F.interpolate(x, size=..., mode="nearest")`, written out by hand for tiny
/// inputs. Exact.
struct ResamplingOpTests {
    @Test func avgPoolAveragesWindowsAndDropsPartialOnes() {
        let x = Tensor(shape: [1, 1, 3, 4], values: (0..<12).map(Float.init))
        let y = avgPool2d(x, kernel: 2)
        #expect(y.shape == [1, 1, 1, 2])
        #expect(y.floats == [2.5, 4.5])
    }

    @Test func nearestResizeToAnOddSize() {
        let x = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4] as [Float])
        let y = resizeNearest2d(x, height: 3, width: 5)
        // rows ⌊i·2/3⌋ = 0, 0, 1; columns ⌊j·2/5⌋ = 0, 0, 0, 1, 1
        #expect(y.floats == [1, 1, 1, 2, 2, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4])
        #expect(resizeNearest2d(x, height: 4, width: 4).floats == upsampleNearest2d(x, scale: 2).floats)
    }
}

/// The legacy attention names (`query`, `key`, `value`, `proj_attn`) that diffusers converts on load give the same
/// block as the current ones. Reference: the same fixture weights under both names.
struct LegacyAttentionNameTests {
    @Test func legacyNamesLoadTheSameAttention() throws {
        let source = try SafetensorsFile(path: NetworkFixtures.path("vae/diffusion_pytorch_model.safetensors"))
        let prefix = "encoder.mid_block.attentions.0."
        let legacyNames = ["query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"]
        let renamed = RenamedWeightSource(source) { name in
            guard name.hasPrefix(prefix) else { return name }
            let rest = String(name.dropFirst(prefix.count))
            for (old, new) in legacyNames where rest.hasPrefix(old + ".") {
                return prefix + new + rest.dropFirst(old.count)
            }
            return rest.hasPrefix("to_") ? "hidden" : name
        }
        let current = try Attention(weights: WeightLoader(source: source, prefix: String(prefix.dropLast())),
                                    queryDim: 20, heads: 1, dimHead: 20, bias: true, normNumGroups: 4, eps: 1e-6,
                                    residualConnection: true)
        let legacy = try Attention(weights: WeightLoader(source: renamed, prefix: String(prefix.dropLast())),
                                   queryDim: 20, heads: 1, dimHead: 20, bias: true, normNumGroups: 4, eps: 1e-6,
                                   residualConnection: true)
        var generator = TorchGenerator(seed: 3)
        let x = generator.randn([1, 20, 3, 2])
        #expect(legacy(x).floats == current(x).floats)
    }
}
