/// Element types the safetensors format defines. All of them can be listed; only those with a ``tensorDType``
/// can be loaded as a ``Tensor``.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2", u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0", f8e4m3fnuz = "F8_E4M3FNUZ", f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16", i32 = "I32", u32 = "U32", f32 = "F32"
    case c64 = "C64", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bits per element (the 4- and 6-bit float formats pack several elements into a byte).
    public var bitWidth: Int {
        switch self {
        case .f4: 4
        case .f6e2m3, .f6e3m2: 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: 8
        case .i16, .u16, .f16, .bf16: 16
        case .i32, .u32, .f32: 32
        case .c64, .f64, .i64, .u64: 64
        }
    }

    /// The ``DType`` this loads as, or nil when GenKit cannot hold it.
    public var tensorDType: DType? {
        switch self {
        case .f32: .float32
        case .f16: .float16
        case .bf16: .bfloat16
        case .i32: .int32
        case .i64: .int64
        default: nil
        }
    }

    /// The safetensors name for a ``DType``.
    public init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .f32
        case .float16: self = .f16
        case .bfloat16: self = .bf16
        case .int32: self = .i32
        case .int64: self = .i64
        }
    }

    /// Rank used by the reference writer to order tensors (larger first), so that each tensor's data starts
    /// aligned to its element size. It is the declaration order of the reference implementation's enum.
    var writeOrder: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// Where one tensor lives in a safetensors file, as declared by the header.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The tensor's key in the header.
    public let name: String
    /// The declared element type (possibly one GenKit cannot load; see ``SafetensorsDType/tensorDType``).
    public let dtype: SafetensorsDType
    /// The declared shape; `[]` for a scalar.
    public let shape: [Int]
    /// Byte range within the data section (the bytes after the header).
    public let dataRange: Range<Int>
}

/// Parses and validates a safetensors header. The rules match the reference implementation (safetensors 0.8):
/// the data ranges, sorted by offset, must tile the data section exactly — no gaps, no overlaps, nothing left
/// over — and each range must be exactly `product(shape) × element size` bytes.
struct SafetensorsHeader {
    /// Headers larger than this are rejected before being read (the reference reader's limit).
    static let maxHeaderByteCount = 100_000_000

    let tensors: [SafetensorsTensorInfo]
    let metadata: [String: String]

    /// - Parameters:
    ///   - json: the header bytes (after the 8-byte length).
    ///   - dataByteCount: size of the data section that follows the header.
    ///   - path: the file, for error messages.
    init(json: UnsafeRawBufferPointer, dataByteCount: Int, path: String) throws(GenCoreError) {
        func invalid(_ reason: String) -> GenCoreError { .invalidWeightFile(path: path, reason: reason) }
        let isUTF8 = json.withMemoryRebound(to: UInt8.self) { String(validating: $0, as: UTF8.self) != nil }
        guard isUTF8 else { throw invalid("the header is not valid UTF-8") }
        let root: JSONValue
        do { root = try JSONValue.parse(json) } catch { throw invalid("the header is not valid JSON: \(error.description)") }
        guard case let .object(members) = root else { throw invalid("the header must be a JSON object, found \(root.kindName)") }

        var metadata: [String: String] = [:]
        var tensors: [SafetensorsTensorInfo] = []
        for (key, value) in members {
            if key == "__metadata__" {
                guard case let .object(entries) = value else { throw invalid("__metadata__ must be an object of strings") }
                for (metaKey, metaValue) in entries {
                    guard case let .string(text) = metaValue else {
                        throw invalid("__metadata__[\"\(metaKey)\"] must be a string, found \(metaValue.kindName)")
                    }
                    metadata[metaKey] = text
                }
            } else {
                tensors.append(try Self.tensorInfo(name: key, entry: value, path: path))
            }
        }
        try Self.validateLayout(tensors, dataByteCount: dataByteCount, path: path)
        self.tensors = tensors
        self.metadata = metadata
    }

    private static func tensorInfo(name: String, entry: JSONValue, path: String) throws(GenCoreError) -> SafetensorsTensorInfo {
        func invalid(_ reason: String) -> GenCoreError { .invalidWeightFile(path: path, reason: "tensor '\(name)': \(reason)") }
        guard case let .object(fields) = entry else { throw invalid("entry must be an object, found \(entry.kindName)") }
        func field(_ key: String) throws(GenCoreError) -> JSONValue {
            guard let value = fields.first(where: { $0.key == key })?.value else { throw invalid("missing \"\(key)\"") }
            return value
        }
        guard case let .string(dtypeName) = try field("dtype") else { throw invalid("\"dtype\" must be a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw GenCoreError.unsupportedDType(path: path, tensor: name, dtype: dtypeName)
        }
        let shape = try nonNegativeIntegers(try field("shape"), what: "\"shape\"", invalid: invalid)
        let offsets = try nonNegativeIntegers(try field("data_offsets"), what: "\"data_offsets\"", invalid: invalid)
        guard offsets.count == 2 else { throw invalid("\"data_offsets\" must be [begin, end], found \(offsets.count) numbers") }
        guard offsets[0] <= offsets[1] else { throw invalid("data_offsets begin \(offsets[0]) is after end \(offsets[1])") }

        var elements = 1
        for dim in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw invalid("shape \(shape) has too many elements") }
            elements = product
        }
        let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bitWidth)
        guard !overflow else { throw invalid("shape \(shape) has too many elements") }
        guard bits % 8 == 0 else { throw invalid("\(elements) elements of \(dtype.rawValue) do not fill whole bytes") }
        let byteCount = offsets[1] - offsets[0]
        guard byteCount == bits / 8 else {
            throw invalid("data_offsets span \(byteCount) bytes but shape \(shape) of \(dtype.rawValue) needs \(bits / 8)")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataRange: offsets[0]..<offsets[1])
    }

    private static func nonNegativeIntegers(
        _ value: JSONValue, what: String, invalid: (String) -> GenCoreError
    ) throws(GenCoreError) -> [Int] {
        guard case let .array(elements) = value else { throw invalid("\(what) must be an array, found \(value.kindName)") }
        var result: [Int] = []
        for element in elements {
            guard case let .integer(n) = element else { throw invalid("\(what) must hold integers, found \(element.kindName)") }
            guard n >= 0 else { throw invalid("\(what) holds the negative number \(n)") }
            result.append(n)
        }
        return result
    }

    /// Ranges sorted by offset must follow each other without gap or overlap and end at the data section's end.
    private static func validateLayout(_ tensors: [SafetensorsTensorInfo], dataByteCount: Int, path: String) throws(GenCoreError) {
        let sorted = tensors.sorted { ($0.dataRange.lowerBound, $0.dataRange.upperBound) < ($1.dataRange.lowerBound, $1.dataRange.upperBound) }
        var expectedStart = 0
        for info in sorted {
            guard info.dataRange.upperBound <= dataByteCount else {
                throw GenCoreError.invalidWeightFile(path: path, reason:
                    "tensor '\(info.name)': data_offsets end \(info.dataRange.upperBound) is past the data section (\(dataByteCount) bytes); the file may be truncated")
            }
            guard info.dataRange.lowerBound == expectedStart else {
                let problem = info.dataRange.lowerBound < expectedStart ? "overlaps the previous tensor" : "leaves a gap after the previous tensor"
                throw GenCoreError.invalidWeightFile(path: path, reason:
                    "tensor '\(info.name)': data_offsets begin \(info.dataRange.lowerBound) \(problem) (expected \(expectedStart))")
            }
            expectedStart = info.dataRange.upperBound
        }
        guard expectedStart == dataByteCount else {
            throw GenCoreError.invalidWeightFile(path: path, reason:
                "tensors cover \(expectedStart) bytes but the data section has \(dataByteCount); the file has trailing bytes")
        }
    }
}
