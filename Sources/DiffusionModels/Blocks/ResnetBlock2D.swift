import GenCore

/// How a ``ResnetBlock2D`` applies the time embedding (diffusers' `time_embedding_norm`, a UNet's
/// `resnet_time_scale_shift`).
enum TimeEmbeddingNorm: String, Sendable {
    /// Added to the features before the second group norm.
    case `default`
    /// Split into a scale and a shift applied after the second group norm: h·(1 + scale) + shift.
    case scaleShift = "scale_shift"

    init(configValue: String, field: String) throws(DiffusionModelsError) {
        guard let value = TimeEmbeddingNorm(rawValue: configValue) else {
            throw .unsupportedConfigValue(field: field, value: configValue, supported: ["default", "scale_shift"])
        }
        self = value
    }
}

/// The settings a diffusers block passes to each of its ResnetBlock2D (`resnet_groups`, `resnet_eps`,
/// `resnet_act_fn`, `resnet_time_scale_shift`, `output_scale_factor`, `temb_channels`).
struct ResnetOptions: Sendable {
    var groups: Int
    var eps: Float
    var activation: Activation = .silu
    var timeEmbeddingNorm: TimeEmbeddingNorm = .default
    var outputScaleFactor: Float = 1
    /// Width of the time embedding, or nil for blocks without one (the VAE's).
    var tembChannels: Int?
}

/// diffusers' `ResnetBlock2D`: GroupNorm → activation → conv3×3 → (+ projected time embedding) → GroupNorm →
/// activation → conv3×3, added to the input (through a 1×1 `conv_shortcut` when the width changes) and divided
/// by `output_scale_factor`. Dropout is the identity at inference.
struct ResnetBlock2D: Sendable {
    let norm1: GroupNorm
    let conv1: Conv2d
    let timeEmbeddingProjection: Linear?
    let norm2: GroupNorm
    let conv2: Conv2d
    let convShortcut: Conv2d?
    let options: ResnetOptions

    init(weights w: WeightLoader, inChannels: Int, outChannels: Int, options: ResnetOptions) throws {
        self.options = options
        norm1 = try w.groupNorm("norm1", channels: inChannels, groups: options.groups, eps: options.eps)
        conv1 = try w.conv2d("conv1", inputs: inChannels, outputs: outChannels, kernel: 3, padding: 1)
        if let temb = options.tembChannels {
            let width = options.timeEmbeddingNorm == .scaleShift ? 2 * outChannels : outChannels
            timeEmbeddingProjection = try w.linear("time_emb_proj", inputs: temb, outputs: width)
        } else {
            timeEmbeddingProjection = nil
        }
        norm2 = try w.groupNorm("norm2", channels: outChannels, groups: options.groups, eps: options.eps)
        conv2 = try w.conv2d("conv2", inputs: outChannels, outputs: outChannels, kernel: 3, padding: 1)
        convShortcut = inChannels == outChannels ? nil : try w.conv2d(
            "conv_shortcut", inputs: inChannels, outputs: outChannels, kernel: 1, bias: w.contains("conv_shortcut.bias"))
    }

    var outChannels: Int { conv2.outputChannels }

    /// x [B, C, H, W]; `temb` [B, temb_channels] or nil.
    func callAsFunction(_ x: Tensor, temb: Tensor?) -> Tensor {
        let act = options.activation
        var h = conv1(act(norm1(x)))
        var timeScaleShift: (scale: Tensor, shift: Tensor)?
        if let projection = timeEmbeddingProjection, let temb {
            let t = projection(act(temb))
            let c = h.shape[1]
            if options.timeEmbeddingNorm == .scaleShift {
                timeScaleShift = (t.sliced(axis: 1, 0..<c).reshaped([t.shape[0], c, 1, 1]),
                                  t.sliced(axis: 1, c..<(2 * c)).reshaped([t.shape[0], c, 1, 1]))
            } else {
                h = h + t.reshaped([t.shape[0], c, 1, 1])
            }
        }
        h = norm2(h)
        if let (scale, shift) = timeScaleShift { h = h * (1 + scale) + shift }
        h = conv2(act(h))
        let shortcut = convShortcut.map { $0(x) } ?? x
        let sum = shortcut + h
        // Division by 1 is exact, so the common case skips a pass over the tensor.
        return options.outputScaleFactor == 1 ? sum : sum / options.outputScaleFactor
    }
}
