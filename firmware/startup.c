/* Reset handler and vector table for the Cortex-M boards: enables the FPU (and MVE on M55),
 * copies .data, zeroes .bss, runs C++ constructors, calls main() and exits with its status over
 * semihosting. Faults print a line and exit with status 70. */
#include <stdint.h>

#include "hal/hal.h"

extern uint32_t __stack_top;
extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
int main(void);

__attribute__((noreturn)) void Reset_Handler(void) {
  /* CPACR: full access to CP10/CP11 (FPU, and MVE on Armv8.1-M). */
  *(volatile uint32_t*)0xE000ED88u |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  const uint32_t* from = &__data_load;
  for (uint32_t* to = &__data_start; to < &__data_end;) *to++ = *from++;
  for (uint32_t* p = &__bss_start; p < &__bss_end;) *p++ = 0u;
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();
  hal_exit(main());
}

static __attribute__((noreturn)) void fault(const char* what) {
  uint32_t cfsr = *(volatile uint32_t*)0xE000ED28u;
  hal_puts("TF_ERROR ");
  hal_puts(what);
  hal_puts(" (CFSR ");
  hal_put_hex(cfsr);
  hal_puts(")\n");
  hal_exit(70);
}

void NMI_Handler(void) { fault("NMI"); }
void HardFault_Handler(void) { fault("HardFault"); }
void MemManage_Handler(void) { fault("MemManage fault"); }
void BusFault_Handler(void) { fault("BusFault"); }
void UsageFault_Handler(void) { fault("UsageFault (stack overflow or invalid instruction)"); }
void SecureFault_Handler(void) { fault("SecureFault"); }
void Default_Handler(void) { fault("unexpected interrupt"); }

__attribute__((section(".vectors"), used)) const void* const tinyforge_vectors[16] = {
    &__stack_top,       (const void*)Reset_Handler,      (const void*)NMI_Handler,
    (const void*)HardFault_Handler, (const void*)MemManage_Handler, (const void*)BusFault_Handler,
    (const void*)UsageFault_Handler, (const void*)SecureFault_Handler, 0, 0, 0,
    (const void*)Default_Handler, (const void*)Default_Handler, 0, (const void*)Default_Handler,
    (const void*)Default_Handler,
};
