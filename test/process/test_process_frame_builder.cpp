// The frame builder alone: made-up queues and timings, no process, no I/O. Each
// case checks one rule of frame_builder.hpp (gathering, the quarter share, the
// budget, one frame ahead, cancelled jobs, max_tasks_per_child).
#define BOOST_TEST_MODULE process_frame_builder
#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <futures/detail/process/parent/frame_builder.hpp>
#include <futures/detail/process/parent/submit_job.hpp>
#include <futures/future.hpp>

namespace p = futures::detail::process;
using phase = p::worker_record::phase;

namespace {

struct queued {
    futures::future<int> fut;
    std::shared_ptr<p::job> job;
};

// A job of `task` with one call whose arguments take `bytes` bytes.
queued make_job(const std::string& task, std::size_t bytes = 4) {
    queued q;
    auto j = std::make_shared<p::submit_job<int>>();
    j->state = q.fut.native_state();
    j->task = task;
    j->signature = "int(int)";
    p::packed_values a;
    a.append(std::string(bytes, 'x'));
    j->set_args(std::move(a));
    q.job = j;
    return q;
}

// n jobs of `task` in the queue; their futures are kept so their states live on.
std::vector<queued> fill(p::job_queue& queue, const std::string& task, std::size_t n, std::size_t bytes = 4) {
    std::vector<queued> out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(make_job(task, bytes));
        queue.push_back(out.back().job);
    }
    return out;
}

p::worker_record ready_worker() {
    p::worker_record w(nullptr);
    w.state = phase::ready;
    return w;
}

// `calls` calls of `task` were seen to take `per_call_ns` each.
void learn(p::frame_builder& b, const std::string& task, std::uint64_t per_call_ns, std::uint32_t calls = 10) {
    b.timing().learn(task, per_call_ns * calls, calls);
}

// Limits with every field named (the default frame cap), so -Wextra stays quiet.
p::frame_limits limits(std::size_t max_workers, std::optional<std::size_t> per_child = std::nullopt) {
    return {.max_workers = max_workers, .max_tasks_per_child = per_child, .max_frame = p::default_max_frame};
}

// One builder, its queue and one ready worker.
struct scene {
    p::frame_builder b;
    p::job_queue queue;
    std::vector<queued> jobs;
    p::worker_record w = ready_worker();

    explicit scene(p::frame_limits l = limits(1)) : b(l) {}
    // `n` calls of `task`, known to take per_call_ns each (0: never seen to finish).
    scene& with(const std::string& task, std::size_t n, std::uint64_t per_call_ns, std::size_t bytes = 4) {
        if (per_call_ns) learn(b, task, per_call_ns);
        auto more = fill(queue, task, n, bytes);
        jobs.insert(jobs.end(), more.begin(), more.end());
        return *this;
    }
    p::built_frame next() { return b.build(w, queue); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_task_never_seen_to_finish_travels_one_job_per_frame_and_only_to_an_idle_worker) {
    scene s;
    s.with("unknown", 3, 0);
    BOOST_TEST(s.b.can_take(s.w, s.queue));
    auto f = s.next();
    BOOST_TEST(f.record.jobs.size() == 1u);
    BOOST_TEST(f.taken == 1u);
    BOOST_TEST(s.queue.size() == 2u);
    BOOST_TEST(f.record.expected_ns == 0u);
    BOOST_TEST(!f.linger_ns.has_value());
    s.w.in_flight.push_back(std::move(f.record));
    BOOST_TEST(!s.b.can_take(s.w, s.queue));  // busy with a call of unknown length: nothing ahead
}

BOOST_AUTO_TEST_CASE(short_calls_of_one_task_share_one_batch_with_consecutive_ids) {
    scene s;
    s.with("sq", 8, 1'000);
    auto f = s.next();
    BOOST_TEST(f.record.jobs.size() == 2u);  // a quarter of the only worker's share of 8
    BOOST_REQUIRE(f.message.batches.size() == 1u);
    const auto& batch = f.message.batches.front();
    BOOST_TEST(batch.task == "sq");
    BOOST_TEST(batch.args.count() == 2u);
    BOOST_TEST(f.record.batches.front().jobs == 2u);
    BOOST_TEST(f.record.batches.front().first_id == batch.first_id);
    auto g = s.next();
    BOOST_TEST(g.message.batches.front().first_id == batch.first_id + 2);  // ids never repeat
    // Both frames went to an idle worker (in_flight empty): the jobs gave their
    // arguments away, nothing will send them again.
    for (auto& j : f.record.jobs) BOOST_TEST(j->args.empty());
}

BOOST_AUTO_TEST_CASE(neighbours_of_different_tasks_get_a_batch_each) {
    scene s;
    s.with("a", 4, 1'000).with("b", 4, 1'000).with("a", 4, 1'000);
    auto f = s.next();  // share: 12 / 4 = 3 jobs, all of task a
    BOOST_TEST(f.message.batches.size() == 1u);
    scene m;
    m.with("a", 1, 1'000).with("b", 1, 1'000).with("a", 10, 1'000);
    auto g = m.next();  // share: 12 / 4 = 3 jobs, a b a
    BOOST_REQUIRE(g.message.batches.size() == 3u);
    BOOST_TEST(g.message.batches[0].task == "a");
    BOOST_TEST(g.message.batches[1].task == "b");
    BOOST_TEST(g.message.batches[2].task == "a");
}

BOOST_AUTO_TEST_CASE(a_frame_takes_a_quarter_of_one_workers_share_counting_every_worker_the_pool_may_start) {
    scene s(limits(2));
    s.with("sq", 80, 100);
    auto f = s.next();
    BOOST_TEST(f.record.jobs.size() == 10u);  // 80 / (4 rounds * 2 workers)
    BOOST_TEST(s.queue.size() == 70u);
}

BOOST_AUTO_TEST_CASE(gathering_stops_at_about_one_millisecond_of_known_work) {
    scene s;
    s.with("slow", 100, 300'000);
    auto f = s.next();
    BOOST_TEST(f.record.jobs.size() == 3u);  // a fourth would pass the 1 ms budget
    BOOST_TEST(f.record.expected_ns >= 900'000u);
    BOOST_TEST(!f.linger_ns.has_value());  // too long to poll through
}

BOOST_AUTO_TEST_CASE(gathering_stops_at_the_soft_byte_cap) {
    scene s;
    s.with("big", 400, 10, 20'000);
    auto f = s.next();
    BOOST_TEST(f.record.jobs.size() == 3u);  // 64 KiB holds three arguments of 20 kB
}

BOOST_AUTO_TEST_CASE(a_short_frame_asks_the_io_thread_to_poll_for_about_its_length) {
    scene s;
    s.with("sq", 4, 1'000);
    auto f = s.next();
    BOOST_REQUIRE(f.linger_ns.has_value());
    BOOST_TEST(*f.linger_ns == f.record.expected_ns);
    BOOST_TEST(f.record.expected_ns > 0u);
}

BOOST_AUTO_TEST_CASE(a_busy_worker_gets_one_frame_ahead_only_behind_a_short_frame) {
    scene s;
    s.with("sq", 8, 1'000);
    s.w.in_flight.push_back(s.next().record);
    BOOST_TEST(s.b.can_take(s.w, s.queue));
    auto ahead = s.next();
    // Sent ahead: the worker may die before it starts it, so the jobs keep their
    // arguments to be sent again.
    for (auto& j : ahead.record.jobs) BOOST_TEST(!j->args.empty());
    // A frame ahead of one job reads the job's arguments where they lie (no copy).
    scene one;
    one.with("sq", 1, 1'000);
    one.with("sq", 1, 1'000);
    one.w.in_flight.push_back(one.next().record);
    auto single = one.next();
    BOOST_REQUIRE(single.record.jobs.size() == 1u);
    BOOST_TEST(single.message.batches.front().args.bytes().data() == single.record.jobs.front()->args.bytes().data());
    s.w.in_flight.push_back(std::move(ahead.record));
    BOOST_TEST(!s.b.can_take(s.w, s.queue));  // two frames in flight at most

    scene l;
    l.with("long", 2, 5'000'000);
    l.w.in_flight.push_back(l.next().record);
    BOOST_TEST(!l.b.can_take(l.w, l.queue));  // its frame will not end soon
}

BOOST_AUTO_TEST_CASE(a_cancelled_job_leaves_the_queue_without_a_place_in_the_frame) {
    scene s;
    s.with("sq", 12, 1'000);
    auto& jobs = s.jobs;
    BOOST_REQUIRE(jobs[1].fut.cancel());
    auto f = s.next();  // share: 12 / 4 = 3 jobs that run
    BOOST_TEST(f.taken == 4u);
    BOOST_TEST(f.record.jobs.size() == 3u);
    BOOST_TEST(f.record.calls == 3u);
    BOOST_TEST(s.queue.size() == 8u);
    BOOST_TEST(jobs[0].fut.running());  // the others run now: cancel() fails from here
    BOOST_TEST(!jobs[2].fut.cancel());

    scene gone;
    gone.with("sq", 1, 1'000);
    BOOST_REQUIRE(gone.jobs[0].fut.cancel());
    auto g = gone.next();
    BOOST_TEST(g.taken == 1u);
    BOOST_TEST(g.record.jobs.empty());
    BOOST_TEST(g.message.batches.empty());
}

BOOST_AUTO_TEST_CASE(max_tasks_per_child_caps_the_frame_and_then_the_worker) {
    scene s(limits(1, 3));
    s.with("sq", 40, 1'000);
    s.w.jobs_sent = 1;
    auto f = s.next();
    BOOST_TEST(f.record.jobs.size() == 2u);
    s.w.jobs_sent += f.record.jobs.size();
    BOOST_TEST(!s.b.can_take(s.w, s.queue));
}

BOOST_AUTO_TEST_CASE(only_a_ready_worker_takes_frames) {
    scene s;
    s.with("sq", 1, 0);
    for (auto ph : {phase::starting, phase::initializing, phase::closing}) {
        s.w.state = ph;
        BOOST_TEST(!s.b.can_take(s.w, s.queue));
    }
    s.w.state = phase::ready;
    BOOST_TEST(s.b.can_take(s.w, s.queue));
    p::job_queue empty;
    BOOST_TEST(!s.b.can_take(s.w, empty));
}
