/* Instruction-counter check: runs a loop of exactly 2 instructions per iteration (subs + bne)
 * for N iterations between the markers, N from the command line. The count must be
 * 2 * N + a fixed overhead, identical on every run. */
#include "hal/hal.h"

__attribute__((noinline)) static void loop(uint32_t n) {
  __asm__ volatile(
      "1:\n\t"
      "subs %0, %0, #1\n\t"
      "bne 1b\n\t"
      : "+r"(n)
      :
      : "cc");
}

int main(void) {
  char line[32];
  if (hal_command_line(line, sizeof(line)) != 0) return 2;
  uint32_t n = 0;
  for (const char* p = line; *p >= '0' && *p <= '9'; ++p) n = n * 10u + (uint32_t)(*p - '0');
  if (n == 0) return 3;
  hal_insn_begin();
  loop(n);
  hal_insn_end();
  hal_puts("TF_RESULT iterations=");
  hal_put_uint(n);
  hal_puts("\n");
  return 0;
}
