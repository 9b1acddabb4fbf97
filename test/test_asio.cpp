// Asio integration: future::async_wait, thread_pool_executor::async_submit and the
// completion_executor option (issue #4, items 1-3, thread pool side).
//
// Rules followed here: no sleeping to wait for something; io_context::run_for with
// a generous bound, futures_test::event and timed result() only. Every io_context
// is run on the main thread, so handler-side checks record and the main thread
// asserts. Coroutines never create a capturing lambda inside a co_await
// expression (GCC 12 double free, docs/boost-1.81.md, "Asio").
//
// Pool calls make no assertions (Boost.Test is not thread-safe); they only wait.
// TSan: exceptions are created on workers and read here; see test/tsan.supp.
#define BOOST_TEST_MODULE asio
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>

#include <boost/asio.hpp>

#include <futures/errors.hpp>
#include <futures/future.hpp>
#include <futures/thread_pool_executor.hpp>

#include "support/asio_outcome.hpp"
#include "support/deadline.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using futures_test::event;
using futures_test::is;
using futures_test::is_aborted;
using futures_test::outcome;

namespace {

constexpr auto patience = 30s;

struct boom : std::runtime_error {
    boom() : std::runtime_error("boom") {}
};

std::string what_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "?";
    }
}

futures::future<int> done_with(int v) {
    futures::future<int> f;
    f.set_result(v);
    return f;
}
futures::future<int> failed() {
    futures::future<int> f;
    f.set_exception(boom());
    return f;
}

asio::awaitable<int> await_value(futures::future<int> f) {
    int r = co_await f.async_wait(asio::use_awaitable);
    co_return r;
}
asio::awaitable<int> await_tuple(futures::future<int> f, std::exception_ptr* e) {
    auto [x, v] = co_await f.async_wait(asio::as_tuple(asio::use_awaitable));
    *e = x;
    co_return v;
}
int triple(int x) { return 3 * x; }
int fail_with(int) { throw boom(); }
asio::awaitable<int> submit_awaitable(futures::thread_pool_executor& pool, int x) {
    int r = co_await pool.async_submit(triple, x, asio::use_awaitable);
    co_return r;
}
asio::awaitable<int> submit_tuple(futures::thread_pool_executor& pool, std::exception_ptr* e) {
    auto [x, v] = co_await pool.async_submit(fail_with, 1, asio::as_tuple(asio::use_awaitable));
    *e = x;
    co_return v;
}

// Runs coroutine c on ctx and returns its co_spawn outcome.
template <class Awaitable>
outcome spawn_and_run(asio::io_context& ctx, Awaitable c) {
    outcome o;
    asio::co_spawn(ctx, std::move(c), o.handler());
    ctx.run_for(patience);
    return o;
}

}  // namespace

// ---- async_wait: every token ------------------------------------------------------

BOOST_AUTO_TEST_CASE(callback_runs_on_its_executor_and_never_inline) {
    asio::io_context ctx;
    outcome o;
    bool returned = false;
    bool ran_inline = false;
    auto f = done_with(7);
    auto cb = o.handler();
    f.async_wait(asio::bind_executor(ctx, [&](std::exception_ptr e, int v) {
        ran_inline = !returned;
        cb(e, v);
    }));
    returned = true;
    BOOST_TEST(o.calls == 0);  // already done, still posted
    ctx.run_for(patience);
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(!ran_inline);
    BOOST_TEST(!o.e);
    BOOST_TEST(o.value == 7);
    BOOST_TEST((o.thread == std::this_thread::get_id()));
}

BOOST_AUTO_TEST_CASE(plain_callback_runs_on_the_system_executor) {
    // Another thread (the system executor's), so never inline in the initiating
    // call even though the future is already done.
    std::atomic<int> value{0};
    event ran;
    auto main_id = std::this_thread::get_id();
    std::atomic<bool> on_main{true};
    done_with(5).async_wait([&](std::exception_ptr, int v) {
        on_main = std::this_thread::get_id() == main_id;
        value = v;
        ran.set();
    });
    BOOST_REQUIRE(ran.wait_for(patience));
    BOOST_TEST(!on_main.load());
    BOOST_TEST(value.load() == 5);
}

BOOST_AUTO_TEST_CASE(use_future_delivers_value_and_exception) {
    std::future<int> ok = done_with(3).async_wait(asio::use_future);
    std::future<int> bad = failed().async_wait(asio::use_future);
    futures::future<int> c;
    c.cancel();
    std::future<int> cancelled = c.async_wait(asio::use_future);
    BOOST_REQUIRE(ok.wait_for(patience) == std::future_status::ready);
    BOOST_TEST(ok.get() == 3);
    BOOST_REQUIRE(bad.wait_for(patience) == std::future_status::ready);
    BOOST_CHECK_THROW(bad.get(), boom);
    BOOST_REQUIRE(cancelled.wait_for(patience) == std::future_status::ready);
    BOOST_CHECK_THROW(cancelled.get(), futures::cancelled_error);
}

BOOST_AUTO_TEST_CASE(use_awaitable_returns_or_throws) {
    asio::io_context ctx;
    auto o = spawn_and_run(ctx, await_value(done_with(11)));
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(!o.e);
    BOOST_TEST(o.value == 11);

    asio::io_context ctx2;
    auto o2 = spawn_and_run(ctx2, await_value(failed()));
    BOOST_TEST(o2.calls == 1);
    BOOST_TEST(is<boom>(o2.e));  // co_await rethrew it inside the coroutine
}

BOOST_AUTO_TEST_CASE(as_tuple_delivers_the_pair) {
    asio::io_context ctx;
    std::exception_ptr e;
    auto o = spawn_and_run(ctx, await_tuple(failed(), &e));
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(!o.e);  // as_tuple: nothing thrown
    BOOST_TEST(is<boom>(e));
    BOOST_TEST(o.value == 0);
}

BOOST_AUTO_TEST_CASE(deferred_starts_only_when_invoked) {
    asio::io_context ctx;
    outcome o, bad;
    auto op = done_with(9).async_wait(asio::deferred);
    auto op2 = failed().async_wait(asio::deferred);
    ctx.run_for(1ms);  // nothing was started, so nothing runs
    BOOST_TEST(o.calls == 0);
    ctx.restart();
    std::move(op)(asio::bind_executor(ctx, o.handler()));
    std::move(op2)(asio::bind_executor(ctx, bad.handler()));
    ctx.run_for(patience);
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(o.value == 9);
    BOOST_TEST(bad.calls == 1);
    BOOST_TEST(what_of(bad.e) == "boom");
}

BOOST_AUTO_TEST_CASE(void_and_any_future) {
    asio::io_context ctx;
    futures::future<void> v;
    v.set_result();
    futures::any_future a = failed();
    int calls = 0;
    std::exception_ptr ve = std::make_exception_ptr(1), ae;
    v.async_wait(asio::bind_executor(ctx, [&](std::exception_ptr e) { ++calls, ve = e; }));
    a.async_wait(asio::bind_executor(ctx, [&](std::exception_ptr e) { ++calls, ae = e; }));
    ctx.run_for(patience);
    BOOST_TEST(calls == 2);
    BOOST_TEST(!ve);
    BOOST_TEST(is<boom>(ae));
}

// ---- executors and work -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(handler_runs_in_its_strand) {
    asio::io_context ctx;
    auto strand = asio::make_strand(ctx);
    futures::thread_pool_executor pool(2);
    auto f = pool.submit([] { return 4; });
    bool in_strand = false;
    int value = 0;
    f.async_wait(asio::bind_executor(strand, [&](std::exception_ptr, int v) {
        in_strand = strand.running_in_this_thread();
        value = v;
    }));
    ctx.run_for(patience);
    BOOST_TEST(in_strand);
    BOOST_TEST(value == 4);
}

BOOST_AUTO_TEST_CASE(run_does_not_return_while_a_wait_is_outstanding) {
    asio::io_context ctx;
    futures::thread_pool_executor pool(1);
    event gate;
    auto f = pool.submit([&] {
        (void)gate.wait_for(patience);
        return 1;
    });
    outcome o;
    f.async_wait(asio::bind_executor(ctx, o.handler()));
    // The only other work: open the gate. Without the wait's work guard, run_for
    // would return right after this handler, before the call finishes.
    asio::post(ctx, [&] { gate.set(); });
    auto start = std::chrono::steady_clock::now();
    ctx.run_for(patience);
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(o.value == 1);
    BOOST_TEST((std::chrono::steady_clock::now() - start < patience));
}

// ---- cancellation -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(cancellation_aborts_the_wait_once_and_lets_go_of_the_handler) {
    for (auto type :
         {asio::cancellation_type::terminal, asio::cancellation_type::partial, asio::cancellation_type::total}) {
        asio::io_context ctx;
        asio::cancellation_signal sig;
        futures::future<int> f;  // never completed during the wait
        outcome o;
        auto token = std::make_shared<int>(0);  // the handler's state
        std::weak_ptr<int> alive = token;
        auto cb = o.handler();
        f.async_wait(asio::bind_cancellation_slot(
            sig.slot(), asio::bind_executor(
                            ctx, [cb, token = std::move(token)](std::exception_ptr e, int v) mutable { cb(e, v); })));
        asio::post(ctx, [&] { sig.emit(type); });
        ctx.run_for(patience);
        BOOST_TEST(o.calls == 1);
        BOOST_TEST(is_aborted(o.e));
        BOOST_TEST((f.state() == futures::future_state::pending));  // the future is left alone
        BOOST_TEST(alive.expired());  // the loser (the done-callback) holds nothing of ours
        f.set_result(1);              // completes the loser: no second call
        ctx.restart();
        ctx.run_for(10ms);
        BOOST_TEST(o.calls == 1);
    }
}

BOOST_AUTO_TEST_CASE(cancel_task_on_cancel_cancels_a_call_that_has_not_started) {
    asio::io_context ctx;
    futures::thread_pool_executor pool(1);
    event gate;
    auto blocker = pool.submit([&] { (void)gate.wait_for(patience); });
    auto queued = pool.submit([] { return 2; });
    asio::cancellation_signal sig;
    outcome o;
    queued.async_wait(futures::cancel_task_on_cancel,
                      asio::bind_cancellation_slot(sig.slot(), asio::bind_executor(ctx, o.handler())));
    asio::post(ctx, [&] { sig.emit(asio::cancellation_type::terminal); });
    ctx.run_for(patience);
    gate.set();
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(is_aborted(o.e));
    BOOST_TEST(queued.cancelled());
    blocker.result(patience);
}

BOOST_AUTO_TEST_CASE(completion_clears_the_slot) {
    asio::io_context ctx;
    asio::cancellation_signal sig;
    outcome o;
    done_with(1).async_wait(asio::bind_cancellation_slot(sig.slot(), asio::bind_executor(ctx, o.handler())));
    ctx.run_for(patience);
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(!sig.slot().has_handler());
    sig.emit(asio::cancellation_type::terminal);  // nothing left to cancel
    BOOST_TEST(o.calls == 1);
}

// ---- async_submit ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(async_submit_with_every_token) {
    futures::thread_pool_executor pool(2);
    asio::io_context ctx;
    outcome cb, def;
    pool.async_submit(triple, 2, asio::bind_executor(ctx, cb.handler()));
    auto op = pool.async_submit(triple, 4, asio::deferred);
    std::move(op)(asio::bind_executor(ctx, def.handler()));
    ctx.run_for(patience);
    BOOST_TEST(cb.calls == 1);
    BOOST_TEST(cb.value == 6);
    BOOST_TEST(def.calls == 1);
    BOOST_TEST(def.value == 12);

    std::future<int> sf = pool.async_submit(triple, 5, asio::use_future);
    BOOST_REQUIRE(sf.wait_for(patience) == std::future_status::ready);
    BOOST_TEST(sf.get() == 15);
    std::future<int> sbad = pool.async_submit(fail_with, 5, asio::use_future);
    BOOST_REQUIRE(sbad.wait_for(patience) == std::future_status::ready);
    BOOST_CHECK_THROW(sbad.get(), boom);
    std::future<void> sv = pool.async_submit([] {}, asio::use_future);
    BOOST_REQUIRE(sv.wait_for(patience) == std::future_status::ready);

    asio::io_context ctx2;
    auto aw = spawn_and_run(ctx2, submit_awaitable(pool, 7));
    BOOST_TEST(aw.calls == 1);
    BOOST_TEST(aw.value == 21);
    asio::io_context ctx3;
    std::exception_ptr e;
    auto tup = spawn_and_run(ctx3, submit_tuple(pool, &e));
    BOOST_TEST(tup.calls == 1);
    BOOST_TEST(is<boom>(e));
    pool.shutdown(true);
}

BOOST_AUTO_TEST_CASE(async_submit_does_not_block_when_the_queue_is_full) {
    futures::thread_pool_executor pool(futures::thread_pool_options{.max_workers = 1, .max_pending = 1});
    event gate, started;
    auto blocker = pool.submit([&] {
        started.set();
        (void)gate.wait_for(patience);
    });
    // Once the worker has taken the blocker, fill the one queue slot.
    BOOST_REQUIRE(started.wait_for(patience));
    auto filler = pool.submit([] { return 1; });
    BOOST_REQUIRE(pool.pending() == 1);

    asio::io_context ctx;
    outcome o;
    bool other_ran_first = false;
    asio::post(ctx, [&] {
        // On the io_context thread: must return at once although the queue is full.
        pool.async_submit(triple, 3, asio::bind_executor(ctx, o.handler()));
        asio::steady_timer* t = new asio::steady_timer(ctx, 1ms);
        t->async_wait([&, t](boost::system::error_code) {
            other_ran_first = o.calls == 0;  // the io_context thread is free
            delete t;
            gate.set();  // only now can the submission get space
        });
    });
    ctx.run_for(patience);
    BOOST_TEST(other_ran_first);
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(o.value == 9);
    BOOST_TEST(filler.result(patience) == 1);
}

BOOST_AUTO_TEST_CASE(cancelling_async_submit_cancels_the_call_if_not_started) {
    futures::thread_pool_executor pool(1);
    event gate;
    auto blocker = pool.submit([&] { (void)gate.wait_for(patience); });
    std::atomic<bool> ran{false};
    asio::io_context ctx;
    asio::cancellation_signal sig;
    bool aborted = false;
    pool.async_submit([&] { ran = true; },
                      asio::bind_cancellation_slot(sig.slot(), asio::bind_executor(ctx, [&](std::exception_ptr e) {
                                                       aborted = is_aborted(e);
                                                   })));
    asio::post(ctx, [&] { sig.emit(asio::cancellation_type::terminal); });
    ctx.run_for(patience);
    gate.set();
    pool.shutdown(true);
    BOOST_TEST(aborted);
    BOOST_TEST(!ran.load());
}

BOOST_AUTO_TEST_CASE(waiting_submissions_are_refused_or_cancelled_at_shutdown) {
    for (bool cancel : {false, true}) {
        futures::thread_pool_executor pool(futures::thread_pool_options{.max_workers = 1, .max_pending = 1});
        event gate;
        auto blocker = pool.submit([&] { (void)gate.wait_for(patience); });
        auto filler = pool.submit([] { return 1; });
        std::future<int> waiting = pool.async_submit(triple, 1, asio::use_future);
        pool.shutdown(false, cancel);
        gate.set();
        BOOST_REQUIRE(waiting.wait_for(patience) == std::future_status::ready);
        if (cancel)
            BOOST_CHECK_THROW(waiting.get(), futures::cancelled_error);
        else
            BOOST_CHECK_THROW(waiting.get(), std::runtime_error);
        pool.shutdown(true);
    }
}

BOOST_AUTO_TEST_CASE(async_submit_after_shutdown_delivers_the_error) {
    futures::thread_pool_executor pool(1);
    pool.shutdown();
    std::future<int> f = pool.async_submit(triple, 1, asio::use_future);
    BOOST_REQUIRE(f.wait_for(patience) == std::future_status::ready);
    BOOST_CHECK_THROW(f.get(), std::runtime_error);
}

// ---- re-entrancy ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(handlers_and_callbacks_that_submit_or_wait_do_not_deadlock) {
    futures::thread_pool_executor pool(2);
    asio::io_context ctx;
    outcome o;
    // An async_wait handler that submits and waits (asynchronously) again.
    pool.submit([] { return 1; }).async_wait(asio::bind_executor(ctx, [&](std::exception_ptr, int v) {
        pool.async_submit(triple, v, asio::bind_executor(ctx, o.handler()));
    }));
    // A done-callback (on a worker) that submits to its own pool and chains on
    // the new call, and blocks on a call of another pool. (Blocking on its own
    // pool's call there can deadlock: the worker running the callback already
    // counts as idle, so the pool may not start a thread for the new call.)
    futures::thread_pool_executor other(1);
    std::atomic<int> nested{0}, blocked{0};
    event nested_done;
    pool.submit([] { return 2; }).add_done_callback([&](futures::future<int> f) {
        blocked = other.submit(triple, f.result()).result(patience);
        pool.submit(triple, f.result()).add_done_callback([&](futures::future<int> g) {
            nested = g.result();
            nested_done.set();
        });
    });
    ctx.run_for(patience);
    BOOST_TEST(o.value == 3);
    BOOST_REQUIRE(nested_done.wait_for(patience));
    BOOST_TEST(nested.load() == 6);
    BOOST_TEST(blocked.load() == 6);
    pool.shutdown(true);
    other.shutdown(true);
}

// ---- completion_executor ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(completion_executor_runs_callbacks_on_the_io_context_thread) {
    asio::io_context ctx;
    futures::thread_pool_executor pool(
        futures::thread_pool_options{.max_workers = 2, .completion_executor = ctx.get_executor()});
    event gate;
    auto f = pool.submit([&] {
        (void)gate.wait_for(patience);
        return 5;
    });
    std::thread::id cb_thread, nested_thread;
    int nested_value = 0;
    f.add_done_callback([&](futures::future<int> g) {
        cb_thread = std::this_thread::get_id();
        // Chained work from the callback: its callback lands here as well.
        pool.submit(triple, g.result()).add_done_callback([&](futures::future<int> h) {
            nested_thread = std::this_thread::get_id();
            nested_value = h.result();
        });
    });
    // The only other work opens the gate: run_for keeps going because the pool
    // holds work on ctx while its calls are pending.
    asio::post(ctx, [&] { gate.set(); });
    auto start = std::chrono::steady_clock::now();
    ctx.run_for(patience);
    BOOST_TEST((std::chrono::steady_clock::now() - start < patience));
    BOOST_TEST((cb_thread == std::this_thread::get_id()));
    BOOST_TEST((nested_thread == std::this_thread::get_id()));
    BOOST_TEST(nested_value == 15);
    pool.shutdown(true);
}

BOOST_AUTO_TEST_CASE(completion_executor_with_deferred_admission) {
    asio::io_context ctx;
    futures::thread_pool_executor pool(
        futures::thread_pool_options{.max_workers = 1, .max_pending = 1, .completion_executor = ctx.get_executor()});
    int done = 0, sum = 0;
    for (int i = 1; i <= 20; ++i)
        pool.async_submit(triple, i, asio::bind_executor(ctx, [&](std::exception_ptr e, int v) {
                              BOOST_TEST(!e);
                              ++done;
                              sum += v;
                          }));
    ctx.run_for(patience);
    BOOST_TEST(done == 20);
    BOOST_TEST(sum == 3 * 210);
    BOOST_TEST(pool.pending() == 0u);
    pool.shutdown(true);
}
