# The user programs, packed by tools/mkramdisk.py, become part of the image.
    .section .ramdisk, "a"
    .balign 8
    .globl ramdisk_start, ramdisk_end
ramdisk_start:
    .incbin RAMDISK_PATH
ramdisk_end:
