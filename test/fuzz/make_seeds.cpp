// Writes the seed corpus of the fuzz targets: real frames, made by the encoders the
// pool uses, one file each, into <dir>/{call_frame,result_frame,handshake,packed,shm_frame}/.
// The output is committed in test/fuzz/corpus; rerun after a protocol change:
//   build/fuzz/make_seeds test/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <futures/detail/process/protocol/frame.hpp>
#include <futures/detail/process/protocol/shm_region.hpp>

namespace p = futures::detail::process;
namespace fs = std::filesystem;

namespace {

fs::path root;

void put(const std::string& dir, const std::string& name, const std::string& bytes) {
    fs::create_directories(root / dir);
    std::ofstream(root / dir / name, std::ios::binary) << bytes;
}

std::string payload(p::message m) { return p::encode_frame(m, p::default_max_frame).substr(p::frame_header_size); }

p::packed_values uniform(int n) {
    p::packed_values v;
    for (int i = 0; i < n; ++i) v.append(p::to_bytes(std::tuple<int, int>(i, 2 * i)));
    return v;
}

p::packed_values archived(std::vector<std::string> items) {
    p::packed_values v;
    for (auto& s : items) v.append(p::to_bytes(s));
    return v;
}

p::call_batch batch(const char* task, const char* sig, p::packed_values args, std::uint64_t id, bool init = false) {
    p::call_batch b;
    b.initializer = init;
    b.task = task;
    b.signature = sig;
    b.first_id = id;
    b.args = std::move(args);
    return b;
}

p::result_batch answer(std::uint64_t id, p::packed_values values, std::vector<p::indexed_failure> failures) {
    p::result_batch b;
    b.first_id = id;
    b.values = std::move(values);
    b.failures = std::move(failures);
    b.elapsed_ns = 12345;
    return b;
}

// What fuzz_shm_frame reads: the descriptor the pipe carries, then the region as
// the writer left it (the release counter, then the payload at `offset`).
std::string in_region(const std::string& payload, std::uint64_t length) {
    std::string out;
    p::encode_shm_frame_to(out, p::shm_region::header_bytes, length);
    out.erase(0, p::frame_header_size);
    out.append(p::shm_region::header_bytes, '\0');
    return out + payload;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seeds <corpus dir>\n");
        return 2;
    }
    root = argv[1];

    put("call_frame", "empty", payload(p::call_frame{}));
    put("call_frame", "one_bitwise_call", payload(p::call_frame{{batch("add_task", "int (int, int)", uniform(1), 1)}}));
    put("call_frame", "chunk_of_64", payload(p::call_frame{{batch("add_task", "int (int, int)", uniform(64), 2)}}));
    put("call_frame", "three_batches",
        payload(p::call_frame{{batch("add_task", "int (int, int)", uniform(2), 10),
                               batch("echo", "std::string (std::string)", archived({"a", "bc", ""}), 12),
                               batch("noargs", "void ()", p::packed_values{}, 15)}}));
    put("call_frame", "initializer",
        payload(p::call_frame{{batch("set_global", "void (int)", archived({"init"}), 0, true)}}));

    put("result_frame", "empty", payload(p::result_frame{}));
    put("result_frame", "one_value", payload(p::result_frame{{answer(1, uniform(1), {})}}));
    put("result_frame", "strings_and_a_failure",
        payload(p::result_frame{{answer(3, archived({"x", "", "yz"}),
                                        {{1,
                                          {p::failure_phase::run, "std::out_of_range", "negative",
                                           "0# throw_kind at tasks.cpp:57\n1# main\n"}}})}}));
    put("result_frame", "two_batches",
        payload(p::result_frame{{answer(5, uniform(8), {}),
                                 answer(13, archived({""}), {{0, {p::failure_phase::load_args, "t", "w", ""}}})}}));

    const std::string one = payload(p::result_frame{{answer(1, archived({"x", "", "yz"}), {})}});
    put("shm_frame", "one_batch", in_region(one, one.size()));
    put("shm_frame", "longer_than_the_region", in_region(one, one.size() + 100));

    std::string hello = p::encode_frame(p::make_hello(), p::default_max_frame);
    put("handshake", "hello", hello);
    p::hello old = p::make_hello();
    old.protocol = 2;
    put("handshake", "old_protocol", p::encode_frame(old, p::default_max_frame));

    put("packed", "empty", p::to_bytes(p::packed_values{}));
    put("packed", "uniform", p::to_bytes(uniform(5)));
    put("packed", "sized", p::to_bytes(archived({"one", "three", ""})));
    return 0;
}
