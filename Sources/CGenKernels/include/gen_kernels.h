// Umbrella header of the internal kernel target. Swift code imports CGenKernels and calls these;
// no other code sees an intrinsic.
#ifndef GEN_KERNELS_H
#define GEN_KERNELS_H
#include "gk_cpu.h"
#include "gk_threads.h"
#include "gk_gemm.h"
#include "gk_convert.h"
#include "gk_ops.h"
#include "gk_memory.h"
#endif
