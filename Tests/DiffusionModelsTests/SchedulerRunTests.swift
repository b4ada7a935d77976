import Foundation
import GenCore
import Testing
@testable import DiffusionModels

/// One recorded diffusers run from Fixtures/Schedulers (written by Tools/make_scheduler_fixtures.py).
struct SchedulerRunCase: CustomTestStringConvertible, Sendable {
    let name: String
    let configJSON: Data
    let steps: Int
    let seed: UInt64
    let strength: Double?
    /// DDIM's η for the run (nil: the default, 0).
    let eta: Float?
    /// Allowed timestep difference in float32 ulps (0: identical); see the fixture script for why a case has one.
    let timestepULPs: Int
    /// Per-step tolerance relative to the step's largest magnitude (1e-5 unless the case says why it needs more).
    let stepTolerance: Float
    var testDescription: String { name }

    static let all: [SchedulerRunCase] = (try? load()) ?? []

    private static func load() throws -> [SchedulerRunCase] {
        let data = try Data(contentsOf: DiffusionFixtures.url("Schedulers/cases.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = root["cases"] as? [[String: Any]] else { return [] }
        return try cases.map { entry in
            SchedulerRunCase(
                name: entry["name"] as? String ?? "?",
                configJSON: try JSONSerialization.data(withJSONObject: entry["config"] ?? [:]),
                steps: (entry["num_inference_steps"] as? NSNumber)?.intValue ?? 0,
                seed: (entry["seed"] as? NSNumber)?.uint64Value ?? 0,
                strength: (entry["strength"] as? NSNumber)?.doubleValue,
                eta: (entry["eta"] as? NSNumber)?.floatValue,
                timestepULPs: (entry["timestep_ulps"] as? NSNumber)?.intValue ?? 0,
                stepTolerance: (entry["step_tolerance"] as? NSNumber)?.floatValue ?? 1e-5)
        }
    }
}

/// Reference: diffusers 0.42.1 schedulers driven by torch 2.15 (Fixtures/Schedulers/scheduler_runs.safetensors).
/// Timesteps must be identical; sigmas and init_noise_sigma within 1e-6 relative; each step's sample within
/// 1e-5 of the step's largest magnitude (at least 1). The fake model is the same float32 polynomial as the script's.
struct SchedulerRunTests {
    static let runs = Result { try DiffusionFixtures.safetensors("Schedulers/scheduler_runs.safetensors") }

    @Test func fixturesArePresent() throws {
        #expect(SchedulerRunCase.all.count >= 40)
        _ = try Self.runs.get()
    }

    static func fakeModel(_ sample: Tensor, _ t: Float) -> Tensor {
        let bias = Float(Double(t) / 1000)
        return sample * Float(0.9) - (sample * sample) * Float(0.05) + bias
    }

    private func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float, _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        let scale = max(1, expected.map(abs).max() ?? 1)
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        let sameCount = actual.count == expected.count
        #expect(sameCount && worst <= tolerance * scale, "\(what): max error \(worst) (scale \(scale))", sourceLocation: sourceLocation)
    }

    @Test(arguments: SchedulerRunCase.all)
    func matchesDiffusers(_ run: SchedulerRunCase) throws {
        let file = try Self.runs.get()
        func reference(_ key: String) throws -> Tensor { try file.tensor("\(run.name)/\(key)") }

        var scheduler = try SchedulerFactory.makeScheduler(config: SchedulerConfig(jsonData: run.configJSON))
        if let eta = run.eta {
            var ddim = try #require(scheduler as? DDIMScheduler, "\(run.name): eta is a DDIM option")
            ddim.eta = eta
            scheduler = ddim
        }
        try scheduler.setTimesteps(run.steps)
        let expectedTimesteps = try reference("timesteps").floats
        let timestepsMatch = scheduler.timesteps.count == expectedTimesteps.count && zip(scheduler.timesteps, expectedTimesteps).allSatisfy {
            abs(Int($0.bitPattern) - Int($1.bitPattern)) <= run.timestepULPs
        }
        #expect(timestepsMatch, "\(run.name): timesteps \(scheduler.timesteps) vs \(expectedTimesteps)")
        if file.names.contains("\(run.name)/sigmas") {
            expectClose(scheduler.sigmas ?? [], try reference("sigmas").floats, tolerance: 1e-6, "\(run.name): sigmas")
        }
        var generator = TorchGenerator(seed: run.seed)
        let latent = generator.randn([1, 4, 8, 8])
        var sample: Tensor
        var timesteps = scheduler.timesteps
        if let strength = run.strength {
            timesteps = try scheduler.img2imgTimesteps(strength: strength)
            let noise = generator.randn([1, 4, 8, 8])
            sample = try scheduler.addNoise(original: latent, noise: noise, timestep: timesteps[0])
            expectClose(sample.floats, try reference("noised").floats, tolerance: 1e-6, "\(run.name): add_noise")
        } else {
            expectClose([scheduler.initNoiseSigma], try reference("init_noise_sigma").floats, tolerance: 1e-6, "\(run.name): init_noise_sigma")
            sample = latent * scheduler.initNoiseSigma
        }
        let expectedRun = try reference("run_timesteps").floats
        #expect(run.timestepULPs > 0 || timesteps == expectedRun, "\(run.name): visited timesteps")

        let expectedSteps = try reference("steps")
        #expect(expectedSteps.shape.first == timesteps.count)
        for (i, t) in timesteps.enumerated() where i < expectedSteps.shape[0] {
            // (A timestep a few ulps off feeds the fake model a slightly different bias; well inside the tolerance.)
            let input = try scheduler.scaleModelInput(sample, timestep: t)
            sample = try scheduler.step(modelOutput: Self.fakeModel(input, t), timestep: t, sample: sample, generator: &generator)
            expectClose(sample.floats, expectedSteps.selecting(axis: 0, i).floats, tolerance: run.stepTolerance, "\(run.name): step \(i) (t = \(t))")
        }
    }
}
