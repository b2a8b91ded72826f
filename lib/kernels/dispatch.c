/* Run-time choice of the kernel path, as xxHash's xxh_x86dispatch.c does it:
 * a SIMD path is used only when the CPU has the instructions (CPUID) and the
 * OS saves the wider registers on context switches (XGETBV). The choice is
 * made once per process; RNNLITE_ISA=scalar|avx2|avx512|neon forces a path
 * the CPU can run (otherwise the best one is used). On AArch64, ASIMD is in
 * the base ISA; the kernel's HWCAP_ASIMD still confirms it. */
#include "kernels.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#if (defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)) && \
    (defined(RL_HAVE_AVX2) || defined(RL_HAVE_AVX512))
#define RL_X86 1
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

#if defined(__aarch64__) && defined(RL_HAVE_NEON) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1ul << 1)
#endif
#endif

#ifdef RL_X86
enum {
    CPUID1_ECX_FMA = 1u << 12,
    CPUID1_ECX_OSXSAVE = 1u << 27,
    CPUID1_ECX_AVX = 1u << 28,
    CPUID7_EBX_AVX2 = 1u << 5,
    CPUID7_EBX_AVX512F = 1u << 16,
    XCR0_YMM = 0x6,    /* XMM and YMM state */
    XCR0_ZMM = 0xe6,   /* plus opmask, ZMM0-15 upper halves, ZMM16-31 */
};

static void cpuid(unsigned leaf, unsigned sub, unsigned r[4])
{
#if defined(_MSC_VER) && !defined(__clang__)
    int v[4];
    __cpuidex(v, (int)leaf, (int)sub);
    for (int i = 0; i < 4; i++)
        r[i] = (unsigned)v[i];
#else
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#endif
}

/* XCR0: which register states the OS saves. Only valid when OSXSAVE is set. */
static unsigned long long xgetbv0(void)
{
#if defined(_MSC_VER) && !defined(__clang__)
    return _xgetbv(0);
#else
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
#endif
}

enum { CAN_AVX2 = 1, CAN_AVX512 = 2 };

static int cpu_features(void)
{
    unsigned r1[4], r7[4] = { 0, 0, 0, 0 };
    cpuid(0, 0, r1);
    const unsigned max_leaf = r1[0];
    cpuid(1, 0, r1);
    const unsigned ecx1 = r1[2];
    if (!(ecx1 & CPUID1_ECX_OSXSAVE) || !(ecx1 & CPUID1_ECX_AVX) || !(ecx1 & CPUID1_ECX_FMA))
        return 0;
    if (max_leaf >= 7)
        cpuid(7, 0, r7);
    const unsigned ebx7 = r7[1];
    const unsigned long long xcr0 = xgetbv0();
    int can = 0;
    if ((xcr0 & XCR0_YMM) == XCR0_YMM && (ebx7 & CPUID7_EBX_AVX2))
        can |= CAN_AVX2;
    if ((xcr0 & XCR0_ZMM) == XCR0_ZMM && (ebx7 & CPUID7_EBX_AVX512F))
        can |= CAN_AVX512;
    return can;
}

/* CPUID 0x8000001A EAX bit 2, FP256: the core's FP/SIMD datapath is 256
 * bits wide (AMD's performance optimization identifiers; Zen 4 sets it),
 * so a 512-bit operation issues as two 256-bit halves. */
static int cpu_fp256(void)
{
    unsigned r[4];
    cpuid(0x80000000u, 0, r);
    if (r[0] < 0x8000001Au)
        return 0;
    cpuid(0x8000001Au, 0, r);
    return (r[0] >> 2) & 1;
}
#endif

int rl__fp256(void)
{
#if defined(RL_X86)
    static _Atomic int read;   /* 0: not read yet; 1: no; 2: yes */
    int v = atomic_load_explicit(&read, memory_order_relaxed);
    if (!v) {
        v = 1 + cpu_fp256();
        atomic_store_explicit(&read, v, memory_order_relaxed);
    }
    return v == 2;
#else
    return 0;
#endif
}

const rl_kernels *rl__kernels_avx2(void)
{
#if defined(RL_X86) && defined(RL_HAVE_AVX2)
    return (cpu_features() & CAN_AVX2) ? &rl__avx2_kernels : NULL;
#else
    return NULL;
#endif
}

const rl_kernels *rl__kernels_avx512(void)
{
#if defined(RL_X86) && defined(RL_HAVE_AVX512)
    return (cpu_features() & CAN_AVX512) ? &rl__avx512_kernels : NULL;
#else
    return NULL;
#endif
}

const rl_kernels *rl__kernels_neon(void)
{
#if defined(__aarch64__) && defined(RL_HAVE_NEON)
#ifdef __linux__
    return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? &rl__neon_kernels : NULL;
#else
    return &rl__neon_kernels;   /* architecturally always present */
#endif
#else
    return NULL;
#endif
}

static const rl_kernels *choose(void)
{
    const char *force = getenv("RNNLITE_ISA");
    const rl_kernels *best = rl__kernels_avx512();
    if (!best)
        best = rl__kernels_avx2();
    if (!best)
        best = rl__kernels_neon();
    if (!best)
        best = rl__kernels_scalar();
    if (force) {
        const rl_kernels *forced = !strcmp(force, "scalar") ? rl__kernels_scalar()
                                 : !strcmp(force, "avx2") ? rl__kernels_avx2()
                                 : !strcmp(force, "avx512") ? rl__kernels_avx512()
                                 : !strcmp(force, "neon") ? rl__kernels_neon()
                                 : NULL;
        if (forced)
            return forced;
    }
    return best;
}

const rl_kernels *rl__kernels(void)
{
    /* A race only makes two threads compute the same answer. */
    static _Atomic(const rl_kernels *) chosen;
    const rl_kernels *k = atomic_load_explicit(&chosen, memory_order_acquire);
    if (!k) {
        k = choose();
        atomic_store_explicit(&chosen, k, memory_order_release);
    }
    return k;
}

/* A cache size as sysconf reports it, read once into *slot (0: not read
 * yet; SIZE_MAX: not known). A race only reads it twice. */
static size_t cache_bytes(_Atomic size_t *slot, int name)
{
    size_t b = atomic_load_explicit(slot, memory_order_relaxed);
    if (!b) {
        long r = -1;
        if (name >= 0)
            r = sysconf(name);
        b = r > 0 ? (size_t)r : (size_t)-1;
        atomic_store_explicit(slot, b, memory_order_relaxed);
    }
    return b == (size_t)-1 ? 0 : b;
}

/* sysconf's names for the two sizes; -1 where the C library has none */
#ifdef _SC_LEVEL1_DCACHE_SIZE
#define L1D_NAME _SC_LEVEL1_DCACHE_SIZE
#else
#define L1D_NAME (-1)
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
#define L2_NAME _SC_LEVEL2_CACHE_SIZE
#else
#define L2_NAME (-1)
#endif

size_t rl__l1d_bytes(void)
{
    static _Atomic size_t read;
    return cache_bytes(&read, L1D_NAME);
}

size_t rl__l2_bytes(void)
{
    static _Atomic size_t read;
    return cache_bytes(&read, L2_NAME);
}
