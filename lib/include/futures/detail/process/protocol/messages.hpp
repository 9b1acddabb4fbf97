#pragma once
// The call/result messages, independent of any transport: the pipe pool sends them
// in length-prefixed frames (frame.hpp); an MPI backend can send the same bytes.
//
// Each argument tuple and each result is serialized into its own item of a packed
// list (packed.hpp) inside the message, so that a value that fails to load fails
// its own call only, and the rest of the frame (and the worker) stays usable.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <boost/serialization/level.hpp>
#include <boost/serialization/tracking.hpp>

#include <futures/detail/process/protocol/archive.hpp>
#include <futures/detail/process/protocol/packed.hpp>

namespace futures::detail::process {

/// Bumped whenever a message changes shape. 2: a call batch names its task and
/// signature once, not per call; bitwise values are raw bytes (archive.hpp).
/// 3: frames carry several batches; a batch's arguments and results are packed
/// lists (packed.hpp) instead of one string per call; results report run time.
/// 4: a call_frame without batches is the stop message (a worker that read it exits).
constexpr std::uint32_t protocol_version = 4;

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
        ar& protocol& boost_version& sizes& pid;
    }
};
hello make_hello();
/// Empty if compatible, else why not.
std::string check_hello(const hello& h);

/// Parent -> worker: consecutive calls of one task (one submit, a map chunk, or
/// several submits of the same task gathered into one frame). The task and its
/// signature (checked by the worker) are named once; call k has id first_id + k
/// and its serialized argument tuple is item k of `args`. `initializer`: the call
/// is the pool's initializer, run before anything else.
struct call_batch {
    bool initializer = false;
    std::string task;
    std::string signature;
    std::uint64_t first_id = 0;
    packed_values args;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& initializer& task& signature& first_id& args;
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
        ar& phase& type& what& traceback;
    }
};

struct indexed_failure {
    std::uint32_t index = 0;  // the call's position in its batch
    failure what;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& index& what;
    }
};

/// Worker -> parent: the answer to one call_batch, one result per call in call
/// order. Item k of `values` is call k's serialized result; a failed call has an
/// entry in `failures` (in index order), and its item means nothing (empty, or
/// zeros in a list of fixed-size values). `elapsed_ns`: the time
/// the worker spent on the batch, which the parent's scheduler learns from.
struct result_batch {
    std::uint64_t first_id = 0;
    packed_values values;
    std::vector<indexed_failure> failures;
    std::uint64_t elapsed_ns = 0;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& first_id& values& failures& elapsed_ns;
    }
};

/// One frame each way: the worker answers a call_frame with one result_frame
/// holding a result_batch per call_batch, in order. A call_frame without batches
/// is the stop message: the worker answers nothing and exits 0. Workers stop on it
/// rather than on EOF alone, because a child that the program fork()ed without exec
/// holds copies of the call pipes' write ends, and EOF then never comes.
struct call_frame {
    std::vector<call_batch> batches;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& batches;
    }
};
struct result_frame {
    std::vector<result_batch> batches;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& batches;
    }
};

using message = std::variant<hello, call_frame, result_frame>;

}  // namespace futures::detail::process

// No class info, no object tracking: a few bytes less per item, and no pointer
// back-references on the wire.
#define FUTURES_DETAIL_WIRE_TYPE(T)                                                                    \
    BOOST_CLASS_IMPLEMENTATION(futures::detail::process::T, boost::serialization::object_serializable) \
    BOOST_CLASS_TRACKING(futures::detail::process::T, boost::serialization::track_never)
FUTURES_DETAIL_WIRE_TYPE(hello)
FUTURES_DETAIL_WIRE_TYPE(call_batch)
FUTURES_DETAIL_WIRE_TYPE(failure)
FUTURES_DETAIL_WIRE_TYPE(indexed_failure)
FUTURES_DETAIL_WIRE_TYPE(result_batch)
FUTURES_DETAIL_WIRE_TYPE(call_frame)
FUTURES_DETAIL_WIRE_TYPE(result_frame)
#undef FUTURES_DETAIL_WIRE_TYPE

// The least wire size of the types that come in vectors (bounded_archive.hpp): every
// field at its smallest (empty strings and lists). test_process_frame_lengths checks these
// against a default-constructed value's encoding.
namespace futures::detail::process {
template <>
struct wire_floor<call_batch> : std::integral_constant<std::size_t, 45> {};
template <>
struct wire_floor<result_batch> : std::integral_constant<std::size_t, 48> {};
template <>
struct wire_floor<indexed_failure> : std::integral_constant<std::size_t, 32> {};
}  // namespace futures::detail::process
