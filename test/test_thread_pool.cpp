// thread_pool_executor: submit, threads, names, initializer, shutdown, max_pending.
// Mirrors CPython's test_thread_pool.py, test_shutdown.py (thread rows), test_init.py
// and executor.py where they apply (see docs/python.md: "Executor and map", "Thread
// pool", "Bounded queue").
//
// Rules followed here: no sleeping to wait for something (events, futures and the
// library's timed calls only); every blocking call has a timeout or is covered by the
// per-test watchdog; assertions only on the main thread (other threads record).
//
// TSan: tests that inspect an exception created on a worker end with
// shutdown(true), so that the worker has dropped its references before ours go.
// libstdc++'s exception_ptr reference count is not instrumented, and TSan would
// otherwise report a false race when a worker frees an exception we read.
#define BOOST_TEST_MODULE thread_pool
#include <boost/test/unit_test.hpp>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include <futures/errors.hpp>
#include <futures/future.hpp>
#include <futures/thread_pool_executor.hpp>
#include <futures/wait.hpp>

#include "support/deadline.hpp"

using namespace std::chrono_literals;
using futures_test::event;

namespace {

// Generous bound for things that must happen: only a broken library reaches it.
constexpr auto patience = 30s;
// How long we watch something that must NOT happen (a blocked submit staying
// blocked). A slow machine can only make this check pass, never fail it.
constexpr auto not_happening = 200ms;

std::string current_thread_name() {
    char buf[64] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    return buf;
}

int twice(int x) { return 2 * x; }

struct accumulator {
    int total = 0;
    int add(int x) {
        total += x;
        return total;
    }
};

// Records a value from a worker thread, for the main thread to check later.
template <class T>
class recorder {
public:
    void add(T v) {
        std::lock_guard lk(m_);
        v_.push_back(std::move(v));
    }
    std::vector<T> values() const {
        std::lock_guard lk(m_);
        return v_;
    }

private:
    mutable std::mutex m_;
    std::vector<T> v_;
};

// Expected name for worker `index` of a pool named `prefix`, as Linux shows it.
std::string os_name(const std::string& prefix, std::size_t index) {
    return (prefix + "_" + std::to_string(index)).substr(0, 15);
}

// Blocks one worker until released; `started` tells when it holds the worker.
struct blocker {
    event started;
    event gate;
    auto task() {
        return [this] {
            started.set();
            return gate.wait_for(patience);
        };
    }
};

}  // namespace

// ---------------------------------------------------------------------------------
// submit(): callables, arguments, results, exceptions
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(submit_lambda_with_arguments_returns_its_value) {
    futures::thread_pool_executor ex(2);
    auto f = ex.submit(
        [](int base, int exp) {
            int r = 1;
            for (int i = 0; i < exp; ++i) r *= base;
            return r;
        },
        2, 8);  // CPython test_submit: pow(2, 8)
    BOOST_TEST(f.result(patience) == 256);
}

BOOST_AUTO_TEST_CASE(submit_function_pointer) {
    futures::thread_pool_executor ex(2);
    auto f = ex.submit(&twice, 21);
    auto g = ex.submit(twice, 5);  // a function name decays to a pointer
    BOOST_TEST(f.result(patience) == 42);
    BOOST_TEST(g.result(patience) == 10);
}

BOOST_AUTO_TEST_CASE(submit_member_function_via_mem_fn) {
    futures::thread_pool_executor ex(1);
    accumulator acc;
    auto f = ex.submit(std::mem_fn(&accumulator::add), &acc, 5);
    BOOST_TEST(f.result(patience) == 5);
    auto g = ex.submit(std::mem_fn(&accumulator::add), std::ref(acc), 7);
    BOOST_TEST(g.result(patience) == 12);
    // A bare pointer to member works too (std::invoke semantics).
    auto h = ex.submit(&accumulator::add, &acc, 1);
    BOOST_TEST(h.result(patience) == 13);
    BOOST_TEST(acc.total == 13);
}

BOOST_AUTO_TEST_CASE(submit_move_only_argument) {
    futures::thread_pool_executor ex(1);
    auto p = std::make_unique<int>(41);
    auto f = ex.submit([](std::unique_ptr<int> q) { return *q + 1; }, std::move(p));
    BOOST_TEST(!p);
    BOOST_TEST(f.result(patience) == 42);
}

BOOST_AUTO_TEST_CASE(submit_move_only_callable) {
    futures::thread_pool_executor ex(1);
    auto f = ex.submit([q = std::make_unique<int>(7)] { return *q * 6; });
    BOOST_TEST(f.result(patience) == 42);
}

BOOST_AUTO_TEST_CASE(submit_move_only_result_is_moved_out_once) {
    futures::thread_pool_executor ex(1);
    auto f = ex.submit([] { return std::make_unique<int>(42); });
    std::unique_ptr<int> r = f.result(patience);
    BOOST_REQUIRE(r);
    BOOST_TEST(*r == 42);
    // future.hpp: a second retrieval of a move-only result throws invalid_state_error.
    BOOST_CHECK_THROW(f.result(patience), futures::invalid_state_error);
}

// std::is_copy_constructible is true for every std::vector, even of move-only
// elements: the library must look inside containers to move such results out.
BOOST_AUTO_TEST_CASE(submit_move_only_container_result) {
    futures::thread_pool_executor ex(1);
    auto f = ex.submit([] {
        std::vector<std::unique_ptr<int>> v;
        v.push_back(std::make_unique<int>(42));
        return v;
    });
    auto v = f.result(patience);
    BOOST_REQUIRE(v.size() == 1u);
    BOOST_TEST(*v[0] == 42);
}

BOOST_AUTO_TEST_CASE(submit_void_callable) {
    futures::thread_pool_executor ex(1);
    std::atomic<int> ran{0};
    futures::future<void> f = ex.submit([&] { ++ran; });
    BOOST_CHECK_NO_THROW(f.result(patience));
    BOOST_TEST(ran.load() == 1);
}

BOOST_AUTO_TEST_CASE(arguments_are_destroyed_right_after_the_call) {
    // CPython test_no_stale_references (issue 16284): the worker does not keep the
    // call's arguments alive once it has run.
    futures::thread_pool_executor ex(1);
    auto arg = std::make_shared<int>(3);
    std::weak_ptr<int> watch = arg;
    auto f = ex.submit([](std::shared_ptr<int> p) { return *p; }, std::move(arg));
    BOOST_TEST(f.result(patience) == 3);
    // The arguments are dropped before the result is published.
    BOOST_TEST(watch.expired());
}

BOOST_AUTO_TEST_CASE(callable_is_destroyed_when_the_future_is_discarded) {
    futures::thread_pool_executor ex(1);
    auto obj = std::make_shared<int>(1);
    std::weak_ptr<int> watch = obj;
    event done;
    {
        auto f = ex.submit([obj = std::move(obj), &done] { done.set(); });
        (void)f;
    }  // our handle is gone; only the queue holds the call
    BOOST_TEST(done.wait_for(patience));
    ex.shutdown(true);  // the worker has finished with the task
    BOOST_TEST(watch.expired());
}

BOOST_AUTO_TEST_CASE(exception_from_the_call_becomes_the_future_exception) {
    futures::thread_pool_executor ex(1);
    auto f = ex.submit([]() -> int { throw std::domain_error("boom"); });
    BOOST_CHECK_EXCEPTION(f.result(patience), std::domain_error,
                          [](const std::domain_error& e) { return std::string(e.what()) == "boom"; });
    auto e = f.exception(patience);
    BOOST_REQUIRE(e);
    BOOST_CHECK_THROW(std::rethrow_exception(e), std::domain_error);
    BOOST_TEST(f.done());
    BOOST_TEST(!f.cancelled());
    ex.shutdown(true);  // see "TSan" at the top
}

BOOST_AUTO_TEST_CASE(non_std_exception_is_captured_too) {
    // Python captures any BaseException; we capture anything thrown.
    futures::thread_pool_executor ex(1);
    auto f = ex.submit([]() -> int { throw 42; });
    BOOST_CHECK_EXCEPTION(f.result(patience), int, [](int v) { return v == 42; });
    ex.shutdown(true);  // see "TSan" at the top
}

BOOST_AUTO_TEST_CASE(pool_keeps_working_after_a_call_throws) {
    futures::thread_pool_executor ex(1);
    auto bad = ex.submit([]() -> int { throw std::runtime_error("x"); });
    BOOST_CHECK_THROW(bad.result(patience), std::runtime_error);
    BOOST_TEST(ex.submit([] { return 5; }).result(patience) == 5);
    ex.shutdown(true);  // see "TSan" at the top
}

BOOST_AUTO_TEST_CASE(cancelled_queued_call_never_runs) {
    futures::thread_pool_executor ex(1);
    blocker b;
    auto first = ex.submit(b.task());
    BOOST_REQUIRE(b.started.wait_for(patience));
    std::atomic<bool> ran{false};
    auto second = ex.submit([&] {
        ran = true;
        return 1;
    });
    BOOST_TEST(second.cancel());
    BOOST_TEST(second.cancelled());
    b.gate.set();
    BOOST_TEST(first.result(patience));
    ex.shutdown(true);
    BOOST_TEST(!ran.load());
    BOOST_CHECK_THROW(second.result(patience), futures::cancelled_error);
}

// ---------------------------------------------------------------------------------
// Threads: lazy start, reuse, saturation, max_workers
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(no_threads_at_construction) {
    futures::thread_pool_executor a;
    futures::thread_pool_executor b(5);
    BOOST_TEST(a.thread_count() == 0u);
    BOOST_TEST(b.thread_count() == 0u);
    BOOST_TEST(b.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(sequential_submits_reuse_the_idle_thread) {
    // CPython test_idle_thread_reuse.
    futures::thread_pool_executor ex(4);
    for (int i = 0; i < 5; ++i) BOOST_TEST(ex.submit([i] { return i; }).result(patience) == i);
    BOOST_TEST(ex.thread_count() == 1u);
}

BOOST_AUTO_TEST_CASE(saturation_starts_exactly_max_workers_threads) {
    // CPython test_saturation: 60 blocking calls on 4 workers → 4 threads.
    futures::thread_pool_executor ex(4);
    event gate;
    std::vector<futures::future<bool>> fs;
    for (int i = 0; i < 60; ++i) fs.push_back(ex.submit([&] { return gate.wait_for(patience); }));
    BOOST_TEST(ex.thread_count() == 4u);
    gate.set();
    for (auto& f : fs) BOOST_TEST(f.result(patience));
    BOOST_TEST(ex.thread_count() == 4u);
}

BOOST_AUTO_TEST_CASE(default_max_workers_is_min_32_cores_plus_4) {
    cpu_set_t set;
    CPU_ZERO(&set);
    BOOST_REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
    std::size_t cores = static_cast<std::size_t>(CPU_COUNT(&set));
    futures::thread_pool_executor ex;
    BOOST_TEST(ex.max_workers() == std::min<std::size_t>(32, cores + 4));
}

BOOST_AUTO_TEST_CASE(explicit_max_workers_is_reported) {
    futures::thread_pool_executor a(3);
    futures::thread_pool_executor b(futures::thread_pool_options{.max_workers = 64});
    BOOST_TEST(a.max_workers() == 3u);
    BOOST_TEST(b.max_workers() == 64u);
}

BOOST_AUTO_TEST_CASE(zero_max_workers_throws_invalid_argument) {
    // CPython test_max_workers_negative.
    BOOST_CHECK_THROW(futures::thread_pool_executor ex(0), std::invalid_argument);
    BOOST_CHECK_THROW(futures::thread_pool_executor ex(futures::thread_pool_options{.max_workers = 0}),
                      std::invalid_argument);
}

// ---------------------------------------------------------------------------------
// Thread names
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(thread_names_use_the_prefix_and_index) {
    // CPython test_thread_names_assigned: 5 workers named SpecialPool_0..4.
    constexpr int n = 5;
    futures::thread_pool_executor ex(
        futures::thread_pool_options{.max_workers = n, .thread_name_prefix = "SpecialPool"});
    recorder<std::string> names;
    std::atomic<int> arrived{0};
    event all_arrived;
    std::vector<futures::future<bool>> fs;
    for (int i = 0; i < n; ++i)
        fs.push_back(ex.submit([&] {
            names.add(current_thread_name());
            if (++arrived == n) all_arrived.set();
            return all_arrived.wait_for(patience);  // hold the thread so each call gets its own
        }));
    for (auto& f : fs) BOOST_TEST(f.result(patience));
    auto got = names.values();
    std::set<std::string> got_set(got.begin(), got.end());
    std::set<std::string> want;
    for (int i = 0; i < n; ++i) want.insert(os_name("SpecialPool", i));
    BOOST_TEST(got_set == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(long_thread_name_is_truncated_to_15_bytes) {
    futures::thread_pool_executor ex(
        futures::thread_pool_options{.max_workers = 1, .thread_name_prefix = "AVeryLongThreadNamePrefix"});
    auto name = ex.submit(current_thread_name).result(patience);
    BOOST_TEST(name == "AVeryLongThread");
    BOOST_TEST(name.size() == 15u);
}

BOOST_AUTO_TEST_CASE(default_thread_names_are_threadpool_n_index) {
    // CPython test_thread_names_default (our default prefix is "ThreadPool-<n>").
    // n comes from a process-wide counter, so parse it rather than guess it.
    futures::thread_pool_executor a(1);
    futures::thread_pool_executor b(1);
    auto na = a.submit(current_thread_name).result(patience);
    auto nb = b.submit(current_thread_name).result(patience);
    auto check = [](const std::string& name) {
        const std::string head = "ThreadPool-";
        if (name.rfind(head, 0) != 0) return false;
        std::size_t i = head.size();
        while (i < name.size() && name[i] >= '0' && name[i] <= '9') ++i;
        if (i == head.size()) return false;
        return name == os_name(name.substr(0, i), 0);
    };
    BOOST_TEST(check(na), "name: " << na);
    BOOST_TEST(check(nb), "name: " << nb);
    BOOST_TEST(na != nb);  // each pool takes its own number
}

// ---------------------------------------------------------------------------------
// Initializer
// ---------------------------------------------------------------------------------

namespace {
thread_local bool tl_initialized = false;
}

BOOST_AUTO_TEST_CASE(initializer_runs_once_per_thread_before_its_calls) {
    // CPython test_init.py InitializerTest, plus "once per thread".
    constexpr int n = 3;
    std::atomic<int> inits{0};
    recorder<std::thread::id> init_threads;
    futures::thread_pool_executor ex(futures::thread_pool_options{
        .max_workers = n,
        .initializer =
            [&] {
                tl_initialized = true;
                ++inits;
                init_threads.add(std::this_thread::get_id());
            },
    });
    std::atomic<int> arrived{0};
    event all_arrived;
    struct seen {
        bool initialized;
        std::thread::id id;
    };
    std::vector<futures::future<seen>> fs;
    // n blocking calls force n threads.
    for (int i = 0; i < n; ++i)
        fs.push_back(ex.submit([&] {
            if (++arrived == n) all_arrived.set();
            (void)all_arrived.wait_for(patience);
            return seen{tl_initialized, std::this_thread::get_id()};
        }));
    // Then more calls, which reuse those threads.
    for (int i = 0; i < 20; ++i)
        fs.push_back(ex.submit([] { return seen{tl_initialized, std::this_thread::get_id()}; }));
    std::set<std::thread::id> task_threads;
    for (auto& f : fs) {
        auto s = f.result(patience);
        BOOST_TEST(s.initialized);
        task_threads.insert(s.id);
    }
    BOOST_TEST(ex.thread_count() == std::size_t(n));
    BOOST_TEST(inits.load() == n);
    auto ids = init_threads.values();
    std::set<std::thread::id> init_set(ids.begin(), ids.end());
    BOOST_TEST(init_set.size() == ids.size());  // never twice on one thread
    BOOST_TEST((init_set == task_threads));
}

namespace {
futures::thread_pool_options failing_init_options() {
    return futures::thread_pool_options{
        .max_workers = 2,
        .initializer = [] { throw std::invalid_argument("error in initializer"); },
    };
}
}  // namespace

BOOST_AUTO_TEST_CASE(failing_initializer_fails_queued_futures_with_broken_thread_pool) {
    // CPython FailingInitializerTest: either submit() raises BrokenExecutor already,
    // or the future does.
    std::atomic<int> ran{0};
    futures::thread_pool_executor ex(failing_init_options());
    std::vector<futures::future<int>> fs;
    int submit_broken = 0;
    for (int i = 0; i < 5; ++i) {
        try {
            fs.push_back(ex.submit([&] { return ++ran; }));
        } catch (const futures::broken_thread_pool&) {
            ++submit_broken;
        }
    }
    BOOST_TEST_REQUIRE(!fs.empty());  // the first submit cannot see a broken pool yet
    for (auto& f : fs) {
        BOOST_CHECK_EXCEPTION(f.result(patience), futures::broken_thread_pool,
                              [](const futures::broken_thread_pool& e) {
                                  return std::string(e.what()).find("initializer") != std::string::npos;
                              });
    }
    BOOST_TEST(ran.load() == 0);
    BOOST_TEST_MESSAGE("submits that threw at once: " << submit_broken);
    ex.shutdown(true);  // see "TSan" at the top
}

BOOST_AUTO_TEST_CASE(submit_after_failed_initializer_throws_broken_thread_pool) {
    std::atomic<int> ran{0};
    futures::thread_pool_executor ex(failing_init_options());
    auto f = ex.submit([&] { return ++ran; });
    BOOST_CHECK_THROW(f.result(patience), futures::broken_thread_pool);
    // The pool is marked broken before any queued future fails, so from now on:
    BOOST_CHECK_THROW(ex.submit([&] { return ++ran; }), futures::broken_thread_pool);
    BOOST_CHECK_THROW(ex.submit([&] { return ++ran; }), futures::broken_thread_pool);
    BOOST_TEST(ran.load() == 0);
    ex.shutdown(true);  // see "TSan" at the top
}

BOOST_AUTO_TEST_CASE(broken_thread_pool_is_a_broken_executor_and_a_runtime_error) {
    std::atomic<int> ran{0};
    futures::thread_pool_executor ex(failing_init_options());
    auto f = ex.submit([&] { return ++ran; });
    BOOST_CHECK_THROW(f.result(patience), futures::broken_executor);
    BOOST_CHECK_THROW(f.result(patience), std::runtime_error);
    BOOST_CHECK_THROW(ex.submit([] { return 0; }), futures::broken_executor);
    BOOST_CHECK_THROW(ex.submit([] { return 0; }), std::runtime_error);
    ex.shutdown(true);  // shutting down a broken pool is fine
}

// ---------------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(submit_after_shutdown_throws_runtime_error) {
    // CPython test_run_after_shutdown: a plain RuntimeError.
    futures::thread_pool_executor ex(2);
    ex.shutdown();
    BOOST_CHECK_EXCEPTION(ex.submit([] { return 1; }), std::runtime_error, [](const std::runtime_error& e) {
        return typeid(e) == typeid(std::runtime_error) &&
               std::string(e.what()) == "cannot schedule new futures after shutdown";
    });
}

BOOST_AUTO_TEST_CASE(shutdown_wait_drains_queued_calls) {
    // CPython test_hang_issue12364: queued work still runs; shutdown(wait) returns
    // only once every call has finished.
    futures::thread_pool_executor ex(1);
    blocker b;
    auto first = ex.submit(b.task());
    BOOST_REQUIRE(b.started.wait_for(patience));
    std::atomic<int> ran{0};
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 50; ++i)
        fs.push_back(ex.submit([&ran, i] {
            ++ran;
            return i;
        }));
    BOOST_TEST(ex.pending() == 50u);
    b.gate.set();
    ex.shutdown(true);
    BOOST_TEST(ran.load() == 50);
    BOOST_TEST(first.done());
    for (int i = 0; i < 50; ++i) {
        BOOST_TEST(fs[i].done());
        BOOST_TEST(fs[i].result(0s) == i);
    }
}

BOOST_AUTO_TEST_CASE(shutdown_twice_is_fine) {
    futures::thread_pool_executor ex(2);
    BOOST_TEST(ex.submit([] { return 1; }).result(patience) == 1);
    BOOST_CHECK_NO_THROW(ex.shutdown());
    BOOST_CHECK_NO_THROW(ex.shutdown());
    BOOST_CHECK_NO_THROW(ex.shutdown(false, true));
}

BOOST_AUTO_TEST_CASE(shutdown_of_an_unused_pool_returns) {
    futures::thread_pool_executor ex(2);
    ex.shutdown(true);
    BOOST_TEST(ex.thread_count() == 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_after_cancelling_a_future_does_not_hang) {
    // CPython test_hang_gh94440.
    futures::thread_pool_executor ex(1);
    BOOST_TEST(ex.submit([] { return 0; }).result(patience) == 0);
    ex.submit([] { return 0; }).cancel();
    ex.shutdown(true);
}

BOOST_AUTO_TEST_CASE(shutdown_cancel_futures_cancels_queued_calls_only) {
    // CPython test_cancel_futures, made deterministic: one worker runs a call that
    // stays running until the last queued future is cancelled; shutdown(wait=true,
    // cancel_futures=true) must cancel the queued ones and let the running one finish.
    futures::thread_pool_executor ex(1);
    event started, last_cancelled;
    auto running = ex.submit([&] {
        started.set();
        return last_cancelled.wait_for(patience);
    });
    BOOST_REQUIRE(started.wait_for(patience));
    std::atomic<int> ran{0};
    std::vector<futures::future<int>> queued;
    for (int i = 0; i < 20; ++i) queued.push_back(ex.submit([&] { return ++ran; }));
    queued.back().add_done_callback([&](const futures::future<int>&) { last_cancelled.set(); });

    ex.shutdown(true, true);

    BOOST_TEST(running.done());
    BOOST_TEST(!running.cancelled());
    BOOST_TEST(running.result(0s));  // released by the cancellation, not by the timeout
    for (auto& f : queued) {
        BOOST_TEST(f.cancelled());
        BOOST_TEST(f.done());
        BOOST_CHECK_THROW(f.result(0s), futures::cancelled_error);
    }
    BOOST_TEST(ran.load() == 0);
    // Cancelled futures count as done for futures::wait (see future_state.hpp).
    auto r = futures::wait(queued, 0s);
    BOOST_TEST(r.done.size() == queued.size());
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(futures_cancelled_by_shutdown_release_a_waiter_while_a_call_still_runs) {
    // The cpython#109934 difference: wait() on the cancelled futures returns although
    // the running call has not finished.
    futures::thread_pool_executor ex(1);
    blocker b;
    auto running = ex.submit(b.task());
    BOOST_REQUIRE(b.started.wait_for(patience));
    std::vector<futures::future<int>> queued;
    for (int i = 0; i < 10; ++i) queued.push_back(ex.submit([i] { return i; }));

    ex.shutdown(false, true);

    auto r = futures::wait(queued, patience, futures::return_when::all_completed);
    BOOST_TEST(r.not_done.empty());
    for (auto& f : queued) BOOST_TEST(f.cancelled());
    BOOST_TEST(running.running());
    BOOST_TEST(!running.done());
    b.gate.set();
    BOOST_TEST(running.result(patience));
    ex.shutdown(true);
}

BOOST_AUTO_TEST_CASE(shutdown_without_wait_returns_while_a_call_runs) {
    // CPython test_shutdown_no_wait / test_hang_gh83386: shutdown(wait=false) returns
    // at once; the running call still completes afterwards.
    futures::thread_pool_executor ex(2);
    blocker b;
    auto f = ex.submit(b.task());
    BOOST_REQUIRE(b.started.wait_for(patience));

    event returned;
    std::thread t([&] {
        ex.shutdown(false);
        returned.set();
    });
    bool did_return = returned.wait_for(patience);
    bool still_running = f.running() && !f.done();
    b.gate.set();  // release the call whatever happened, so nothing hangs
    t.join();
    BOOST_TEST(did_return);
    BOOST_TEST(still_running);
    BOOST_TEST(f.result(patience));
    BOOST_CHECK_THROW(ex.submit([] { return 0; }), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(shutdown_without_wait_still_runs_queued_calls) {
    futures::thread_pool_executor ex(1);
    blocker b;
    auto first = ex.submit(b.task());
    BOOST_REQUIRE(b.started.wait_for(patience));
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 10; ++i) fs.push_back(ex.submit([i] { return i * i; }));
    ex.shutdown(false);
    b.gate.set();
    for (int i = 0; i < 10; ++i) BOOST_TEST(fs[i].result(patience) == i * i);
    BOOST_TEST(first.result(patience));
}

BOOST_AUTO_TEST_CASE(destructor_waits_for_queued_and_running_calls) {
    // CPython test_context_manager_shutdown / test_del_shutdown: leaving the scope is
    // shutdown(wait=true).
    std::atomic<int> ran{0};
    std::vector<futures::future<int>> fs;
    event gate;
    std::optional<std::thread> releaser;
    {
        futures::thread_pool_executor ex(2);
        for (int i = 0; i < 20; ++i)
            fs.push_back(ex.submit([&, i] {
                (void)gate.wait_for(patience);
                ++ran;
                return i;
            }));
        releaser.emplace([&] { gate.set(); });
    }  // ~thread_pool_executor
    BOOST_TEST(ran.load() == 20);
    for (int i = 0; i < 20; ++i) {
        BOOST_TEST(fs[i].done());
        BOOST_TEST(fs[i].result(0s) == i);
    }
    releaser->join();
}

BOOST_AUTO_TEST_CASE(threads_end_after_shutdown) {
    // CPython test_threads_terminate: 3 blocked calls → 3 threads; after release and
    // shutdown(), they have all been joined (the pool reports no queued work and
    // submit fails); results are intact.
    futures::thread_pool_executor ex(5);
    event gate;
    std::atomic<int> arrived{0};
    event three;
    std::vector<futures::future<bool>> fs;
    for (int i = 0; i < 3; ++i)
        fs.push_back(ex.submit([&] {
            if (++arrived == 3) three.set();
            return gate.wait_for(patience);
        }));
    BOOST_REQUIRE(three.wait_for(patience));
    BOOST_TEST(ex.thread_count() == 3u);
    gate.set();
    ex.shutdown(true);
    for (auto& f : fs) BOOST_TEST(f.result(0s));
    BOOST_TEST(ex.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_from_inside_a_call_does_not_deadlock) {
    std::optional<futures::thread_pool_executor> ex(std::in_place, 2);
    auto f = ex->submit([&] {
        ex->shutdown(true);
        return 7;
    });
    BOOST_TEST(f.result(patience) == 7);
    BOOST_CHECK_THROW(ex->submit([] { return 0; }), std::runtime_error);
    ex.reset();  // the destructor's shutdown must not hang either
}

BOOST_AUTO_TEST_CASE(shutdown_from_inside_a_call_still_runs_queued_calls) {
    futures::thread_pool_executor ex(1);
    event queued_now;
    std::vector<futures::future<int>> later;
    auto f = ex.submit([&] {
        (void)queued_now.wait_for(patience);
        ex.shutdown(true);  // our own thread: it must not wait for itself
        return 1;
    });
    for (int i = 0; i < 5; ++i) later.push_back(ex.submit([i] { return 10 + i; }));
    queued_now.set();
    BOOST_TEST(f.result(patience) == 1);
    for (int i = 0; i < 5; ++i) BOOST_TEST(later[i].result(patience) == 10 + i);
}

BOOST_AUTO_TEST_CASE(done_callback_can_submit_to_the_same_pool) {
    futures::thread_pool_executor ex(2);
    blocker b;
    auto first = ex.submit([&] {
        b.started.set();
        (void)b.gate.wait_for(patience);
        return 20;
    });
    futures::future<int> relay;  // completed by the second call's callback
    std::atomic<int> submit_failed{0};
    first.add_done_callback([&](futures::future<int> f) {
        try {
            auto second = ex.submit([v = f.result()] { return v + 22; });
            second.add_done_callback([relay](futures::future<int> s) { relay.set_result(s.result()); });
        } catch (...) {
            ++submit_failed;
            relay.set_exception(std::current_exception());
        }
    });
    b.gate.set();  // the callback now runs on the worker that finishes `first`
    BOOST_TEST(relay.result(patience) == 42);
    BOOST_TEST(submit_failed.load() == 0);
}

BOOST_AUTO_TEST_CASE(call_can_wait_on_another_future_of_the_same_pool) {
    // Not saturated: the inner call gets a thread of its own.
    futures::thread_pool_executor ex(2);
    auto outer = ex.submit([&] {
        auto inner = ex.submit([] { return 21; });
        return inner.result(patience) * 2;
    });
    BOOST_TEST(outer.result(patience) == 42);
    BOOST_TEST(ex.thread_count() == 2u);
}

// ---------------------------------------------------------------------------------
// max_pending: bounded queue (docs/python.md, "Bounded queue"; bpo-29595)
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(max_pending_blocks_submit_until_a_slot_frees) {
    futures::thread_pool_executor ex(futures::thread_pool_options{.max_workers = 1, .max_pending = 2});
    blocker b;
    auto running = ex.submit(b.task());
    BOOST_REQUIRE(b.started.wait_for(patience));
    auto q1 = ex.submit([] { return 1; });  // queued: 1 of 2
    auto q2 = ex.submit([] { return 2; });  // queued: 2 of 2
    BOOST_TEST(ex.pending() == 2u);

    event submitted;
    std::optional<futures::future<int>> q3;
    std::exception_ptr err;
    std::thread t([&] {
        try {
            q3 = ex.submit([] { return 3; });  // the 4th submit: must block
        } catch (...) {
            err = std::current_exception();
        }
        submitted.set();
    });
    bool returned_early = submitted.wait_for(not_happening);
    std::size_t pending_while_blocked = ex.pending();
    b.gate.set();  // the worker takes q1: a slot frees
    bool resumed = submitted.wait_for(patience);
    t.join();

    BOOST_TEST(!returned_early);
    BOOST_TEST(pending_while_blocked == 2u);
    BOOST_TEST(resumed);
    BOOST_TEST(!err);
    BOOST_REQUIRE(q3.has_value());
    BOOST_TEST(running.result(patience));
    BOOST_TEST(q1.result(patience) == 1);
    BOOST_TEST(q2.result(patience) == 2);
    BOOST_TEST(q3->result(patience) == 3);
}

BOOST_AUTO_TEST_CASE(max_pending_submit_does_not_block_below_the_bound) {
    futures::thread_pool_executor ex(futures::thread_pool_options{.max_workers = 1, .max_pending = 3});
    blocker b;
    auto running = ex.submit(b.task());
    BOOST_REQUIRE(b.started.wait_for(patience));
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 3; ++i) fs.push_back(ex.submit([i] { return i; }));  // returns: 3 ≤ bound
    BOOST_TEST(ex.pending() == 3u);
    b.gate.set();
    for (int i = 0; i < 3; ++i) BOOST_TEST(fs[i].result(patience) == i);
    BOOST_TEST(running.result(patience));
}

BOOST_AUTO_TEST_CASE(shutdown_wakes_a_submitter_blocked_on_max_pending) {
    futures::thread_pool_executor ex(futures::thread_pool_options{.max_workers = 1, .max_pending = 2});
    blocker b;
    auto running = ex.submit(b.task());
    BOOST_REQUIRE(b.started.wait_for(patience));
    auto q1 = ex.submit([] { return 1; });
    auto q2 = ex.submit([] { return 2; });

    event submitted;
    bool got_future = false;
    std::exception_ptr err;
    std::thread t([&] {
        try {
            (void)ex.submit([] { return 3; });
            got_future = true;
        } catch (...) {
            err = std::current_exception();
        }
        submitted.set();
    });
    bool returned_early = submitted.wait_for(not_happening);
    ex.shutdown(false);  // the running call is still blocked: do not wait
    bool woke = submitted.wait_for(patience);
    b.gate.set();
    t.join();

    BOOST_TEST(!returned_early);
    BOOST_TEST(woke);
    BOOST_TEST(!got_future);
    BOOST_REQUIRE(err);
    BOOST_CHECK_EXCEPTION(std::rethrow_exception(err), std::runtime_error, [](const std::runtime_error& e) {
        return std::string(e.what()) == "cannot schedule new futures after shutdown";
    });
    // Queued calls were not cancelled: they still run.
    BOOST_TEST(q1.result(patience) == 1);
    BOOST_TEST(q2.result(patience) == 2);
    BOOST_TEST(running.result(patience));
}
