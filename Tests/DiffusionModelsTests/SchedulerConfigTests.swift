import Foundation
import GenCore
import Testing
@testable import DiffusionModels

/// Configuration loading and argument checks: bad input gives typed errors, never a crash.
struct SchedulerConfigTests {
    private func config(_ json: String) throws -> SchedulerConfig {
        try SchedulerConfig(jsonData: Data(json.utf8))
    }

    @Test func decodesDiffusersFieldNamesAndIgnoresUnknownOnes() throws {
        let c = try config(#"{"_class_name": "EulerDiscreteScheduler", "beta_start": 0.00085, "steps_offset": 1,"#
            + #" "use_karras_sigmas": true, "clip_sample": false, "some_future_field": [1, 2]}"#)
        #expect(c.className == "EulerDiscreteScheduler")
        #expect(c.betaStart == 0.00085 && c.stepsOffset == 1 && c.useKarrasSigmas == true && c.clipSample == false)
        #expect(c.timestepSpacing == nil)
    }

    @Test func acceptsInfinityAsDiffusersWritesIt() throws {
        let c = try config(#"{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity}"#)
        #expect(c.lambdaMinClipped == -Double.infinity)
        var scheduler = try SchedulerFactory.makeScheduler(config: c)
        try scheduler.setTimesteps(5)
        #expect(scheduler.timesteps == [999, 799, 599, 400, 200], "np.linspace(0, 999, 6).round(), reversed, last dropped")
    }

    @Test func unknownClassListsTheSupportedOnes() throws {
        let c = try config(#"{"_class_name": "UniPCMultistepScheduler"}"#)
        #expect(throws: DiffusionModelsError.unsupportedScheduler(className: "UniPCMultistepScheduler",
                                                                  supported: SchedulerFactory.supportedClassNames)) {
            try SchedulerFactory.makeScheduler(config: c)
        }
        #expect(SchedulerFactory.supportedClassNames.count == 7)
    }

    @Test func wrongFieldTypeNamesTheField() {
        do {
            _ = try config(#"{"_class_name": "DDIMScheduler", "steps_offset": "one"}"#)
            Issue.record("expected an error")
        } catch let DiffusionModelsError.invalidSchedulerConfig(field, _) {
            #expect(field == "steps_offset")
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(throws: DiffusionModelsError.self) { try config("not json") }
    }

    @Test func unsupportedOptionsAreRejected() throws {
        let cases = [
            #"{"_class_name": "PNDMScheduler", "prediction_type": "sample"}"#,
            #"{"_class_name": "DDIMScheduler", "beta_schedule": "sigmoid"}"#,
            #"{"_class_name": "DDIMScheduler", "prediction_type": "flow_prediction"}"#,
            #"{"_class_name": "EulerAncestralDiscreteScheduler", "prediction_type": "sample"}"#,
            #"{"_class_name": "DPMSolverMultistepScheduler", "algorithm_type": "sde-dpmsolver++"}"#,
            #"{"_class_name": "DPMSolverMultistepScheduler", "solver_order": 3}"#,
            #"{"_class_name": "EulerDiscreteScheduler", "timestep_spacing": "middle"}"#,
            #"{"_class_name": "DDPMScheduler", "trained_betas": [0.1, 0.2]}"#,
            #"{"_class_name": "DDPMScheduler", "num_train_timesteps": 0}"#,
        ]
        for json in cases {
            #expect(throws: DiffusionModelsError.self, "\(json)") { try SchedulerFactory.makeScheduler(config: config(json)) }
        }
    }

    @Test func badCallsThrow() throws {
        var ddim = try DDIMScheduler(config: SchedulerConfig(className: "DDIMScheduler"))
        var generator = TorchGenerator(seed: 0)
        let x = Tensor(zeros: [1, 4, 2, 2])
        #expect(throws: DiffusionModelsError.timestepsNotSet(scheduler: "DDIMScheduler")) {
            try ddim.step(modelOutput: x, timestep: 1, sample: x, generator: &generator)
        }
        #expect(throws: DiffusionModelsError.self) { try ddim.setTimesteps(0) }
        #expect(throws: DiffusionModelsError.self) { try ddim.setTimesteps(1001) }
        try ddim.setTimesteps(10)
        #expect(throws: DiffusionModelsError.self) { try ddim.step(modelOutput: x, timestep: 5000, sample: x, generator: &generator) }
        #expect(throws: DiffusionModelsError.self) {
            try ddim.step(modelOutput: Tensor(zeros: [1, 4, 2, 3]), timestep: 1, sample: x, generator: &generator)
        }
        #expect(throws: DiffusionModelsError.self) { try ddim.img2imgTimesteps(strength: 1.5) }

        var euler = try EulerDiscreteScheduler(config: SchedulerConfig(className: "EulerDiscreteScheduler"))
        try euler.setTimesteps(4)
        #expect(throws: DiffusionModelsError.self) { try euler.scaleModelInput(x, timestep: 123.5) }
        var pndm = try PNDMScheduler(config: SchedulerConfig(jsonData: Data(#"{"timestep_spacing": "trailing"}"#.utf8)))
        #expect(throws: DiffusionModelsError.self, "Runge-Kutta warm-up needs 4 steps") { try pndm.setTimesteps(3) }
        var lcm = try LCMScheduler(config: SchedulerConfig(className: "LCMScheduler"))
        #expect(throws: DiffusionModelsError.self) { try lcm.setTimesteps(51) }
    }

    @Test func betaSchedulesMatchTorchFloat32() throws {
        // torch.linspace(0.0001, 0.02, 1000) and the SD scaled-linear schedule: first, middle, last alphas_cumprod.
        let linear = try NoiseSchedule(config: SchedulerConfig())
        #expect(linear.alphasCumprod.count == 1000)
        #expect(linear.alphasCumprod[0] == 0.9999)
        let strided = try DDPMScheduler(config: SchedulerConfig(className: "DDPMScheduler"))
        #expect(strided.schedule == linear)
    }
}
