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

    /// The Winograd paths (3×3, stride 1, padding 1, ≥ 16 channels, enough output tiles) against a direct sum in
    /// double precision: odd heights and widths (partial tiles at the edges), several images, a bias, and channel
    /// counts that fill no SIMD width exactly. F(4×4, 3×3) for the first shape, F(2×2, 3×3) for the second (fewer
    /// tiles). Tolerance 1e-5 · max, as for the implicit GEMM.
    @Test(arguments: [(3, 19, 23, 21, 17, 4), (1, 16, 23, 25, 18, 2)])
    func winogradConvolutionMatchesDirectSum(shape: (Int, Int, Int, Int, Int, Int)) {
        let (n, c, h, w, o, tile) = shape
        #expect(winogradOutputTile(images: n, inputChannels: c, outputChannels: o, height: h, width: w) == tile)
        let x = Tensor(shape: [n, c, h, w], values: (0..<(n * c * h * w)).map { Float(($0 * 7919) % 211) / 105 - 1 })
        let weight = Tensor(shape: [o, c, 3, 3], values: (0..<(o * c * 9)).map { Float(($0 * 104_729) % 97) / 48 - 1 })
        let bias = Tensor(shape: [o], values: (0..<o).map { Float($0) / 4 - 2 })
        let y = conv2d(x, weight: weight, bias: bias, padding: (1, 1))
        #expect(y.shape == [n, o, h, w])
        let xs = x.floats, ws = weight.floats, ys = y.floats
        var worst = 0.0, largest = 0.0
        for image in 0..<n {
            for oc in 0..<o {
                for oy in 0..<h {
                    for ox in 0..<w {
                        var sum = Double(bias.floats[oc])
                        for ic in 0..<c {
                            for ki in 0..<3 where oy + ki - 1 >= 0 && oy + ki - 1 < h {
                                for kj in 0..<3 where ox + kj - 1 >= 0 && ox + kj - 1 < w {
                                    sum += Double(xs[((image * c + ic) * h + oy + ki - 1) * w + ox + kj - 1])
                                        * Double(ws[((oc * c + ic) * 3 + ki) * 3 + kj])
                                }
                            }
                        }
                        worst = max(worst, abs(sum - Double(ys[((image * o + oc) * h + oy) * w + ox])))
                        largest = max(largest, abs(sum))
                    }
                }
            }
        }
        #expect(worst <= 1e-5 * largest, "F(\(tile)): \(worst) vs \(largest)")
    }

    /// The patch-rows path (a convolution as a linear layer over im2row patches) against the implicit GEMM, on a
    /// shape too small to be routed to it on its own: several images, stride, padding, dilation, a non-square kernel
    /// and a bias; then a 1×1 kernel. The UNet's 8×8 level takes it; its 16×16 level and grouped convolutions do not.
    @Test func patchRowsConvolutionMatchesImplicitGEMM() {
        let (n, c, h, w, o) = (3, 7, 9, 8, 5)
        let x = Tensor(shape: [n, c, h, w], values: (0..<(n * c * h * w)).map { Float(($0 * 7919) % 211) / 105 - 1 })
        let weight = Tensor(shape: [o, c, 3, 2], values: (0..<(o * c * 6)).map { Float(($0 * 104_729) % 97) / 48 - 1 })
        let bias = Tensor(shape: [o], values: (0..<o).map { Float($0) / 4 - 1 })
        let expected = conv2d(x, weight: weight, bias: bias, stride: (2, 1), padding: (2, 1), dilation: (1, 2))
        let (oh, ow) = (expected.shape[2], expected.shape[3])
        #expect(!usesPatchRows(groups: 1, positions: n * oh * ow, weights: o * c * 6))
        let got = patchRowsConv2d(x, weight: weight, bias: bias, kernel: (3, 2), stride: (2, 1), padding: (2, 1),
                                  dilation: (1, 2), output: (oh, ow))
        expectClose(got, expected, tolerance: 1e-6, "patch rows")
        // A 1×1 convolution too (im2row is then a transpose).
        let pointwise = Tensor(shape: [o, c, 1, 1], values: (0..<(o * c)).map { Float(($0 * 31) % 17) / 8 - 1 })
        expectClose(patchRowsConv2d(x, weight: pointwise, bias: nil, kernel: (1, 1), stride: (1, 1), padding: (0, 0),
                                    dilation: (1, 1), output: (h, w)),
                    conv2d(x, weight: pointwise), tolerance: 1e-6, "patch rows 1×1")
        #expect(usesPatchRows(groups: 1, positions: 2 * 64, weights: 1280 * 1280 * 9))
        #expect(usesPatchRows(groups: 1, positions: 2 * 64, weights: 2560 * 1280))
        #expect(!usesPatchRows(groups: 1, positions: 2 * 256, weights: 1280 * 1280 * 9))
        #expect(!usesPatchRows(groups: 2, positions: 2 * 64, weights: 1280 * 640 * 9))
    }

    /// Winograd convolutions of different sizes from concurrent tasks: each calling thread keeps its own
    /// transform-domain buffers between calls, so results must equal the sequential ones bit for bit however the
    /// tasks land on threads and whichever earlier call left a buffer behind.
    @Test func winogradConvolutionsFromConcurrentTasksMatchSequentialOnes() async {
        let shapes = [(3, 19, 23, 21, 17), (1, 16, 23, 25, 18), (2, 24, 16, 16, 20)]
        func run(_ index: Int) -> [Float] {
            let (n, c, h, w, o) = shapes[index % shapes.count]
            let x = Tensor(shape: [n, c, h, w],
                           values: (0..<(n * c * h * w)).map { Float(($0 * 7919 + index) % 211) / 105 - 1 })
            let weight = Tensor(shape: [o, c, 3, 3],
                                values: (0..<(o * c * 9)).map { Float(($0 * 104_729) % 97) / 48 - 1 })
            return conv2d(x, weight: weight, padding: (1, 1)).floats
        }
        let expected = (0..<12).map(run)
        let results = await withTaskGroup(of: (Int, [Float]).self) { group in
            for index in 0..<12 { group.addTask { (index, run(index)) } }
            var results = [[Float]](repeating: [], count: 12)
            for await (index, values) in group { results[index] = values }
            return results
        }
        for index in 0..<12 { #expect(results[index] == expected[index], "task \(index)") }
    }

    /// Which Winograd tile the UNet and VAE shapes get (the choice measured in Performance.md): F(4×4) where tiles
    /// are many and the transformed filters fit 256 MB, F(2×2) on the deeper UNet levels, the implicit GEMM on the
    /// smallest planes and below 16 channels.
    @Test func winogradTileChoice() {
        func tile(_ n: Int, _ c: Int, _ o: Int, _ size: Int) -> Int? {
            winogradOutputTile(images: n, inputChannels: c, outputChannels: o, height: size, width: size)
        }
        #expect(tile(2, 320, 320, 64) == 4)
        #expect(tile(1, 128, 128, 512) == 4)
        #expect(tile(2, 640, 640, 32) == 4)
        #expect(tile(2, 1920, 640, 32) == 4)
        #expect(tile(2, 1280, 1280, 32) == 4)
        #expect(tile(2, 2560, 1280, 32) == 2)   // 472 MB of F(4×4) filters
        #expect(tile(2, 1280, 1280, 16) == 2)
        #expect(tile(2, 1280, 1280, 8) == nil)
        #expect(tile(2, 8, 320, 64) == nil)   // too few channels for the transforms to pay
    }

    /// An output wider than one GEMM column block (4900 pixels > 4080) with a kernel depth that splits into K blocks
    /// (300 > 256), padding, stride and dilation, against a direct sum in double precision. Tolerance 1e-5 · max.
    @Test func largeConvolutionMatchesDirectSum() {
        let (c, h, w, o) = (12, 72, 70, 5)
        let x = Tensor(shape: [1, c, h, w], values: (0..<(c * h * w)).map { Float(($0 * 7919) % 211) / 105 - 1 })
        let weight = Tensor(shape: [o, c, 5, 5], values: (0..<(o * c * 25)).map { Float(($0 * 104_729) % 97) / 48 - 1 })
        for (stride, padding, dilation) in [((1, 1), (2, 2), (1, 1)), ((2, 1), (1, 3), (2, 1))] {
            let y = conv2d(x, weight: weight, stride: stride, padding: padding, dilation: dilation)
            let (oh, ow) = (y.shape[2], y.shape[3])
            let xs = x.floats, ws = weight.floats, ys = y.floats
            var worst = 0.0, largest = 0.0
            for oc in 0..<o {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = 0.0
                        for ic in 0..<c {
                            for ki in 0..<5 {
                                let iy = oy * stride.0 - padding.0 + ki * dilation.0
                                guard iy >= 0 && iy < h else { continue }
                                for kj in 0..<5 {
                                    let ix = ox * stride.1 - padding.1 + kj * dilation.1
                                    guard ix >= 0 && ix < w else { continue }
                                    sum += Double(xs[(ic * h + iy) * w + ix]) * Double(ws[((oc * c + ic) * 5 + ki) * 5 + kj])
                                }
                            }
                        }
                        worst = max(worst, abs(sum - Double(ys[(oc * oh + oy) * ow + ox])))
                        largest = max(largest, abs(sum))
                    }
                }
            }
            #expect(worst <= 1e-5 * largest, "stride \(stride) padding \(padding) dilation \(dilation): \(worst) vs \(largest)")
        }
    }
}
