#pragma once
// The call/result messages, independent of any transport: the pipe pool sends them
// in length-prefixed frames (frame.hpp); an MPI backend can send the same bytes.
//
// Each argument tuple and each result is serialized into its own byte string inside
// the message, so that a value that fails to load fails its own call only, and the
// rest of the frame (and the worker) stays usable.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <boost/serialization/level.hpp>
#include <boost/serialization/tracking.hpp>

#include <futures/detail/process/archive.hpp>

namespace futures::detail::process {

/// Bumped whenever a message changes shape. 2: a call batch names its task and
/// signature once, not per call; bitwise values are raw bytes (archive.hpp).
constexpr std::uint32_t protocol_version = 2;

/// Worker -> parent, first message: who answers, and whether both builds agree.
/// Its shape never changes, so that any worker's hello decodes and a version
/// mismatch is reported as such.
struct hello {
    std::uint32_t protocol = 0;
    std::uint32_t boost_version = 0;
    // sizeof(long) | sizeof(void*) << 8 | sizeof(long double) << 16 | abi << 24,
    // abi: bit 0 little-endian, bit 1 the fixed-size assumptions of the raw path
    // (int 4, long long 8, float 4, double 8, wchar_t 4, short 2, bool 1 bytes).
    std::uint32_t sizes = 0;
    std::int64_t pid = 0;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar & protocol & boost_version & sizes & pid;
    }
};
hello make_hello();
/// Empty if compatible, else why not.
std::string check_hello(const hello& h);

/// One call on the wire: its id and the serialized tuple of its arguments.
struct call_item {
    std::uint64_t id = 0;
    std::string args;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar & id & args;
    }
};

/// Parent -> worker: several calls of one task (a map chunk, or one submit),
/// answered by one result_batch. The task and its signature (checked by the
/// worker) are sent once per batch. `initializer`: the call is the pool's
/// initializer, run before anything else.
struct call_batch {
    bool initializer = false;
    std::string task;
    std::string signature;
    std::vector<call_item> calls;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar & initializer & task & signature & calls;
    }
};

/// Where a remote failure happened: the parent builds a different error for each.
enum class failure_phase : std::uint8_t { lookup, load_args, run, save_result };

/// A failure in the worker, as text: exceptions cannot cross a process boundary.
struct failure {
    failure_phase phase = failure_phase::run;
    std::string type;       // demangled dynamic type of the exception
    std::string what;       // its what()
    std::string traceback;  // Boost.Stacktrace text, symbolized in the worker
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar & phase & type & what & traceback;
    }
};

struct result_item {
    std::uint64_t id = 0;
    std::variant<std::string, failure> value;  // serialized result, or what went wrong
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar & id & value;
    }
};

struct result_batch {
    std::vector<result_item> results;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar & results;
    }
};

using message = std::variant<hello, call_batch, result_batch>;

}  // namespace futures::detail::process

// No class info, no object tracking: a few bytes less per item, and no pointer
// back-references on the wire.
#define FUTURES_DETAIL_WIRE_TYPE(T)                                                          \
    BOOST_CLASS_IMPLEMENTATION(futures::detail::process::T, boost::serialization::object_serializable) \
    BOOST_CLASS_TRACKING(futures::detail::process::T, boost::serialization::track_never)
FUTURES_DETAIL_WIRE_TYPE(hello)
FUTURES_DETAIL_WIRE_TYPE(call_item)
FUTURES_DETAIL_WIRE_TYPE(call_batch)
FUTURES_DETAIL_WIRE_TYPE(failure)
FUTURES_DETAIL_WIRE_TYPE(result_item)
FUTURES_DETAIL_WIRE_TYPE(result_batch)
#undef FUTURES_DETAIL_WIRE_TYPE
