# Defines the static library dgp_cuda: the CUDA kernels when a CUDA compiler is usable (and
# DGP_CUDA is AUTO or ON), else cuda_absent.cc (CUDA reported unavailable). Included from the top-level CMakeLists.txt.
#   DGP_CUDA=AUTO  use nvcc when CMake finds one, else build cuda_absent.cc (the default)
#   DGP_CUDA=ON    fail the configure step without a CUDA compiler
#   DGP_CUDA=OFF   always build cuda_absent.cc
# The CUDA runtime is linked statically, so the addon loads on machines without the CUDA
# toolkit or driver; dgp_cuda_device_count() then reports 0 with the reason.
set(DGP_CUDA_ENABLED OFF)
if(NOT DGP_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(DGP_CUDA_ENABLED ON)
  elseif(DGP_CUDA STREQUAL "ON")
    message(FATAL_ERROR "DGP_CUDA=ON but no CUDA compiler was found (set CUDACXX or put nvcc on PATH)")
  endif()
endif()

file(GLOB DGP_CUDA_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cu)
if(DGP_CUDA_ENABLED AND DGP_CUDA_SOURCES)
  # The architecture list must be read before enable_language(CUDA), which otherwise fills
  # CMAKE_CUDA_ARCHITECTURES with the compiler's single default (sm_75 for nvcc 13). An explicit
  # -DCMAKE_CUDA_ARCHITECTURES=... (e.g. 90 for a quick H100-only build) still wins.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 75 80 86 89 90)
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  add_library(dgp_cuda STATIC ${DGP_CUDA_SOURCES})
  set_target_properties(dgp_cuda PROPERTIES
    CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}"
    CUDA_RUNTIME_LIBRARY Static
    CUDA_SEPARABLE_COMPILATION OFF
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(dgp_cuda PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/native/core)
  target_compile_options(dgp_cuda PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3 --expt-relaxed-constexpr>)
  # Consumers are C++ targets (addon, tests): they need the static runtime on their link line.
  target_link_libraries(dgp_cuda PUBLIC CUDA::cudart_static)
  message(STATUS "tfjs-dgp: CUDA backend ON (architectures ${CMAKE_CUDA_ARCHITECTURES})")

  # GPU benchmark (kernel-only and end-to-end times, CPU comparison), only with
  # -DDGP_BUILD_BENCH=ON. It links dgp_cuda_timed: the same sources with the device-resident
  # timing hook (dgp_cuda_bench.cuh) compiled in; the product's dgp_cuda never has it.
  if(DGP_BUILD_BENCH)
    add_library(dgp_cuda_timed STATIC ${DGP_CUDA_SOURCES})
    set_target_properties(dgp_cuda_timed PROPERTIES
      CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}"
      CUDA_RUNTIME_LIBRARY Static
      POSITION_INDEPENDENT_CODE ON)
    target_include_directories(dgp_cuda_timed PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/native/core)
    target_compile_definitions(dgp_cuda_timed PRIVATE DGP_CUDA_TIMING)
    target_compile_options(dgp_cuda_timed PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3 --expt-relaxed-constexpr>)
    target_link_libraries(dgp_cuda_timed PUBLIC CUDA::cudart_static)
    add_executable(dgp_cuda_bench ${CMAKE_CURRENT_LIST_DIR}/bench/cuda_bench.cu)
    set_target_properties(dgp_cuda_bench PROPERTIES
      CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}"
      CUDA_RUNTIME_LIBRARY Static)
    target_include_directories(dgp_cuda_bench PRIVATE ${CMAKE_SOURCE_DIR}/native/tests)
    target_compile_options(dgp_cuda_bench PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3>)
    target_link_libraries(dgp_cuda_bench PRIVATE dgp_cuda_timed dgp_core)
  endif()
else()
  add_library(dgp_cuda STATIC ${CMAKE_CURRENT_LIST_DIR}/cuda_absent.cc)
  target_include_directories(dgp_cuda PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/native/core)
  message(STATUS "tfjs-dgp: CUDA backend OFF (CPU-only build): DGP_CUDA=${DGP_CUDA}, compiler='${CMAKE_CUDA_COMPILER}'")
endif()
