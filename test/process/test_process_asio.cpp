// Asio integration of the process pool (issue #4, items 1-3, process side):
// async_submit with every token, non-blocking admission under max_pending,
// cancellation, work tracking, completions on the bound executor, and stats().
//
// Rules as in test_asio.cpp: no sleeps; io_context::run_for with a generous bound;
// handler-side code records, the main thread asserts; no capturing lambda inside a
// co_await expression (GCC 12, docs/boost-1.81.md, "Asio").
#define BOOST_TEST_MODULE process_asio
#define BOOST_TEST_NO_MAIN
// First, and everything: FUTURES_TASK (in process/tasks.hpp) must compile after the
// umbrella header, whose internals once had a detail::task that shadowed futures::task.
#include <futures/futures.hpp>

#include "process/test_main.hpp"

#include <signal.h>

#include <exception>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/asio.hpp>

#include <futures/errors.hpp>
#include <futures/process_pool_executor.hpp>
#include <futures/remote_error.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/asio_outcome.hpp"
#include "support/deadline.hpp"

namespace asio = boost::asio;
using futures::process_pool_executor;
using futures::process_pool_options;
using futures_test::is;
using futures_test::is_aborted;
using futures_test::outcome;
using ptest::deadline;
using ptest::eventually;
using namespace std::chrono_literals;

namespace {

asio::awaitable<int> square_awaitable(process_pool_executor& pool, int x) {
    int r = co_await pool.async_submit(square_task, x, asio::use_awaitable);
    co_return r;
}
asio::awaitable<int> failing_tuple(process_pool_executor& pool, std::exception_ptr* e) {
    auto [x, v] = co_await pool.async_submit(fail_negative_task, -1, asio::as_tuple(asio::use_awaitable));
    *e = x;
    co_return v;
}

// Fills a one-worker, max_pending=1 pool: a call that blocks in the worker, then a
// queued one. Returns the blocked worker's pid.
pid_t fill(process_pool_executor& pool, futures::future<int>& blocker, futures::future<int>& queued) {
    pid_t pid = pool.submit(get_pid_task).result(deadline);
    blocker = pool.submit(block_task);
    BOOST_REQUIRE(eventually("the blocker runs", [&] { return blocker.running(); }));
    queued = pool.submit(square_task, 5);
    BOOST_REQUIRE(pool.pending() == 1u);
    return pid;
}

}  // namespace

BOOST_AUTO_TEST_CASE(async_submit_with_every_token) {
    process_pool_executor pool(2);
    asio::io_context ctx;
    outcome cb, def, err;
    pool.async_submit(square_task, 3, asio::bind_executor(ctx, cb.handler()));
    auto op = pool.async_submit(add_task, 4, 5, asio::deferred);
    std::move(op)(asio::bind_executor(ctx, def.handler()));
    pool.async_submit(fail_negative_task, -1, asio::bind_executor(ctx, err.handler()));
    ctx.run_for(deadline);
    BOOST_TEST(cb.calls == 1);
    BOOST_TEST(cb.value == 9);
    BOOST_TEST(def.calls == 1);
    BOOST_TEST(def.value == 9);
    BOOST_TEST(err.calls == 1);
    BOOST_TEST(is<std::out_of_range>(err.e));        // rethrown as its own type
    BOOST_TEST(is<futures::remote_details>(err.e));  // with the worker's details

    std::future<int> sf = pool.async_submit(gcd_task, std::pair{12, 18}, asio::use_future);
    BOOST_REQUIRE(sf.wait_for(deadline) == std::future_status::ready);
    BOOST_TEST(sf.get() == 6);
    std::future<void> sv = pool.async_submit(set_global_task, 1, asio::use_future);
    BOOST_REQUIRE(sv.wait_for(deadline) == std::future_status::ready);
    BOOST_CHECK_NO_THROW(sv.get());

    asio::io_context ctx2;
    outcome aw;
    asio::co_spawn(ctx2, square_awaitable(pool, 7), aw.handler());
    ctx2.run_for(deadline);
    BOOST_TEST(aw.calls == 1);
    BOOST_TEST(aw.value == 49);
    asio::io_context ctx3;
    outcome tup;
    std::exception_ptr e;
    asio::co_spawn(ctx3, failing_tuple(pool, &e), tup.handler());
    ctx3.run_for(deadline);
    BOOST_TEST(tup.calls == 1);
    BOOST_TEST(!tup.e);  // as_tuple: the coroutine itself does not throw
    BOOST_TEST(is<std::out_of_range>(e));
}

BOOST_AUTO_TEST_CASE(completion_runs_on_the_bound_executor_never_inline) {
    process_pool_executor pool(1);
    asio::io_context ctx;
    auto strand = asio::make_strand(ctx);
    outcome o;
    bool in_strand = false;
    auto done = pool.submit(square_task, 1);
    BOOST_REQUIRE(done.result(deadline) == 1);
    pool.async_submit(square_task, 2, asio::bind_executor(strand, [&](std::exception_ptr x, int v) {
                          in_strand = strand.running_in_this_thread();
                          o.handler()(x, v);
                      }));
    BOOST_TEST(o.calls == 0);  // not inside the initiating call
    ctx.run_for(deadline);
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(in_strand);
    BOOST_TEST(o.thread == std::this_thread::get_id());
}

BOOST_AUTO_TEST_CASE(run_does_not_return_while_a_submission_is_outstanding) {
    process_pool_executor pool(1);
    asio::io_context ctx;
    outcome o;
    pool.async_submit(square_task, 6, asio::bind_executor(ctx, o.handler()));
    // run(), not run_for(): it may return only once the handler has run. The
    // watchdog of support/deadline.hpp bounds it.
    ctx.run();
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(o.value == 36);
}

BOOST_AUTO_TEST_CASE(async_submit_does_not_block_when_the_queue_is_full) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .max_pending = 1});
    futures::future<int> blocker, queued;
    pid_t pid = fill(pool, blocker, queued);
    asio::io_context ctx;
    outcome o;
    bool io_thread_was_free = false;
    asio::steady_timer timer(ctx);
    asio::post(ctx, [&] {
        // On the io_context thread: returns at once although the queue is full.
        pool.async_submit(square_task, 3, asio::bind_executor(ctx, o.handler()));
        BOOST_CHECK(pool.pending() == 2u);  // counted while it waits for room
        timer.expires_after(1ms);
        timer.async_wait([&](boost::system::error_code) {
            io_thread_was_free = o.calls == 0;
            ::kill(pid, SIGKILL);  // frees the worker slot: the queue drains
        });
    });
    ctx.run_for(deadline);
    BOOST_TEST(io_thread_was_free);
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(o.value == 9);
    BOOST_TEST(queued.result(deadline) == 25);
    BOOST_TEST(ptest::error_of<futures::terminated_worker_error>(blocker).find(std::to_string(pid)) !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(cancellation_cancels_a_call_no_worker_has_taken) {
    // max_pending 1: the call waits for queue room; 0: it sits in the queue.
    for (std::size_t max_pending : {1u, 0u}) {
        process_pool_executor pool(process_pool_options{.max_workers = 1, .max_pending = max_pending});
        futures::future<int> blocker, queued;
        pid_t pid = fill(pool, blocker, queued);
        asio::io_context ctx;
        asio::cancellation_signal sig;
        int calls = 0;
        bool aborted = false;
        pool.async_submit(
            square_task, 8,
            asio::bind_cancellation_slot(sig.slot(), asio::bind_executor(ctx, [&](std::exception_ptr e, int) {
                                             ++calls;
                                             aborted = is_aborted(e);
                                         })));
        asio::post(ctx, [&] { sig.emit(asio::cancellation_type::terminal); });
        ctx.run_for(deadline);
        BOOST_TEST(calls == 1);
        BOOST_TEST(aborted);
        const auto before = pool.stats().completed;
        ::kill(pid, SIGKILL);  // the queue drains
        BOOST_TEST(queued.result(deadline) == 25);
        pool.shutdown(true);
        BOOST_TEST(pool.stats().completed == before + 1);  // `queued` only: the cancelled call never ran
    }
}

BOOST_AUTO_TEST_CASE(waiting_submissions_are_refused_or_cancelled_at_shutdown) {
    for (bool cancel : {false, true}) {
        process_pool_executor pool(process_pool_options{.max_workers = 1, .max_pending = 1});
        futures::future<int> blocker, queued;
        pid_t pid = fill(pool, blocker, queued);
        std::future<int> waiting = pool.async_submit(square_task, 2, asio::use_future);
        pool.shutdown(false, cancel);
        BOOST_REQUIRE(waiting.wait_for(deadline) == std::future_status::ready);
        if (cancel)
            BOOST_CHECK_THROW(waiting.get(), futures::cancelled_error);
        else
            BOOST_CHECK_THROW(waiting.get(), std::runtime_error);
        ::kill(pid, SIGKILL);
        pool.shutdown(true);
    }
}

BOOST_AUTO_TEST_CASE(errors_submit_would_throw_go_to_the_handler) {
    process_pool_executor pool(1);
    pool.shutdown();
    std::future<int> f = pool.async_submit(square_task, 1, asio::use_future);
    BOOST_REQUIRE(f.wait_for(deadline) == std::future_status::ready);
    BOOST_CHECK_THROW(f.get(), std::runtime_error);

    process_pool_executor broken(process_pool_options{.max_workers = 1, .break_on_worker_death = true});
    BOOST_CHECK_THROW(broken.submit(crash_task, int(ptest::sigkill_self)).result(deadline),
                      futures::terminated_worker_error);
    std::future<int> g = broken.async_submit(square_task, 1, asio::use_future);
    BOOST_REQUIRE(g.wait_for(deadline) == std::future_status::ready);
    BOOST_CHECK_THROW(g.get(), futures::broken_process_pool);
}

BOOST_AUTO_TEST_CASE(handler_that_submits_again_does_not_deadlock) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .max_pending = 1});
    asio::io_context ctx;
    int chain = 0, last = 0;
    std::function<void(std::exception_ptr, int)> next = [&](std::exception_ptr, int v) {
        last = v;
        if (++chain < 20) pool.async_submit(square_task, chain, asio::bind_executor(ctx, next));
    };
    pool.async_submit(square_task, 0, asio::bind_executor(ctx, next));
    ctx.run_for(deadline);
    BOOST_TEST(chain == 20);
    BOOST_TEST(last == 19 * 19);
}

BOOST_AUTO_TEST_CASE(stats_count_workers_calls_and_deaths) {
    process_pool_executor pool(2);
    auto s0 = pool.stats();
    BOOST_TEST(s0.max_workers == 2u);
    BOOST_TEST(s0.workers == 0u);
    BOOST_TEST(s0.completed == 0u);
    for (int i = 0; i < 10; ++i) BOOST_TEST(pool.submit(square_task, i).result(deadline) == i * i);
    auto blocker = pool.submit(block_task);
    BOOST_REQUIRE(eventually("the blocker runs", [&] { return blocker.running(); }));
    // running() turns true just before the call is sent and counted.
    BOOST_REQUIRE(eventually("stats count it running", [&] { return pool.stats().running == 1u; }));
    auto s1 = pool.stats();
    BOOST_TEST(s1.completed == 10u);
    BOOST_TEST(s1.workers >= 1u);
    BOOST_TEST(s1.worker_deaths == 0u);
    BOOST_CHECK_THROW(pool.submit(crash_task, int(ptest::abort_it)).result(deadline), futures::terminated_worker_error);
    pool.kill_workers();  // forced: not counted as a death
    BOOST_CHECK_THROW(blocker.result(deadline), futures::terminated_worker_error);
    pool.shutdown(true);
    auto s2 = pool.stats();
    BOOST_TEST(s2.worker_deaths == 1u);
    BOOST_TEST(s2.running == 0u);
    BOOST_TEST(s2.completed == 10u);
    BOOST_TEST(s2.workers == 0u);
}
