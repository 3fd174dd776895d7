/* Semihosting for Cortex-M (bkpt 0xAB, operation in r0, argument block in r1), following the
 * Arm semihosting specification's operation numbers. */
#include "hal.h"

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE0 = 0x04,
  SYS_WRITE = 0x05,
  SYS_READ = 0x06,
  SYS_FLEN = 0x0C,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT = 0x18,
  SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int semihost(int operation, const void* argument) {
  register int r0 __asm__("r0") = operation;
  register const void* r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static size_t length_of(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

void hal_puts(const char* text) { semihost(SYS_WRITE0, text); }

void hal_put_uint(uint32_t value) {
  char digits[12];
  int i = 11;
  digits[i] = '\0';
  do {
    digits[--i] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0u);
  hal_puts(&digits[i]);
}

void hal_put_hex(uint32_t value) {
  char digits[11] = "0x";
  for (int i = 0; i < 8; ++i) digits[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 15u];
  digits[10] = '\0';
  hal_puts(digits);
}

int hal_open(const char* path, int mode) {
  const uint32_t block[3] = {(uint32_t)(uintptr_t)path, (uint32_t)mode, (uint32_t)length_of(path)};
  return semihost(SYS_OPEN, block);
}

int hal_close(int handle) {
  const uint32_t block[1] = {(uint32_t)handle};
  return semihost(SYS_CLOSE, block);
}

int32_t hal_file_length(int handle) {
  const uint32_t block[1] = {(uint32_t)handle};
  return semihost(SYS_FLEN, block);
}

/* SYS_READ and SYS_WRITE return the number of bytes NOT transferred. */
int hal_read(int handle, void* data, size_t size) {
  uint8_t* p = (uint8_t*)data;
  while (size > 0) {
    const uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)p, (uint32_t)size};
    const int left = semihost(SYS_READ, block);
    if (left < 0 || (size_t)left >= size) return -1;
    p += size - (size_t)left;
    size = (size_t)left;
  }
  return 0;
}

int hal_write(int handle, const void* data, size_t size) {
  const uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)data, (uint32_t)size};
  return semihost(SYS_WRITE, block) == 0 ? 0 : -1;
}

int hal_command_line(char* buffer, size_t size) {
  uint32_t block[2] = {(uint32_t)(uintptr_t)buffer, (uint32_t)size};
  return semihost(SYS_GET_CMDLINE, block) == 0 ? 0 : -1;
}

void hal_exit(int code) {
  const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
  semihost(SYS_EXIT_EXTENDED, block);
  /* Older hosts without SYS_EXIT_EXTENDED: plain SYS_EXIT (status 0 or 1). */
  semihost(SYS_EXIT, (const void*)(uintptr_t)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : 0x20024u));
  for (;;) {
  }
}

/* The markers the instruction-counting plugin looks for (addresses from the ELF's symbols). The
 * asm statement keeps each a real function of its own. */
__attribute__((noinline, used)) void hal_insn_begin(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noinline, used)) void hal_insn_end(void) { __asm__ volatile("" ::: "memory"); }

void hal_led_set(uint32_t mask) {
  *(volatile uint32_t*)(uintptr_t)TINYFORGE_LED_ADDRESS = mask;
}
