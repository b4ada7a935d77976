import CGenKernels

/// An n-dimensional array: a view (shape, strides, offset, element type) onto shared ``TensorStorage``.
///
/// `Tensor` is a value type with copy-on-write storage: copies share bytes until one of them is mutated.
/// View operations (``reshaped(_:)``, ``permuted(_:)``, ``sliced(axis:_:)``, ``expanded(to:)``) never copy
/// when the layout allows; ``contiguous()`` materialises a row-major copy when a kernel needs one.
///
/// Shapes handed to tensor operations are a programming contract, like array indices: code that builds
/// tensors from outside data (weight files, configs, images, token ids) validates it at that boundary.
public struct Tensor: Sendable {
    public private(set) var storage: TensorStorage
    public private(set) var shape: [Int]
    /// Element strides (not bytes). A stride of 0 broadcasts an axis.
    public private(set) var strides: [Int]
    /// Offset of the first element, in elements.
    public private(set) var offset: Int
    public let dtype: DType

    /// Wraps existing storage. `strides` defaults to row-major.
    public init(storage: TensorStorage, shape: [Int], strides: [Int]? = nil, offset: Int = 0, dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? Tensor.rowMajorStrides(shape)
        self.offset = offset
        self.dtype = dtype
    }

    /// A zero-filled tensor.
    public init(zeros shape: [Int], dtype: DType = .float32) {
        let count = shape.reduce(1, *)
        self.init(storage: TensorStorage(byteCount: count * dtype.byteSize), shape: shape, dtype: dtype)
    }

    /// An uninitialised tensor for kernels that overwrite every element.
    public init(uninitialized shape: [Int], dtype: DType = .float32) {
        let count = shape.reduce(1, *)
        self.init(storage: TensorStorage(byteCount: count * dtype.byteSize, zeroed: false), shape: shape, dtype: dtype)
    }

    /// A tensor holding `values` in row-major order; `values.count` must equal the product of `shape`.
    public init<T: TensorScalar>(shape: [Int], values: [T]) {
        precondition(shape.reduce(1, *) == values.count, "Tensor(shape:values:): \(values.count) values for shape \(shape)")
        self.init(uninitialized: shape, dtype: T.dtype)
        values.withUnsafeBytes { src in
            if let base = src.baseAddress { storage.baseAddress.copyMemory(from: base, byteCount: src.count) }
        }
    }

    /// A float32 tensor filled with one value.
    public init(repeating value: Float, shape: [Int]) {
        self.init(uninitialized: shape, dtype: .float32)
        let p = storage.baseAddress.assumingMemoryBound(to: Float.self)
        p.update(repeating: value, count: count)
    }

    // MARK: Geometry

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    /// Row-major strides for a shape.
    public static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = acc
            acc *= shape[axis]
        }
        return strides
    }

    /// True when elements are laid out row-major without gaps (size-1 axes may have any stride).
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Normalises a possibly negative axis.
    @inlinable public func axis(_ a: Int) -> Int {
        let r = a < 0 ? a + rank : a
        precondition(r >= 0 && r < rank, "axis \(a) out of range for rank \(rank)")
        return r
    }

    // MARK: Raw access

    /// Pointer to the first element (respecting `offset`). Read-only use.
    public var rawPointer: UnsafeRawPointer {
        UnsafeRawPointer(storage.baseAddress + offset * dtype.byteSize)
    }

    /// Calls `body` with the elements of a contiguous tensor (a contiguous copy is made first if needed).
    public func withUnsafeBufferPointer<T: TensorScalar, R>(
        as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype == dtype, "tensor is \(dtype), accessed as \(T.dtype)")
        let t = isContiguous ? self : contiguous()
        let p = t.rawPointer.assumingMemoryBound(to: T.self)
        return try withExtendedLifetime(t.storage) { try body(UnsafeBufferPointer(start: p, count: t.count)) }
    }

    /// Calls `body` with writable elements; makes the storage unique, owned and contiguous first.
    public mutating func withUnsafeMutableBufferPointer<T: TensorScalar, R>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype == dtype, "tensor is \(dtype), accessed as \(T.dtype)")
        makeUniqueContiguous()
        let p = (storage.baseAddress + offset * dtype.byteSize).assumingMemoryBound(to: T.self)
        return try body(UnsafeMutableBufferPointer(start: p, count: count))
    }

    /// Ensures this tensor solely owns writable, contiguous storage (copy-on-write).
    public mutating func makeUniqueContiguous() {
        if !isKnownUniquelyReferenced(&storage) || storage.isReadOnly || !isContiguous
            || strides.contains(0) && count > 1 {
            self = copied()
        }
    }

    /// The elements as a Swift array (row-major), in the tensor's own scalar type.
    public func scalars<T: TensorScalar>(as type: T.Type) -> [T] {
        withUnsafeBufferPointer(as: T.self) { Array($0) }
    }

    /// The elements converted to `Float`, whatever the floating-point or integer dtype.
    public var floats: [Float] {
        switch dtype {
        case .float32: return scalars(as: Float.self)
        case .int32: return scalars(as: Int32.self).map(Float.init)
        case .int64: return scalars(as: Int64.self).map(Float.init)
        case .float16, .bfloat16: return converted(to: .float32).scalars(as: Float.self)
        }
    }

    // MARK: Copies

    /// A row-major copy in fresh owned storage.
    public func copied() -> Tensor {
        var out = Tensor(uninitialized: shape, dtype: dtype)
        out.copyElements(from: self)
        return out
    }

    /// `self` if already contiguous, else a contiguous copy.
    public func contiguous() -> Tensor {
        isContiguous ? self : copied()
    }

    /// Copies `source`'s elements (any strides, same shape and dtype) into this tensor's own contiguous storage.
    private mutating func copyElements(from source: Tensor) {
        precondition(source.shape == shape && source.dtype == dtype)
        let size = dtype.byteSize
        let dst = storage.baseAddress + offset * size
        let n = count
        if n == 0 { return }
        if source.isContiguous {
            dst.copyMemory(from: source.rawPointer, byteCount: n * size)
            return
        }
        // Walk all but the last axis with an index odometer; copy the last axis in one strided run.
        let r = rank
        let inner = shape[r - 1], innerStride = source.strides[r - 1]
        let src = source.rawPointer
        var index = [Int](repeating: 0, count: max(r - 1, 0))
        var written = 0
        while written < n {
            var srcOffset = 0
            for a in 0..<(r - 1) { srcOffset += index[a] * source.strides[a] }
            let from = src + srcOffset * size, to = dst + written * size
            if innerStride == 1 {
                to.copyMemory(from: from, byteCount: inner * size)
            } else {
                switch size {
                case 4:
                    let s = from.assumingMemoryBound(to: UInt32.self), d = to.assumingMemoryBound(to: UInt32.self)
                    for i in 0..<inner { d[i] = s[i * innerStride] }
                case 2:
                    let s = from.assumingMemoryBound(to: UInt16.self), d = to.assumingMemoryBound(to: UInt16.self)
                    for i in 0..<inner { d[i] = s[i * innerStride] }
                default:
                    let s = from.assumingMemoryBound(to: UInt64.self), d = to.assumingMemoryBound(to: UInt64.self)
                    for i in 0..<inner { d[i] = s[i * innerStride] }
                }
            }
            written += inner
            var a = r - 2
            while a >= 0 {
                index[a] += 1
                if index[a] < shape[a] { break }
                index[a] = 0
                a -= 1
            }
        }
    }

    /// Converts to another element type (float types round to nearest even; float → int truncates toward zero).
    public func converted(to target: DType) -> Tensor {
        if target == dtype { return self }
        let src = contiguous()
        var out = Tensor(uninitialized: shape, dtype: target)
        let n = count
        let s = src.rawPointer, d = out.storage.baseAddress
        switch (dtype, target) {
        case (.float16, .float32): gk_f16_to_f32(s.assumingMemoryBound(to: UInt16.self), d.assumingMemoryBound(to: Float.self), n)
        case (.bfloat16, .float32): gk_bf16_to_f32(s.assumingMemoryBound(to: UInt16.self), d.assumingMemoryBound(to: Float.self), n)
        case (.float32, .float16): gk_f32_to_f16(s.assumingMemoryBound(to: Float.self), d.assumingMemoryBound(to: UInt16.self), n)
        case (.float32, .bfloat16): gk_f32_to_bf16(s.assumingMemoryBound(to: Float.self), d.assumingMemoryBound(to: UInt16.self), n)
        case (.float16, _), (.bfloat16, _):
            return converted(to: .float32).converted(to: target)
        case (_, .float16), (_, .bfloat16):
            return converted(to: .float32).converted(to: target)
        default:
            // Remaining pairs are among float32 / int32 / int64.
            let values = src.floatsOrInts()
            switch target {
            case .float32: let p = d.assumingMemoryBound(to: Float.self); for i in 0..<n { p[i] = Float(values[i]) }
            case .int32: let p = d.assumingMemoryBound(to: Int32.self); for i in 0..<n { p[i] = Int32(clamping: Int64(values[i].rounded(.towardZero))) }
            case .int64: let p = d.assumingMemoryBound(to: Int64.self); for i in 0..<n { p[i] = Int64(values[i].rounded(.towardZero)) }
            default: break
            }
        }
        out.offset = 0
        return out
    }

    private func floatsOrInts() -> [Double] {
        switch dtype {
        case .float32: scalars(as: Float.self).map(Double.init)
        case .int32: scalars(as: Int32.self).map(Double.init)
        case .int64: scalars(as: Int64.self).map(Double.init)
        default: converted(to: .float32).scalars(as: Float.self).map(Double.init)
        }
    }

    // MARK: Views

    /// Same elements, new shape. One dimension may be -1 (inferred). Copies only if the layout is not contiguous.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[unknown] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        let base = contiguous()
        return Tensor(storage: base.storage, shape: resolved, offset: base.offset, dtype: dtype)
    }

    /// Reorders axes: result axis i is source axis `axes[i]`. No copy.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes.map { axis($0) }).count == rank, "bad permutation \(axes) for rank \(rank)")
        let a = axes.map { axis($0) }
        return Tensor(storage: storage, shape: a.map { shape[$0] }, strides: a.map { strides[$0] }, offset: offset, dtype: dtype)
    }

    /// Swaps two axes (default: the last two). No copy.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(axis(a), axis(b))
        return permuted(order)
    }

    /// Elements `range` along `axis`. No copy.
    public func sliced(axis a: Int, _ range: Range<Int>) -> Tensor {
        let ax = axis(a)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax], "slice \(range) out of bounds for axis \(ax) of size \(shape[ax])")
        var newShape = shape
        newShape[ax] = range.count
        return Tensor(storage: storage, shape: newShape, strides: strides, offset: offset + range.lowerBound * strides[ax], dtype: dtype)
    }

    /// Index `i` along `axis`, removing that axis. No copy.
    public func selecting(axis a: Int, _ i: Int) -> Tensor {
        let ax = axis(a)
        let s = sliced(axis: ax, i..<(i + 1))
        var newShape = s.shape, newStrides = s.strides
        newShape.remove(at: ax)
        newStrides.remove(at: ax)
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: s.offset, dtype: dtype)
    }

    /// Broadcasts size-1 axes (and missing leading axes) to `newShape` with zero strides. No copy.
    public func expanded(to newShape: [Int]) -> Tensor {
        precondition(newShape.count >= rank, "cannot expand \(shape) to \(newShape)")
        let lead = newShape.count - rank
        var newStrides = [Int](repeating: 0, count: newShape.count)
        for i in 0..<rank {
            let target = newShape[lead + i]
            if shape[i] == target { newStrides[lead + i] = strides[i] }
            else { precondition(shape[i] == 1, "cannot expand \(shape) to \(newShape)") }
        }
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset, dtype: dtype)
    }

    /// Inserts a size-1 axis at `position`.
    public func unsqueezed(_ position: Int) -> Tensor {
        let p = position < 0 ? position + rank + 1 : position
        var s = shape, st = strides
        s.insert(1, at: p)
        st.insert(p < rank ? strides[p] * shape[p] : 1, at: p)
        return Tensor(storage: storage, shape: s, strides: st, offset: offset, dtype: dtype)
    }

    /// Removes a size-1 axis.
    public func squeezed(_ a: Int) -> Tensor {
        let ax = axis(a)
        precondition(shape[ax] == 1, "cannot squeeze axis \(ax) of size \(shape[ax])")
        return selecting(axis: ax, 0)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor(\(dtype), shape: \(shape))" }
}
