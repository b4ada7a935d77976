import Testing
@testable import GenCore

@Suite struct OpsElementwiseTests {
    /// Broadcast +, -, *, / against torch: one IEEE operation per element, so results must be identical.
    static func checkBinary() throws {
        for c in try OpsFixtures.cases("binary") {
            let a = try c.tensor("a"), b = try c.tensor("b"), expected = try c.tensor("expected")
            let op: (Tensor, Tensor) -> Tensor = switch c.string("function") {
            case "add": (+)
            case "sub": (-)
            case "mul": (*)
            default: (/)
            }
            expectClose(op(a, b), expected, tolerance: 0, c.name)
            if a.rank >= 2 { expectClose(op(transposedLayout(a), b), expected, tolerance: 0, "\(c.name) strided") }
        }
    }

    /// Unary functions and activations against torch. exp, sqrt, rsqrt, neg, relu are checked per element
    /// (relative 4e-7); the transcendental activations within 1e-6 relative plus 5e-7 · max|expected|
    /// (torch's own GELU/erf approximation differs from the exact value by up to ~2e-7).
    static func checkUnary() throws {
        for c in try OpsFixtures.cases("unary") {
            let x = try c.tensor("x"), expected = try c.tensor("expected")
            let function = c.string("function") ?? ""
            let (f, rtol, atol): ((Tensor) -> Tensor, Float, Float) = switch function {
            case "exp": (exp, 4e-7, 0)
            case "tanh": (tanh, 1e-6, 1e-7)
            case "sqrt": (sqrt, 2e-7, 0)
            case "rsqrt": (rsqrt, 2e-7, 0)
            case "neg": (neg, 0, 0)
            case "sigmoid": (sigmoid, 1e-6, 1e-7)
            case "gelu": ({ gelu($0) }, 1e-6, 5e-7)
            case "gelu_tanh": ({ gelu($0, approximate: .tanh) }, 1e-6, 5e-7)
            case "quick_gelu": (quickGELU, 1e-6, 1e-7)
            case "silu": (silu, 1e-6, 1e-7)
            default: (relu, 0, 0)
            }
            expectClose(f(x), expected, tolerance: atol, rtol: rtol, absoluteFloor: 2 * .leastNonzeroMagnitude, c.name)
        }
    }

    @Test func binaryMatchesTorch() throws { try Self.checkBinary() }
    @Test func unaryMatchesTorch() throws { try Self.checkUnary() }

    @Test func scalarOperandsAndScaling() {
        let x = Tensor(shape: [2, 3], values: [Float]([1, 2, 3, 4, 5, 6]))
        #expect((x + 1).scalars(as: Float.self) == [2, 3, 4, 5, 6, 7])
        #expect((10 - x).scalars(as: Float.self) == [9, 8, 7, 6, 5, 4])
        #expect((x - 1).scalars(as: Float.self) == [0, 1, 2, 3, 4, 5])
        #expect((2 * x).scalars(as: Float.self) == [2, 4, 6, 8, 10, 12])
        #expect((x / 4).scalars(as: Float.self) == [0.25, 0.5, 0.75, 1, 1.25, 1.5])
        #expect((3 / x).scalars(as: Float.self) == [3, 1.5, 1, 0.75, 0.6, 0.5])
        #expect(x.scaled(by: -1).scalars(as: Float.self) == (-x).scalars(as: Float.self))
        // A broadcast column against a transposed view.
        let col = Tensor(shape: [3, 1], values: [Float]([100, 200, 300]))
        #expect((x.transposed() + col).scalars(as: Float.self) == [101, 104, 202, 205, 303, 306])
    }

    /// The fused SwiGLU gate is bit for bit `silu(x) * y` (silu itself is checked against torch above), for a vector
    /// body with a tail, a broadcast operand and strided views.
    static func checkSiluTimes() {
        let x = Tensor(shape: [3, 37], values: (0..<111).map { Float(($0 * 7919) % 211) / 17 - 6 })
        let y = Tensor(shape: [3, 37], values: (0..<111).map { Float(($0 * 104_729) % 97) / 11 - 4 })
        let row = Tensor(shape: [37], values: (0..<37).map { Float($0) / 9 - 2 })
        #expect(silu(x, times: y).scalars(as: Float.self) == (silu(x) * y).scalars(as: Float.self))
        #expect(silu(x, times: row).scalars(as: Float.self) == (silu(x) * row).scalars(as: Float.self))
        let t = x.transposed(), u = y.transposed()
        #expect(silu(t, times: u).scalars(as: Float.self) == (silu(t) * u).scalars(as: Float.self))
    }

    @Test func siluTimesEqualsSiluThenProduct() { Self.checkSiluTimes() }

    /// Same-shape contiguous operands (a residual add) and a scalar operand merge into one run, which the thread pool
    /// splits into chunks: bit for bit what slices of 1000 elements, each one chunk, give.
    @Test func oneRunSplitAcrossThreadsEqualsItsSlices() {
        let n = 70_001
        let x = Tensor(shape: [n], values: (0..<n).map { Float(($0 * 7919) % 211) / 17 - 6 })
        let y = Tensor(shape: [n], values: (0..<n).map { Float(($0 * 104_729) % 97) / 11 - 4 })
        let ops: [(String, (Tensor, Tensor) -> Tensor)] = [
            ("+", { $0 + $1 }), ("*", { $0 * $1 }), ("silu times", { silu($0, times: $1) }), ("+ scalar", { a, _ in a + 2.5 }),
        ]
        for (name, op) in ops {
            let slices = stride(from: 0, to: n, by: 1000).map { start in
                op(x.sliced(axis: 0, start..<min(start + 1000, n)), y.sliced(axis: 0, start..<min(start + 1000, n)))
            }
            #expect(op(x, y).scalars(as: Float.self) == concatenate(slices, axis: 0).scalars(as: Float.self), "\(name)")
        }
    }
}
