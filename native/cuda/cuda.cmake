# Defines the static library dgp_cuda: the CUDA kernels when a CUDA compiler is usable (and
# DGP_CUDA is AUTO or ON), else the stub. Included from the top-level CMakeLists.txt.
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
  enable_language(CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "52")
    set(CMAKE_CUDA_ARCHITECTURES 75 80 86 89 90)
  endif()
  add_library(dgp_cuda STATIC ${DGP_CUDA_SOURCES})
  set_target_properties(dgp_cuda PROPERTIES
    CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}"
    CUDA_RUNTIME_LIBRARY Static
    CUDA_SEPARABLE_COMPILATION OFF
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(dgp_cuda PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/native/core)
  target_compile_options(dgp_cuda PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3 --expt-relaxed-constexpr>)
  message(STATUS "tfjs-dgp: CUDA backend ON (architectures ${CMAKE_CUDA_ARCHITECTURES})")
else()
  add_library(dgp_cuda STATIC ${CMAKE_CURRENT_LIST_DIR}/cuda_stub.cc)
  target_include_directories(dgp_cuda PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/native/core)
  message(STATUS "tfjs-dgp: CUDA backend OFF (CPU-only build): DGP_CUDA=${DGP_CUDA}, compiler='${CMAKE_CUDA_COMPILER}'")
endif()
