/// A fully connected layer, y = x·Wᵀ + b, with W stored [out, in] as PyTorch stores it.
/// Half-precision weights stay half precision: the kernel converts them on the fly.
public struct Linear: Sendable {
    public let weight: Tensor
    public let bias: Tensor?

    public init(weight: Tensor, bias: Tensor? = nil) {
        self.weight = weight
        self.bias = bias
    }

    public var inputFeatures: Int { weight.shape[1] }
    public var outputFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        linear(x, weight: weight, bias: bias)
    }
}
