import CGenKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A block of bytes that tensors view. Either owned (allocated here, 64-byte aligned, freed on deinit) or
/// borrowed from something that outlives it (a memory-mapped weight file, kept alive through `owner`).
/// Borrowed storage is read-only: a tensor that wants to write into it copies first.
public final class TensorStorage: @unchecked Sendable {
    // Sendable: the bytes are only written while a single Tensor holds the sole reference (copy-on-write),
    // and borrowed storage is never written.
    public let baseAddress: UnsafeMutableRawPointer
    public let byteCount: Int
    public let isReadOnly: Bool
    private let owner: AnyObject?
    private let ownsMemory: Bool

    /// Allocates `byteCount` zeroed bytes, 64-byte aligned. Large blocks come from the kernels' block cache, which
    /// hands a block freed earlier back to the next allocation of its size (see ``releaseCachedMemory()``).
    public init(byteCount: Int, zeroed: Bool = true) {
        let size = max(byteCount, 1)
        // Allocation failure of a computed size is not recoverable input; mirror Swift's own behaviour.
        baseAddress = gk_block_alloc(size) ?? UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        if zeroed { memset(baseAddress, 0, size) }
        self.byteCount = byteCount
        isReadOnly = false
        owner = nil
        ownsMemory = true
    }

    /// Views bytes owned by `owner` (for example a memory-mapped file) without copying.
    public init(borrowing pointer: UnsafeRawPointer, byteCount: Int, owner: AnyObject) {
        baseAddress = UnsafeMutableRawPointer(mutating: pointer)
        self.byteCount = byteCount
        isReadOnly = true
        self.owner = owner
        ownsMemory = false
    }

    deinit {
        if ownsMemory { gk_block_free(baseAddress, max(byteCount, 1)) }
    }

    /// Gives the blocks that freed tensors left for reuse (blocks of 64 KB and more, at most 1 GB in all) back to
    /// the system, for instance after a model is done; returns how many bytes that released.
    @discardableResult
    public static func releaseCachedMemory() -> Int {
        Int(gk_block_cache_release())
    }
}
