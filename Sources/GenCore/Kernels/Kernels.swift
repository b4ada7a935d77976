import CGenKernels

/// Which instruction set the numeric kernels use.
///
/// The best path the CPU supports is chosen once, at first use; the environment variable
/// `GENKIT_ISA=scalar|avx2|avx512|neon` overrides it (an unsupported choice is reported on stderr
/// and ignored). Tests and benchmarks switch paths with ``force(_:)``.
public enum Kernels {
    /// The best instruction set this CPU (and operating system) supports.
    public static var detected: InstructionSet { InstructionSet(gk_detected_isa()) }

    /// The instruction set every kernel currently dispatches to.
    public static var active: InstructionSet { InstructionSet(gk_active_isa()) }

    /// Whether this CPU can run `isa`.
    public static func isSupported(_ isa: InstructionSet) -> Bool { gk_isa_supported(isa.cValue) != 0 }

    /// Every instruction set this CPU can run, scalar first.
    public static var availableInstructionSets: [InstructionSet] { InstructionSet.allCases.filter(isSupported) }

    /// Makes every kernel use `isa` from the next call on (process-wide).
    /// - Throws: ``GenCoreError/invalidArgument(_:)`` if this CPU cannot run `isa`; the active path is unchanged.
    public static func force(_ isa: InstructionSet) throws(GenCoreError) {
        guard gk_force_isa(isa.cValue) != 0 else {
            let available = availableInstructionSets.map(\.rawValue).joined(separator: ", ")
            throw .invalidArgument("instruction set '\(isa.rawValue)' is not supported by this CPU (available: \(available))")
        }
    }
}
