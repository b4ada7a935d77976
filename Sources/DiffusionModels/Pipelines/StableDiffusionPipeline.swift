import Foundation
import GenCore
import TextModels

/// One Stable Diffusion generation: text-to-image, or image-to-image when ``initImage`` is set. Defaults are
/// diffusers' `StableDiffusionPipeline.__call__` defaults.
public struct StableDiffusionRequest: Sendable {
    public var prompt: String
    /// What to steer away from; an empty string (diffusers' default) when nil. Used only with guidance.
    public var negativePrompt: String?
    /// `num_inference_steps` (for image-to-image, before `strength` cuts the schedule).
    public var steps = 50
    /// Classifier-free guidance weight; guidance is off at 1 or below (one UNet row per step instead of two).
    public var guidanceScale: Float = 7.5
    /// Seeds the generator that draws the initial noise, the VAE posterior sample and any scheduler noise.
    public var seed: UInt64 = 0
    /// Text-to-image output size in pixels; multiples of 8. Nil means the UNet's `sample_size` × the VAE scale
    /// factor. Image-to-image ignores them, as diffusers' img2img pipeline has none: its size is the init image's.
    public var width: Int?
    public var height: Int?
    /// Initial latents [1, unet in_channels, height / f, width / f] instead of seeded noise (diffusers' `latents=`);
    /// they are scaled by the scheduler's `init_noise_sigma` as diffusers scales them. Text-to-image only.
    public var latents: Tensor?
    /// Use the text encoder's layer `clipSkip` from the end (then `final_layer_norm`) for the prompt, as
    /// diffusers' `clip_skip`; the negative prompt keeps the last layer, as in diffusers.
    public var clipSkip: Int?
    /// The image-to-image input: any size of at least one VAE scale factor per side, resized as diffusers'
    /// `VaeImageProcessor` does (Lanczos, down to multiples of the factor; see ``VaeImageProcessor``); RGB, gray
    /// repeated, alpha dropped.
    public var initImage: Image?
    /// How much of the schedule image-to-image runs: 1 ignores the input image, 0 returns it.
    public var strength = 0.8
    /// DDIM's `eta` (ignored by other schedulers).
    public var eta: Float = 0

    public init(prompt: String) { self.prompt = prompt }
}

/// Latent text-to-image and image-to-image diffusion (Rombach et al., 2022) as diffusers'
/// `StableDiffusionPipeline` and `StableDiffusionImg2ImgPipeline` (0.42) run it: CLIP prompt embeddings padded to
/// 77 tokens, classifier-free guidance with the unconditional row first, the scheduler loop over a
/// `UNet2DConditionModel`, and `AutoencoderKL` decoding of `latents / scaling_factor`.
public struct StableDiffusionPipeline: Sendable {
    /// The `model_index.json` classes this pipeline loads (one folder serves both modes).
    public static let supportedClassNames = ["StableDiffusionPipeline", "StableDiffusionImg2ImgPipeline"]

    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL
    /// Stepped on a copy per run; replace it to sample with another scheduler.
    public var scheduler: any Scheduler
    /// The UNet's `sample_size` in latent pixels, when its config gives one.
    public let sampleSize: Int?

    /// How many image pixels one latent pixel covers (8 for every released Stable Diffusion).
    public var vaeScaleFactor: Int { vae.downsamplingFactor }

    /// Loads a diffusers Stable Diffusion folder (`unet/`, `vae/`, `text_encoder/`, `tokenizer/`, `scheduler/`);
    /// `schedulerClassName` builds another scheduler class from `scheduler_config.json`.
    public init(directory: URL, schedulerClassName: String? = nil) throws {
        let folder = try DiffusionPipelineFolder(directory: directory)
        guard Self.supportedClassNames.contains(folder.className) else {
            throw DiffusionModelsError.unsupportedModel(className: folder.className, supported: Self.supportedClassNames)
        }
        tokenizer = try CLIPTokenizer(directory: folder.componentDirectory("tokenizer"))
        textEncoder = try CLIPTextModel(directory: folder.componentDirectory("text_encoder", requiredFile: "config.json"))
        let unetFolder = try folder.componentDirectory("unet", requiredFile: "config.json")
        unet = try UNet2DConditionModel(directory: unetFolder.path)
        sampleSize = try ModelConfigFile(path: unetFolder.appendingPathComponent("config.json").path).value("sample_size") as? Int
        vae = try AutoencoderKL(directory: folder.componentDirectory("vae", requiredFile: "config.json").path)
        scheduler = try folder.scheduler(className: schedulerClassName)
    }

    /// Runs `request`: text-to-image, or image-to-image when it has an ``StableDiffusionRequest/initImage``.
    public func generate(_ request: StableDiffusionRequest, onStep: DiffusionStepHandler? = nil) throws -> DiffusionOutput {
        guard request.steps > 0 else {
            throw DiffusionModelsError.invalidPipelineArgument("the step count must be positive, got \(request.steps)")
        }
        let guided = request.guidanceScale > 1 && unet.config.timeCondProjDim == nil
        let context = try promptEmbeddings(request, guided: guided)
        var scheduler = self.scheduler
        if var ddim = scheduler as? DDIMScheduler {
            ddim.eta = request.eta
            scheduler = ddim
        }
        try scheduler.setTimesteps(request.steps)
        var generator = TorchGenerator(seed: request.seed)
        let (initial, timesteps) = try request.initImage == nil
            ? (initialLatents(request, scheduler: scheduler, generator: &generator), scheduler.timesteps)
            : imageLatents(request, scheduler: &scheduler, generator: &generator)
        let timestepCond = unet.config.timeCondProjDim.map { guidanceEmbedding(request.guidanceScale - 1, dimension: $0) }
        let latents = try denoise(latents: initial, timesteps: timesteps, scheduler: &scheduler, generator: &generator,
                                  onStep: onStep) { x, t in
            guard guided else {
                return try unet(x, timestep: t, encoderHiddenStates: context, timestepCond: timestepCond)
            }
            let both = try unet(concatenate([x, x], axis: 0), timestep: t, encoderHiddenStates: context)
            let unconditional = both.sliced(axis: 0, 0..<1), conditional = both.sliced(axis: 0, 1..<2)
            return unconditional + request.guidanceScale * (conditional - unconditional)
        }
        return DiffusionOutput(decoded: try decode(latents), latents: latents)
    }

    /// The VAE decoding of denoised `latents` (undoing `scaling_factor`), in about [-1, 1]; also for previews.
    public func decode(_ latents: Tensor) throws -> Tensor {
        try vae.decode(latents / vae.scalingFactor)
    }

    /// [1 or 2, 77, hidden]: the negative prompt's states first when guided (diffusers' `torch.cat([negative, prompt])`).
    func promptEmbeddings(_ request: StableDiffusionRequest, guided: Bool) throws -> Tensor {
        let prompt = try encode(request.prompt, clipSkip: request.clipSkip)
        guard guided else { return prompt }
        return concatenate([try encode(request.negativePrompt ?? "", clipSkip: nil), prompt], axis: 0)
    }

    private func encode(_ text: String, clipSkip: Int?) throws -> Tensor {
        let ids = [tokenizer.encodePadded(text)]
        guard let clipSkip else { return try textEncoder(inputIDs: ids).lastHiddenState }
        let layers = textEncoder.config.numHiddenLayers
        guard clipSkip >= 0, clipSkip < layers else {
            throw DiffusionModelsError.invalidPipelineArgument("clip skip must be in 0..<\(layers), got \(clipSkip)")
        }
        let states = try textEncoder(inputIDs: ids, outputHiddenStates: true).hiddenStates
        return textEncoder.finalLayerNorm(states[states.count - 1 - clipSkip])
    }

    /// Seeded noise (or the given latents) × `init_noise_sigma`, as diffusers' `prepare_latents`.
    private func initialLatents(
        _ request: StableDiffusionRequest, scheduler: any Scheduler, generator: inout TorchGenerator
    ) throws -> Tensor {
        let (height, width) = try outputSize(request)
        let shape = [1, unet.config.inChannels, height / vaeScaleFactor, width / vaeScaleFactor]
        guard let given = request.latents else { return generator.randn(shape) * scheduler.initNoiseSigma }
        guard given.shape == shape else {
            throw DiffusionModelsError.invalidPipelineArgument("latents must have shape \(shape) for \(width)×\(height), got \(given.shape)")
        }
        return given.converted(to: .float32) * scheduler.initNoiseSigma
    }

    /// Image-to-image start: the encoded image (posterior sample × scaling_factor) noised to the first timestep
    /// that `strength` keeps, as `StableDiffusionImg2ImgPipeline.prepare_latents`.
    private func imageLatents(
        _ request: StableDiffusionRequest, scheduler: inout any Scheduler, generator: inout TorchGenerator
    ) throws -> (Tensor, [Float]) {
        guard let image = request.initImage else { throw DiffusionModelsError.invalidPipelineArgument("image-to-image needs an init image") }
        guard request.latents == nil else {
            throw DiffusionModelsError.invalidPipelineArgument("initial latents and an init image cannot be combined")
        }
        let timesteps = try scheduler.img2imgTimesteps(strength: request.strength)
        guard let first = timesteps.first else {
            throw DiffusionModelsError.invalidPipelineArgument(
                "strength \(request.strength) with \(request.steps) steps leaves no step to run; raise either")
        }
        let pixels = try VaeImageProcessor.preprocess([image], vaeScaleFactor: vaeScaleFactor)
        let encoded = try vae.encode(pixels).sample(generator: &generator) * vae.scalingFactor
        let noise = generator.randn(encoded.shape)
        return (try scheduler.addNoise(original: encoded, noise: noise, timestep: first), timesteps)
    }

    private func outputSize(_ request: StableDiffusionRequest) throws -> (height: Int, width: Int) {
        let fallback = sampleSize.map { $0 * vaeScaleFactor }
        guard let height = request.height ?? fallback, let width = request.width ?? fallback else {
            throw DiffusionModelsError.invalidPipelineArgument("the UNet config has no sample_size: give a width and a height")
        }
        let multiple = max(8, vaeScaleFactor)
        guard height > 0, width > 0, height % multiple == 0, width % multiple == 0 else {
            throw DiffusionModelsError.invalidPipelineArgument(
                "width and height must be positive multiples of \(multiple), got \(width)×\(height)")
        }
        return (height, width)
    }

    /// The guidance-scale embedding of guidance-distilled (LCM) UNets, as diffusers' `get_guidance_scale_embedding`:
    /// sin and cos of w·1000 at `dimension / 2` frequencies.
    func guidanceEmbedding(_ w: Float, dimension: Int) -> Tensor {
        let half = dimension / 2
        let step = Float(log(10000.0)) / Float(max(half - 1, 1))
        var values = [Float](repeating: 0, count: dimension)
        for i in 0..<half {
            let angle = w * 1000 * Float(exp(Double(-step * Float(i))))
            values[i] = Float(sin(Double(angle)))
            values[half + i] = Float(cos(Double(angle)))
        }
        return Tensor(shape: [1, dimension], values: values)
    }
}
