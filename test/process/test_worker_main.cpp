// The separately built test worker: the provided worker main, linked with the
// tests' tasks (tasks.cpp), as a user would build `my_worker`.
#include <futures/worker.hpp>

int main(int argc, char** argv) { return futures::worker_main(argc, argv); }
