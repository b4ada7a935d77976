import GenCore

/// Conv patch embedding → [B, patches, hidden] (flatten(2).transpose(1, 2) in PyTorch).
func patchEmbeddings(_ pixels: Tensor, weight: Tensor, bias: Tensor?, patchSize: Int) -> Tensor {
    let conv = conv2d(pixels, weight: weight, bias: bias, stride: (patchSize, patchSize))
    let (b, c) = (conv.shape[0], conv.shape[1])
    return conv.reshaped([b, c, -1]).transposed(1, 2).contiguous()
}
