import Testing
@testable import GenCore

@Suite struct OpsConvolutionTests {
    /// conv2d (padding, stride, dilation, groups, 1×1, patch embedding, depthwise), conv_transpose2d and nearest
    /// upsampling against torch within 2e-6 · max|expected|.
    static func checkConvolutions() throws {
        for c in try OpsFixtures.cases("conv2d") {
            let got = conv2d(try c.tensor("x"), weight: try c.tensor("weight"), bias: c.tensors["bias"],
                             stride: c.pair("stride", default: (1, 1)), padding: c.pair("padding", default: (0, 0)),
                             dilation: c.pair("dilation", default: (1, 1)), groups: c.int("groups") ?? 1)
            expectClose(got, try c.tensor("expected"), tolerance: 2e-6, c.name)
            // A one-float budget forces one output row per unfolded band.
            let banded = conv2d(try c.tensor("x"), weight: try c.tensor("weight"), bias: c.tensors["bias"],
                                stride: c.pair("stride", default: (1, 1)), padding: c.pair("padding", default: (0, 0)),
                                dilation: c.pair("dilation", default: (1, 1)), groups: c.int("groups") ?? 1, im2colBudget: 1)
            expectClose(banded, try c.tensor("expected"), tolerance: 2e-6, "\(c.name) banded")
        }
        for c in try OpsFixtures.cases("convTranspose2d") {
            let got = convTranspose2d(try c.tensor("x"), weight: try c.tensor("weight"), bias: c.tensors["bias"],
                                      stride: c.pair("stride", default: (1, 1)), padding: c.pair("padding", default: (0, 0)),
                                      outputPadding: c.pair("outputPadding", default: (0, 0)),
                                      dilation: c.pair("dilation", default: (1, 1)), groups: c.int("groups") ?? 1)
            expectClose(got, try c.tensor("expected"), tolerance: 2e-6, c.name)
        }
        for c in try OpsFixtures.cases("upsampleNearest2d") {
            let scale = try #require(c.int("scale"))
            expectClose(upsampleNearest2d(transposedLayout(try c.tensor("x")), scale: scale), try c.tensor("expected"),
                        tolerance: 0, c.name)
        }
    }

    @Test func convolutionsMatchTorch() throws { try Self.checkConvolutions() }
}
