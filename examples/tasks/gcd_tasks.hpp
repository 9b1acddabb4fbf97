#pragma once
// Tasks that live in a static library of their own (example_tasks): the parent
// includes this header; the worker binary only links the library, whole
// (futures_add_worker in CMakeLists.txt), or the registrations would be dropped.
#include <futures/task.hpp>

#include <utility>

int gcd_of(std::pair<int, int> p);
long sum_to(long n);

FUTURES_TASK(gcd_of_task, gcd_of);
FUTURES_TASK(sum_to_task, sum_to);
