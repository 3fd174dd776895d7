# ARM MPS3 with the AN547 FPGA image: Cortex-M55 (SSE-300, Helium/MVE). QEMU: -machine mps3-an547.
# The core starts in Secure state with the vector table at ITCM (SVTOR 0x10000000), so everything
# links at the Secure aliases. The board's memory budget lives here and only here.
set(BOARD_QEMU_MACHINE mps3-an547)
# The runtime kernels this core runs (the host plans the device arena with them).
set(BOARD_KERNELS arm_mve)
set(BOARD_CPU_FLAGS "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard")
set(BOARD_FLASH_ORIGIN 0x10000000)  # 512 KiB ITCM (Secure alias): code and model
set(BOARD_FLASH_SIZE 0x00080000)
set(BOARD_RAM_ORIGIN 0x30000000)    # 512 KiB DTCM (Secure alias): data, stack, arena
set(BOARD_RAM_SIZE 0x00080000)
# The generic runner's pool: 4 MiB internal SRAM (Secure alias of 0x21000000).
set(BOARD_POOL_REGION POOL)
set(BOARD_POOL_ORIGIN 0x31000000)
set(BOARD_POOL_SIZE 0x00400000)
set(BOARD_LED_ADDRESS 0x59302000)   # FPGAIO LED0 register (Secure alias)
# The FPGA image's core clock (QEMU's SYSCLK for the machine): stream headroom is stated at it.
set(BOARD_CLOCK_MHZ 32)
