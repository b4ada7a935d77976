/// A 2-D convolution layer, `torch.nn.Conv2d`: weight [out, in/groups, kh, kw] kept in float32 (converted once at
/// load, so a half-precision checkpoint is not converted again on every call), optional bias [out].
public struct Conv2d: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let groups: Int

    public init(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), groups: Int = 1) {
        self.weight = weight.converted(to: .float32).contiguous()
        self.bias = bias?.converted(to: .float32)
        self.stride = stride
        self.padding = padding
        self.groups = groups
    }

    public var inputChannels: Int { weight.shape[1] * groups }
    public var outputChannels: Int { weight.shape[0] }

    /// x [N, C, H, W] float32 → [N, out, H', W'].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, groups: groups)
    }
}

extension WeightLoader {
    /// `name.weight` [outputs, inputs, kernel, kernel] and, when `bias`, `name.bias` [outputs].
    public func conv2d(
        _ name: String, inputs: Int, outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true
    ) throws -> Conv2d {
        let scope = scoped(name)
        return Conv2d(
            weight: try scope.tensor("weight", shape: [outputs, inputs, kernel, kernel]),
            bias: bias ? try scope.float32("bias", shape: [outputs]) : nil,
            stride: (stride, stride), padding: (padding, padding))
    }
}
