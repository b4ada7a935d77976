/// Writes `.safetensors` files laid out exactly as the reference library (safetensors 0.8) lays them out:
/// tensors ordered by element type, widest first (so every tensor's data is aligned to its element size),
/// then by name; the compact JSON header (`__metadata__` first) padded with spaces to a multiple of 8 bytes.
/// For the same tensors and at most one metadata entry the output is byte-identical to the reference; with
/// more entries the reference orders metadata arbitrarily, while this writer sorts it by key.
public enum SafetensorsWriter {
    /// Writes `tensors` (any layout; non-contiguous views are written row-major) and optional metadata to
    /// `path`, replacing it. Throws ``GenCoreError/io(path:reason:)`` on write failure and
    /// ``GenCoreError/invalidArgument(_:)`` for a tensor name that collides with `__metadata__`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String]? = nil, to path: String) throws(GenCoreError) {
        let (ordered, header) = try layout(tensors, metadata: metadata)
        var file = try BinaryFileWriter(path: path)
        try file.append(header)
        for (_, tensor) in ordered {
            try tensor.withRowMajorBytes { (raw) throws(GenCoreError) in try file.append(raw) }
        }
        try file.finish()
    }

    /// The complete file contents as bytes (for small tensors and tests).
    public static func serialized(_ tensors: [String: Tensor], metadata: [String: String]? = nil) throws(GenCoreError) -> [UInt8] {
        let (ordered, header) = try layout(tensors, metadata: metadata)
        var out = header
        for (_, tensor) in ordered { tensor.withRowMajorBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// Orders the tensors and builds the length prefix plus padded header.
    private static func layout(
        _ tensors: [String: Tensor], metadata: [String: String]?
    ) throws(GenCoreError) -> (ordered: [(String, Tensor)], header: [UInt8]) {
        if tensors["__metadata__"] != nil {
            throw GenCoreError.invalidArgument("a tensor cannot be named __metadata__ in a safetensors file")
        }
        let ordered = tensors.sorted { a, b in
            let ra = SafetensorsDType(a.value.dtype).writeOrder, rb = SafetensorsDType(b.value.dtype).writeOrder
            return ra != rb ? ra > rb : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }
        var entries: [String] = []
        if let metadata {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { JSONValue.quoted($0.key) + ":" + JSONValue.quoted($0.value) }
            entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, tensor) in ordered {
            let byteCount = tensor.count * tensor.dtype.byteSize
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(JSONValue.quoted(name) + ":{\"dtype\":\"\(SafetensorsDType(tensor.dtype).rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + byteCount)]}")
            offset += byteCount
        }
        var json = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var header = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        header.append(contentsOf: json)
        return (ordered, header)
    }
}
