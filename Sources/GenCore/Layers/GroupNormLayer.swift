/// Group normalisation, `torch.nn.GroupNorm` with an affine transform: channels split into `groups` groups, each
/// normalised over its channels and all positions of x [N, C, *].
public struct GroupNorm: Sendable {
    public let weight: Tensor
    public let bias: Tensor
    public let groups: Int
    public let eps: Float

    public init(weight: Tensor, bias: Tensor, groups: Int, eps: Float) {
        self.weight = weight
        self.bias = bias
        self.groups = groups
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps)
    }
}

extension WeightLoader {
    /// `name.weight` and `name.bias`, both [channels]. `channels` must split into `groups` groups.
    public func groupNorm(_ name: String, channels: Int, groups: Int, eps: Float) throws -> GroupNorm {
        guard groups > 0, channels % groups == 0 else {
            throw GenCoreError.invalidArgument(
                "\(qualified(name)): \(channels) channels do not split into \(groups) normalisation groups")
        }
        let scope = scoped(name)
        return GroupNorm(
            weight: try scope.float32("weight", shape: [channels]), bias: try scope.float32("bias", shape: [channels]),
            groups: groups, eps: eps)
    }
}
