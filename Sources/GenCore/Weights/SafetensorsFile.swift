/// A `.safetensors` file, memory-mapped and validated on open.
///
/// Opening reads and checks only the header; tensor bytes are touched when a tensor is used. Loaded tensors
/// view the mapping without copying when their data is aligned to their element size (always the case for
/// files written by the reference library or ``SafetensorsWriter``); they are read-only and copy on first
/// write. The mapping stays alive as long as any such tensor does, even after this object is released.
public final class SafetensorsFile: WeightSource {
    public let path: String
    /// The free-form `__metadata__` string map (empty when the file has none).
    public let metadata: [String: String]
    /// Every tensor name, sorted.
    public let names: [String]
    private let infos: [String: SafetensorsTensorInfo]
    private let mapping: MemoryMappedFile
    /// Offset of the data section within the file.
    private let dataStart: Int

    /// Opens and validates `path`. Throws ``GenCoreError/io(path:reason:)`` when it cannot be read and
    /// ``GenCoreError/invalidWeightFile(path:reason:)`` (or ``GenCoreError/unsupportedDType(path:tensor:dtype:)``
    /// for a dtype the format does not define) when its header is malformed.
    public init(path: String) throws(GenCoreError) {
        self.path = path
        mapping = try MemoryMappedFile(path: path)
        let bytes = mapping.bytes
        guard bytes.count >= 8 else {
            throw GenCoreError.invalidWeightFile(path: path, reason: "the file is \(bytes.count) bytes, shorter than the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in (0..<8).reversed() { headerLength = headerLength << 8 | UInt64(bytes[i]) }
        guard headerLength <= UInt64(SafetensorsHeader.maxHeaderByteCount) else {
            throw GenCoreError.invalidWeightFile(path: path, reason:
                "header length \(headerLength) exceeds the \(SafetensorsHeader.maxHeaderByteCount)-byte limit; this is probably not a safetensors file")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= bytes.count else {
            throw GenCoreError.invalidWeightFile(path: path, reason:
                "header length \(headerLength) runs past the end of the \(bytes.count)-byte file; the file may be truncated")
        }
        let header = try SafetensorsHeader(
            json: UnsafeRawBufferPointer(rebasing: bytes[8..<headerEnd]), dataByteCount: bytes.count - headerEnd, path: path)
        dataStart = headerEnd
        metadata = header.metadata
        infos = Dictionary(header.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        names = infos.keys.sorted()
    }

    public func info(for name: String) throws(GenCoreError) -> SafetensorsTensorInfo {
        guard let info = infos[name] else { throw GenCoreError.missingTensor(name: name, path: path) }
        return info
    }

    public func tensor(_ name: String) throws(GenCoreError) -> Tensor {
        let info = try info(for: name)
        guard let dtype = info.dtype.tensorDType else {
            throw GenCoreError.unsupportedDType(path: path, tensor: name, dtype: info.dtype.rawValue)
        }
        let byteCount = info.dataRange.count
        guard let base = mapping.bytes.baseAddress else {
            // Only an empty file has no mapping, and it has no tensors.
            throw GenCoreError.missingTensor(name: name, path: path)
        }
        let source = base + dataStart + info.dataRange.lowerBound
        if Int(bitPattern: source) % dtype.byteSize == 0 {
            let storage = TensorStorage(borrowing: source, byteCount: byteCount, owner: mapping)
            return Tensor(storage: storage, shape: info.shape, dtype: dtype)
        }
        // Misaligned data (possible in files from other writers) cannot be viewed as typed elements: copy it.
        let storage = TensorStorage(byteCount: byteCount, zeroed: false)
        if byteCount > 0 { storage.baseAddress.copyMemory(from: source, byteCount: byteCount) }
        return Tensor(storage: storage, shape: info.shape, dtype: dtype)
    }
}
