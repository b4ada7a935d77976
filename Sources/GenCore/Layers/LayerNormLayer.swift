/// Layer normalisation over the last axis with an optional affine transform.
public struct LayerNorm: Sendable {
    public let weight: Tensor?
    public let bias: Tensor?
    public let eps: Float

    public init(weight: Tensor?, bias: Tensor?, eps: Float) {
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        layerNorm(x, weight: weight, bias: bias, eps: eps)
    }
}
