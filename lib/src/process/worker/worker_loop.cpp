// The worker process: handshake, then read a call frame, run its batches, write
// their results, until the parent sends the stop message or closes the call pipe. Deliberately a plain blocking loop: a
// worker has nothing else to do, and no threads means nothing to fork-proof.
#include <futures/detail/process/fork_server.hpp>
#include <futures/detail/process/lost_worker.hpp>
#include <futures/detail/process/protocol/frame.hpp>
#include <futures/detail/process/protocol/shm_region.hpp>
#include <futures/detail/process/registry.hpp>
#include <futures/detail/process/result_frames.hpp>
#include <futures/log.hpp>
#include <futures/worker.hpp>

#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

namespace futures {
namespace {

namespace p = detail::process;

struct worker_args {
    int in = -1, out = -1;
    pid_t parent = 0;
    std::size_t max_frame = 0;
    int call_region = -1, result_region = -1;  // shm_region.hpp; -1: none
    std::size_t shm_threshold = 0;
};

bool parse(int argc, char** argv, worker_args& a) {
    if (argc < 6 || std::strcmp(argv[1], p::worker_flag) != 0) return false;
    a.in = std::atoi(argv[2]);
    a.out = std::atoi(argv[3]);
    a.parent = static_cast<pid_t>(std::atoll(argv[4]));
    a.max_frame = static_cast<std::size_t>(std::strtoull(argv[5], nullptr, 10));
    if (argc >= 9) {
        a.call_region = std::atoi(argv[6]);
        a.result_region = std::atoi(argv[7]);
        a.shm_threshold = static_cast<std::size_t>(std::strtoull(argv[8], nullptr, 10));
        if (a.call_region <= 2 || a.result_region <= 2) return false;
    }
    return a.in > 2 && a.out > 2 && a.parent > 0 && a.max_frame > 0;
}

// What the answer to one call frame becomes: a large one goes into the result
// region, whose pages stay mapped; the rest, or one the region cannot take now,
// down the pipe (result_frames.hpp splits what exceeds the cap).
void write_results(int fd, p::result_frame&& results, std::size_t max_frame, p::shm_region& region,
                   std::size_t threshold) {
    if (threshold) {
        p::message m{std::move(results)};
        if (p::payload_estimate(m) >= threshold) {
            try {
                if (auto d = region.write(m)) {
                    static std::string out;
                    out.clear();
                    p::encode_shm_frame_to(out, d->offset, d->length);
                    p::write_all(fd, out);
                    return;
                }
            } catch (const p::frame_error&) {
                // above the cap: the pipe path below splits it per batch
            }
        }
        results = std::move(std::get<p::result_frame>(m));
    }
    p::emit_result_frames(std::move(results), max_frame, [fd](std::string& frame) { p::write_all(fd, frame); });
}

// Before blocking in read(), watch the pipe for a while: a parent that sends the
// next call within microseconds (a submit -> result loop, or the next frame of a
// busy pool) then finds this process on a CPU instead of paying the wake-up of a
// sleeping one (~40 us on the 2-vCPU VMs we target; docs/boost-1.81.md, "Floor
// figures"). The cost is bounded: at most `spin` of CPU after each frame.
void linger_for_input(int fd) {
    constexpr auto spin = std::chrono::microseconds(50);
    const auto until = std::chrono::steady_clock::now() + spin;
    pollfd pfd{fd, POLLIN, 0};
    while (::poll(&pfd, 1, 0) == 0 && std::chrono::steady_clock::now() < until) sched_yield();
}

int serve(const worker_args& a) {
    // The parent may die at any moment from now on: PR_SET_PDEATHSIG was set before
    // exec; if the parent died before that, we have been re-parented already.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != a.parent) return 0;
    // A write to a dead parent must be an error we can see (EPIPE), not a signal.
    std::signal(SIGPIPE, SIG_IGN);
    // Frames of a few MiB are decoded and answered over and over: keep that memory
    // in the heap for the next frame instead of mapping and unmapping it each time
    // (every fresh page is a page fault, expensive on VMs).
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(p::kept_buffer_limit));

    p::write_all(a.out, p::encode_frame(p::make_hello(), a.max_frame));
    p::shm_region calls(a.call_region, a.max_frame), results(a.result_region, a.max_frame);
    std::string buf;
    for (;;) {
        linger_for_input(a.in);
        bool shm = false;
        if (!p::read_frame(a.in, buf, a.max_frame, calls.valid() ? &shm : nullptr)) break;
        p::message m;
        if (shm) {
            // Decoded in place: each batch reads its arguments from the mapping, and
            // the pages are the parent's again once every batch dropped them.
            const auto [offset, length] = p::decode_shm_descriptor(buf);
            auto v = calls.view({offset, length});
            m = p::decode_payload(v.bytes, std::move(v.keep));
        } else {
            m = p::decode_payload(buf);
        }
        auto* frame = std::get_if<p::call_frame>(&m);
        if (!frame) throw p::frame_error("unexpected message from the parent");
        if (frame->batches.empty()) break;  // the stop message (messages.hpp)
        p::result_frame rf;
        rf.batches.reserve(frame->batches.size());
        for (auto& b : frame->batches) {
            b.args.check();  // a malformed list is a protocol error: we exit, the parent reports it
            rf.batches.push_back(p::run_batch(b));
            b.args = {};  // release argument bytes early; big chunks add up
        }
        // What the tasks printed reaches the parent's streams before their results.
        std::cout.flush();
        std::fflush(nullptr);
        write_results(a.out, std::move(rf), a.max_frame, results, a.shm_threshold);
    }
    return 0;
}

}  // namespace

int worker_main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], p::fork_server_flag) == 0) return p::fork_server_main(argc, argv);
    worker_args a;
    if (!parse(argc, argv, a)) {
        detail::log_line(log_level::error,
                         "futures: this is a process pool worker; it is started by process_pool_executor");
        return 2;
    }
    p::enter_worker_loop();
    try {
        return serve(a);
    } catch (const std::exception& e) {
        // The parent reports our exit status; this line says why.
        detail::log_line(log_level::error, "futures worker " + std::to_string(::getpid()) + ": " + e.what());
        return 70;  // EX_SOFTWARE
    }
}

void run_worker_if_requested(int argc, char** argv) {
    if (argc >= 2 && (std::strcmp(argv[1], p::worker_flag) == 0 || std::strcmp(argv[1], p::fork_server_flag) == 0))
        std::exit(worker_main(argc, argv));
}

}  // namespace futures
