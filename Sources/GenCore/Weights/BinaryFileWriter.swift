#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file in pieces without first assembling it in memory, so saving large tensors does not double
/// their footprint. The file is written to a temporary name and renamed into place on ``finish()``, so a
/// failed or interrupted save never leaves a truncated file under the final name.
struct BinaryFileWriter: ~Copyable {
    let path: String
    private let temporaryPath: String
    private var fd: Int32

    init(path: String) throws(GenCoreError) {
        self.path = path
        temporaryPath = path + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw GenCoreError.io(path: path, reason: "cannot create: \(MemoryMappedFile.errnoText())")
        }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(GenCoreError) {
        var done = 0
        while done < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let n = write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw GenCoreError.io(path: path, reason: "write failed: \(MemoryMappedFile.errnoText())")
            }
            done += n
        }
    }

    mutating func append(_ bytes: [UInt8]) throws(GenCoreError) {
        // Array.withUnsafeBytes rethrows untyped errors, so carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { raw in Result { () throws(GenCoreError) in try append(raw) } }
        try result.get()
    }

    /// Closes the file and moves it to its final name.
    consuming func finish() throws(GenCoreError) {
        let result = close(fd)
        fd = -1
        guard result == 0 else {
            unlink(temporaryPath)
            throw GenCoreError.io(path: path, reason: "close failed: \(MemoryMappedFile.errnoText())")
        }
        guard rename(temporaryPath, path) == 0 else {
            unlink(temporaryPath)
            throw GenCoreError.io(path: path, reason: "cannot move into place: \(MemoryMappedFile.errnoText())")
        }
    }

    deinit {
        // Reached only when finish() was not called (an error part-way): drop the partial file.
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }
}

extension Tensor {
    /// Calls `body` with the elements as row-major bytes (copying first only when the layout is not contiguous).
    func withRowMajorBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let data = contiguous()
        return try withExtendedLifetime(data.storage) { () throws(E) -> R in
            try body(UnsafeRawBufferPointer(start: data.rawPointer, count: data.count * data.dtype.byteSize))
        }
    }
}
