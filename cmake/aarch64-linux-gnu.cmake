# Cross-compiles for linux-arm64 (glibc) with Debian's g++-aarch64-linux-gnu. Used by
# `npm run prebuild` (the linux-arm64 addon) and `npm run test:native:arm64` (the C++ suite, run
# under qemu-aarch64-static -L /usr/aarch64-linux-gnu).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Lets try_run and ctest run target binaries through qemu on an x86-64 host.
find_program(DGP_QEMU_AARCH64 qemu-aarch64-static)
if(DGP_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${DGP_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
endif()
