// Runs every registered native test; exit code 1 if any failed. `dgp_native_tests NAME` runs the
// tests whose name contains NAME.
#include <cstdio>
#include <cstring>

#include "test_util.h"

int main(int argc, char** argv) {
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& t : dgp_test::registry()) {
    if (argc > 1 && std::strstr(t.name, argv[1]) == nullptr) continue;
    try {
      t.body();
      ++passed;
      std::printf("ok    %s\n", t.name);
    } catch (const dgp_test::Skip& s) {
      ++skipped;
      std::printf("skip  %s: %s\n", t.name, s.why.c_str());
    } catch (const dgp_test::Failure& f) {
      ++failed;
      std::printf("FAIL  %s: %s\n", t.name, f.what.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL  %s: exception %s\n", t.name, e.what());
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}
