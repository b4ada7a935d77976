import CGenKernels

/// The process-wide worker pool that parallel kernels run on.
///
/// It defaults to the number of online cores, or to `GENKIT_NUM_THREADS` when set.
/// Kernels called from several threads at once stay correct: a call that finds the pool busy runs on
/// its own thread.
public enum ThreadPool {
    /// Threads a parallel kernel uses, the calling thread included. Values below 1 are treated as 1.
    public static var threadCount: Int {
        get { Int(gk_get_num_threads()) }
        set { gk_set_num_threads(Int32(clamping: max(1, newValue))) }
    }
}
