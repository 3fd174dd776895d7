/* tinyforge's tiny firmware HAL: console, host files and exit over Arm semihosting (QEMU:
 * -semihosting-config enable=on,target=native), instruction-count markers, an LED stand-in.
 * Freestanding C; no heap. */
#ifndef TINYFORGE_FIRMWARE_HAL_H_
#define TINYFORGE_FIRMWARE_HAL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Console (semihosting SYS_WRITE0 / SYS_WRITEC). */
void hal_puts(const char* text);
void hal_put_uint(uint32_t value);
void hal_put_hex(uint32_t value);

/* Host files. Modes as in semihosting SYS_OPEN: 1 = "rb", 5 = "wb". Returns a handle >= 0 or -1. */
enum { HAL_READ_BINARY = 1, HAL_WRITE_BINARY = 5 };
int hal_open(const char* path, int mode);
int hal_close(int handle);
/* Bytes in the file, or -1. */
int32_t hal_file_length(int handle);
/* Reads or writes exactly `size` bytes; returns 0 on success, -1 otherwise. */
int hal_read(int handle, void* data, size_t size);
int hal_write(int handle, const void* data, size_t size);
/* The command line QEMU passes (-semihosting-config ...,arg=...); 0 on success. */
int hal_command_line(char* buffer, size_t size);

/* Ends the emulation with `code` as QEMU's exit status (SYS_EXIT_EXTENDED). */
__attribute__((noreturn)) void hal_exit(int code);

/* Instruction counting: a QEMU TCG plugin (firmware/qemu_plugin) counts the instructions executed
 * from the first instruction of hal_insn_begin() to the first instruction of hal_insn_end(). Both
 * are never inlined, so `hal_insn_begin(); work(); hal_insn_end();` measures work() plus a fixed
 * call overhead of a few instructions (measured by the instruction-counter test). */
void hal_insn_begin(void);
void hal_insn_end(void);

/* A GPIO stand-in: the board's FPGAIO LED register. */
void hal_led_set(uint32_t mask);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORGE_FIRMWARE_HAL_H_ */
