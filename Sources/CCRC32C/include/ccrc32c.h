// CRC-32C (Castagnoli) with the CPU's instruction: SSE 4.2 `crc32` on x86-64, the ARMv8 CRC
// extension on AArch64. ChargelineCore's CRC32C calls it when the CPU has one and keeps its
// table-driven code for the rest; both give the same checksums.
#ifndef CCRC32C_H
#define CCRC32C_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has a CRC-32C instruction `chargeline_crc32c_hw` uses, else 0.
int chargeline_crc32c_hw_available(void);

/// The CRC-32C register after `count` bytes at `bytes`, from register `crc` (not inverted:
/// the caller inverts before and after, as the table-driven code does). Only call it when
/// `chargeline_crc32c_hw_available()` is 1.
uint32_t chargeline_crc32c_hw(uint32_t crc, const void *bytes, size_t count);

#endif
