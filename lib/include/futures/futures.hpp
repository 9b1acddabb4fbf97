#pragma once
// Everything, for those who want one include.
#include <futures/as_completed.hpp>
#include <futures/callback_errors.hpp>
#include <futures/errors.hpp>
#include <futures/future.hpp>
#include <futures/log.hpp>
#include <futures/map.hpp>
#include <futures/process_pool_executor.hpp>
#include <futures/remote_error.hpp>
#include <futures/task.hpp>
#include <futures/thread_pool_executor.hpp>
#include <futures/throw_with_trace.hpp>
#include <futures/version.hpp>
#include <futures/wait.hpp>
#include <futures/when_all.hpp>
#include <futures/worker.hpp>
