// The worker process: handshake, then read a call batch, run it, write the results,
// until the parent closes the call pipe. Deliberately a plain blocking loop: a
// worker has nothing else to do, and no threads means nothing to fork-proof.
#include <futures/detail/process/frame.hpp>
#include <futures/detail/process/registry.hpp>
#include <futures/worker.hpp>

#include <sys/prctl.h>
#include <unistd.h>

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
};

bool parse(int argc, char** argv, worker_args& a) {
    if (argc < 6 || std::strcmp(argv[1], p::worker_flag) != 0) return false;
    a.in = std::atoi(argv[2]);
    a.out = std::atoi(argv[3]);
    a.parent = static_cast<pid_t>(std::atoll(argv[4]));
    a.max_frame = static_cast<std::size_t>(std::strtoull(argv[5], nullptr, 10));
    return a.in > 2 && a.out > 2 && a.parent > 0 && a.max_frame > 0;
}

// One result per call; a batch whose results do not fit in a frame has each too
// large result replaced by a failure (the calls did run, their values are lost).
std::string encode_results(p::result_batch& rb, std::size_t max_frame) {
    try {
        return p::encode_frame(rb, max_frame);
    } catch (const p::frame_error& e) {
        for (auto& r : rb.results) {
            p::failure f;
            f.phase = p::failure_phase::save_result;
            f.type = "futures::frame_too_large";
            f.what = e.what();
            r.value = std::move(f);
        }
        return p::encode_frame(rb, max_frame);
    }
}

int serve(const worker_args& a) {
    // The parent may die at any moment from now on: PR_SET_PDEATHSIG was set before
    // exec; if the parent died before that, we have been re-parented already.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != a.parent) return 0;
    // A write to a dead parent must be an error we can see (EPIPE), not a signal.
    std::signal(SIGPIPE, SIG_IGN);

    p::write_all(a.out, p::encode_frame(p::make_hello(), a.max_frame));
    std::string buf;
    while (p::read_frame(a.in, buf, a.max_frame)) {
        p::message m = p::decode_payload(buf);
        auto* batch = std::get_if<p::call_batch>(&m);
        if (!batch) throw p::frame_error("unexpected message from the parent");
        p::result_batch rb;
        rb.results.reserve(batch->calls.size());
        // One lookup per batch: every call of a batch runs the same task.
        auto target = p::find_call_target(batch->task, batch->signature);
        auto* entry = std::get_if<const p::task_entry*>(&target);
        for (auto& c : batch->calls) {
            if (entry)
                rb.results.push_back({c.id, (*entry)->invoke(c.args)});
            else
                rb.results.push_back({c.id, std::get<p::failure>(target)});
            std::string().swap(c.args);  // release argument bytes early; big chunks add up
        }
        // What the tasks printed reaches the parent's streams before their results.
        std::cout.flush();
        std::fflush(nullptr);
        p::write_all(a.out, encode_results(rb, a.max_frame));
    }
    return 0;
}

}  // namespace

int worker_main(int argc, char** argv) {
    worker_args a;
    if (!parse(argc, argv, a)) {
        std::fprintf(stderr, "futures: this is a process pool worker; it is started by process_pool_executor\n");
        return 2;
    }
    try {
        return serve(a);
    } catch (const std::exception& e) {
        // The parent reports our exit status; this line says why.
        std::fprintf(stderr, "futures worker %d: %s\n", static_cast<int>(::getpid()), e.what());
        return 70;  // EX_SOFTWARE
    }
}

void run_worker_if_requested(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], p::worker_flag) == 0) std::exit(worker_main(argc, argv));
}

}  // namespace futures
