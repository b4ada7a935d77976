/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Readable element types: little-endian `f4`, `f2`, `i4`, `i8` (loaded as is, without copying when
/// aligned), and `i1`, `u1`, `i2`, `u2` (widened to `int32`). Fortran-ordered arrays are transposed into
/// row-major order. Big-endian data, booleans, `float64` and structured dtypes are rejected with an error
/// that says how to re-save the array.
public enum NumpyArray {
    /// Loads the array in `path`. Throws ``GenCoreError/io(path:reason:)`` when it cannot be read,
    /// ``GenCoreError/invalidWeightFile(path:reason:)`` when it is malformed and
    /// ``GenCoreError/unsupportedDType(path:tensor:dtype:)`` for an element type listed above as rejected.
    public static func read(contentsOf path: String) throws(GenCoreError) -> Tensor {
        let mapping = try MemoryMappedFile(path: path)
        let bytes = mapping.bytes
        let (header, dataStart) = try NumpyHeader.decode(bytes, path: path)
        let element = try elementType(header.descr, path: path)

        var count = 1
        for dim in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw GenCoreError.invalidWeightFile(path: path, reason: "shape \(header.shape) has too many elements") }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: element.fileByteSize)
        let available = bytes.count - dataStart
        guard !overflow, byteCount == available else {
            throw GenCoreError.invalidWeightFile(path: path, reason:
                "shape \(header.shape) of \(header.descr) needs \(overflow ? "too many" : String(byteCount)) data bytes but the file has \(available)")
        }
        // Only an empty file lacks a base address, and decode() rejected it.
        guard let base = bytes.baseAddress else { throw GenCoreError.invalidWeightFile(path: path, reason: "empty file") }
        let source = base + dataStart
        let fileShape = header.fortranOrder ? Array(header.shape.reversed()) : header.shape

        var tensor: Tensor
        if let dtype = element.dtype {
            if Int(bitPattern: source) % dtype.byteSize == 0 {
                tensor = Tensor(storage: TensorStorage(borrowing: source, byteCount: byteCount, owner: mapping), shape: fileShape, dtype: dtype)
            } else {
                let storage = TensorStorage(byteCount: byteCount, zeroed: false)
                if byteCount > 0 { storage.baseAddress.copyMemory(from: source, byteCount: byteCount) }
                tensor = Tensor(storage: storage, shape: fileShape, dtype: dtype)
            }
        } else {
            tensor = Tensor(shape: fileShape, values: widenedToInt32(source, count: count, descr: element.code))
        }
        if header.fortranOrder && tensor.rank > 1 {
            // A Fortran-ordered array is the row-major array of the reversed shape, transposed.
            tensor = tensor.permuted(Array((0..<tensor.rank).reversed())).contiguous()
        }
        return tensor
    }

    /// Writes `tensor` (any layout; written row-major) to `path` exactly as `numpy.save` would.
    /// Throws ``GenCoreError/invalidArgument(_:)`` for `bfloat16`, which `.npy` cannot represent.
    public static func write(_ tensor: Tensor, to path: String) throws(GenCoreError) {
        let header = try header(for: tensor)
        var file = try BinaryFileWriter(path: path)
        try file.append(header.encoded())
        try tensor.withRowMajorBytes { (raw) throws(GenCoreError) in try file.append(raw) }
        try file.finish()
    }

    /// The complete `.npy` file contents for `tensor`.
    public static func serialized(_ tensor: Tensor) throws(GenCoreError) -> [UInt8] {
        var out = try header(for: tensor).encoded()
        tensor.withRowMajorBytes { out.append(contentsOf: $0) }
        return out
    }

    private static func header(for tensor: Tensor) throws(GenCoreError) -> NumpyHeader {
        let descr: String
        switch tensor.dtype {
        case .float32: descr = "<f4"
        case .float16: descr = "<f2"
        case .int32: descr = "<i4"
        case .int64: descr = "<i8"
        case .bfloat16:
            throw GenCoreError.invalidArgument(".npy has no bfloat16 type; convert the tensor to float32 before saving it")
        }
        return NumpyHeader(descr: descr, fortranOrder: false, shape: tensor.shape)
    }

    /// An element type as stored in the file: its code (kind letter and size, byte order removed), its size,
    /// and the ``DType`` it loads as directly (nil when it is widened to int32).
    private struct ElementType {
        let code: String
        let fileByteSize: Int
        let dtype: DType?
    }

    private static func elementType(_ descr: String, path: String) throws(GenCoreError) -> ElementType {
        guard let order = descr.first, "<>|=".contains(order) else {
            throw GenCoreError.unsupportedDType(path: path, tensor: "array", dtype: descr)
        }
        let code = String(descr.dropFirst())
        let direct: [String: DType] = ["f4": .float32, "f2": .float16, "i4": .int32, "i8": .int64]
        let widened: [String: Int] = ["i1": 1, "u1": 1, "i2": 2, "u2": 2]
        let size: Int
        if let dtype = direct[code] { size = dtype.byteSize } else if let s = widened[code] { size = s } else {
            throw GenCoreError.unsupportedDType(path: path, tensor: "array", dtype: descr)
        }
        // GenKit runs on little-endian machines, where '=' (native) is little-endian too.
        if order == ">" && size > 1 {
            throw GenCoreError.invalidWeightFile(path: path, reason:
                "big-endian data ('\(descr)') is not supported; re-save it with array.astype('<\(code)')")
        }
        return ElementType(code: code, fileByteSize: size, dtype: direct[code])
    }

    private static func widenedToInt32(_ source: UnsafeRawPointer, count: Int, descr code: String) -> [Int32] {
        (0..<count).map { i in
            switch code {
            case "i1": Int32(source.load(fromByteOffset: i, as: Int8.self))
            case "u1": Int32(source.load(fromByteOffset: i, as: UInt8.self))
            case "i2": Int32(source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
            default: Int32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            }
        }
    }
}
