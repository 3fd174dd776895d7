# ARM MPS2 with the AN386 FPGA image: Cortex-M4F. QEMU: -machine mps2-an386.
# The board's memory budget lives here and only here (linker script, deploy report and the host
# driver's checks all read it from the linked ELF's __tf_* symbols).
set(BOARD_QEMU_MACHINE mps2-an386)
# The runtime kernels this core runs (the host plans the device arena with them).
set(BOARD_KERNELS arm_dsp)
set(BOARD_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(BOARD_FLASH_ORIGIN 0x00000000)  # 4 MiB code SSRAM (flash stand-in)
set(BOARD_FLASH_SIZE 0x00400000)
set(BOARD_RAM_ORIGIN 0x20000000)    # 4 MiB data SSRAM
set(BOARD_RAM_SIZE 0x00400000)
# The generic runner's pool (model read from the host + arena): the rest of RAM.
set(BOARD_POOL_REGION RAM)
set(BOARD_LED_ADDRESS 0x40028000)   # FPGAIO LED0 register
# The FPGA image's core clock (QEMU's SYSCLK for the machine): stream headroom is stated at it.
set(BOARD_CLOCK_MHZ 25)
