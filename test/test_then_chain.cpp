// Long then() chains (issue 10, item 3): completing the head of a chain runs each
// continuation, which completes the next future, which runs the next
// continuation... Run naively nested, 50,000 links overflowed the stack. These
// tests complete long chains on a thread with a small stack, and measure how deep
// the stack goes while a chain completes.
#define BOOST_TEST_MODULE then_chain
#include <boost/test/unit_test.hpp>

#include <pthread.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <thread>

#include <futures/future.hpp>

namespace {

// Sanitizers make every frame and allocation much larger; the chains stay far
// longer than any stack could hold if they nested.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int long_chain = 200'000;
#else
constexpr int long_chain = 1'000'000;
#endif

// Runs fn on a fresh thread whose whole stack is `bytes`, and joins it.
void run_on_small_stack(std::size_t bytes, std::function<void()> fn) {
    pthread_attr_t attr;
    BOOST_REQUIRE(pthread_attr_init(&attr) == 0);
    BOOST_REQUIRE(pthread_attr_setstacksize(&attr, bytes) == 0);
    pthread_t t;
    auto trampoline = [](void* p) -> void* {
        (*static_cast<std::function<void()>*>(p))();
        return nullptr;
    };
    BOOST_REQUIRE(pthread_create(&t, &attr, trampoline, &fn) == 0);
    pthread_attr_destroy(&attr);
    BOOST_REQUIRE(pthread_join(t, nullptr) == 0);
}

// The lowest and highest frame addresses seen by the continuations.
struct stack_span {
    std::uintptr_t lo = UINTPTR_MAX, hi = 0;
    void note(std::uintptr_t a) {
        lo = std::min(lo, a);
        hi = std::max(hi, a);
    }
    std::size_t bytes() const { return hi - lo; }
};

}  // namespace

BOOST_AUTO_TEST_CASE(completing_a_chain_uses_a_bounded_stack) {
    // 2,000 nested completions take well over a megabyte of stack; bounded, the
    // deepest continuation is a few frames below the shallowest. The frame address
    // (not a local's) is immune to ASan's fake stacks.
    stack_span span;
    futures::future<int> head;
    futures::future<int> f = head;
    for (int i = 0; i < 2'000; ++i)
        f = f.then([&span](int x) {
            span.note(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
            return x + 1;
        });
    head.set_result(0);
    BOOST_TEST(f.result(std::chrono::seconds(0)) == 2'000);
    BOOST_TEST(span.bytes() < 64u * 1024, "stack span " << span.bytes() << " bytes");
}

BOOST_AUTO_TEST_CASE(a_long_chain_completes_on_a_256_kib_stack_in_order_on_that_thread) {
    futures::future<int> head;
    futures::future<int> f = head;
    int next_expected = 0;  // continuations run one after the other, in chain order
    bool in_order = true;
    std::thread::id ran_on;
    for (int i = 0; i < long_chain; ++i)
        f = f.then([&, i](int x) {
            in_order = in_order && x == i && next_expected == i;
            ++next_expected;
            ran_on = std::this_thread::get_id();
            return x + 1;
        });
    std::thread::id completer;
    run_on_small_stack(256 * 1024, [&] {
        completer = std::this_thread::get_id();
        head.set_result(0);
    });
    BOOST_TEST(f.result(std::chrono::seconds(0)) == long_chain);
    BOOST_TEST(in_order);
    BOOST_TEST(next_expected == long_chain);
    BOOST_TEST((ran_on == completer));
}

BOOST_AUTO_TEST_CASE(an_exception_passes_through_a_long_chain_on_a_small_stack) {
    futures::future<int> head;
    futures::future<int> f = head;
    int ran = 0;
    for (int i = 0; i < long_chain; ++i)
        f = f.then([&ran](int x) {
            ++ran;  // skipped: a value continuation never sees a failure
            return x;
        });
    // A continuation that takes the future sees the failure and recovers.
    auto recovered = f.then([](futures::future<int> g) { return g.exception(std::chrono::seconds(0)) ? -1 : 1; });
    run_on_small_stack(256 * 1024, [&] { head.set_exception(std::make_exception_ptr(std::domain_error("head"))); });
    BOOST_CHECK_THROW(f.result(std::chrono::seconds(0)), std::domain_error);
    BOOST_TEST(ran == 0);
    BOOST_TEST(recovered.result(std::chrono::seconds(0)) == -1);
}

BOOST_AUTO_TEST_CASE(a_short_chain_still_completes_inline_before_set_result_returns) {
    // Nesting a few levels deep stays inline: every continuation has run by the
    // time the completing call returns, as with any done-callback.
    futures::future<int> head;
    futures::future<int> f = head;
    for (int i = 0; i < 100; ++i) f = f.then([](int x) { return x + 1; });
    head.set_result(1);
    BOOST_TEST(f.done());
    BOOST_TEST(f.result(std::chrono::seconds(0)) == 101);
}
