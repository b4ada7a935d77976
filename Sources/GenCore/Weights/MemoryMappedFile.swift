#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory. Tensors that view its bytes hold a reference to it (as the
/// `owner` of their ``TensorStorage``), so the mapping lives as long as any of them.
///
/// The mapping is private and read-only: nothing written through it reaches the file. If another process
/// truncates the file while it is mapped, touching the lost pages faults (a limitation of `mmap` itself).
final class MemoryMappedFile: @unchecked Sendable {
    // Sendable: the mapping is PROT_READ and never changes after init.
    let path: String
    /// The file's bytes; empty (with a nil base) for an empty file, which cannot be mapped.
    let bytes: UnsafeRawBufferPointer

    /// Maps the file at `path`. Throws ``GenCoreError/io(path:reason:)`` when it cannot be opened or mapped.
    init(path: String) throws(GenCoreError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw GenCoreError.io(path: path, reason: "cannot open: \(Self.errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GenCoreError.io(path: path, reason: "cannot stat: \(Self.errnoText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw GenCoreError.io(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        #if canImport(Glibc)
        // Page tables filled now (from the page cache, or read from disk), as llama.cpp maps its models: otherwise the
        // first forward pass stops on a page fault every few pages of weights, 0.1 s or more for a 1B-parameter model.
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        let address = mmap(nil, size, PROT_READ, flags, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw GenCoreError.io(path: path, reason: "cannot memory-map \(size) bytes: \(Self.errnoText())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
