// Compiled by ctest three times (test/CMakeLists.txt): as is, it must compile (so
// that the two failing builds fail for the reason under test and no other); with
// FUTURES_CASE_LAMBDA_TASK or FUTURES_CASE_SUBMIT_FUNCTION, it must fail with a
// static_assert that names FUTURES_TASK.
#include <futures/process_pool_executor.hpp>
#include <futures/task.hpp>

int twice(int x) { return 2 * x; }
FUTURES_TASK(twice_task, twice);

#ifdef FUTURES_CASE_LAMBDA_TASK
inline auto thrice = [](int x) { return 3 * x; };
FUTURES_TASK(thrice_task, thrice);
#endif

void use(futures::process_pool_executor& pool) {
    (void)pool.submit(twice_task, 1);
#ifdef FUTURES_CASE_SUBMIT_FUNCTION
    (void)pool.submit(twice, 1);
#endif
}
