#pragma once
// Tasks shared by the process-pool tests and the test worker binary.
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <sys/types.h>

#include <futures/serialization.hpp>
#include <futures/task.hpp>

namespace ptest {

/// What a trap does when it is (de)serialized in one phase.
enum action : int { none = 0, throw_it, exit_3, underscore_exit_4, abort_it, segv, sigkill_self };
/// Phases of a call, in order.
enum phase : int { parent_saves_args = 0, worker_loads_args, worker_saves_result, parent_loads_result };

/// A value that misbehaves in a chosen phase. `hops` counts the saves so that save
/// and load know which side of the pipe they run on.
struct trap {
    int act[4] = {0, 0, 0, 0};
    int hops = 0;
    template <class Ar>
    void save(Ar& ar, unsigned) const;
    template <class Ar>
    void load(Ar& ar, unsigned);
    BOOST_SERIALIZATION_SPLIT_MEMBER()
};
void perform(int action);

template <class Ar>
void trap::save(Ar& ar, unsigned) const {
    perform(act[hops == 0 ? parent_saves_args : worker_saves_result]);
    int h = hops + 1;
    ar << act << h;
}
template <class Ar>
void trap::load(Ar& ar, unsigned) {
    ar >> act >> hops;
    perform(act[hops == 1 ? worker_loads_args : parent_loads_result]);
}

/// A user type with the std types the adapters cover.
struct record {
    std::string name;
    std::vector<int> values;
    std::map<std::string, std::pair<int, double>> table;
    std::tuple<int, std::string, std::optional<int>> tup;
    std::variant<std::monostate, int, std::string> var;
    friend bool operator==(const record&, const record&) = default;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& name& values& table& tup& var;
    }
};

int add(int a, int b);
int gcd(std::pair<int, int> p);
int square(int x);
pid_t get_pid();
/// Sleeps ms milliseconds (a call whose cost depends on its argument), then says who ran it.
pid_t nap(int ms);
record echo_record(record r);
trap echo_trap(trap t);
int crash(int how);  // performs `how` (an action) in the task itself
int throw_kind(int kind, std::string msg);
int print_and_return(std::string text);
std::size_t big_arg(std::string s);
std::string echo_string(std::string s);
std::vector<double> echo_doubles(std::vector<double> v);
/// Blocks like block_forever, holding a (large) argument.
int hold_forever(std::string s);
int block_forever();
void set_global(int v);
int get_global();
int fail_if_negative(int x);  // std::out_of_range for x < 0
/// Waits until the file `gate` exists (unless gate is empty), then as
/// fail_if_negative(x); std::runtime_error if the gate stays shut for 20 s.
int gated(std::string gate, int x);
/// The worker's open fds as "fd -> target" (readlink of /proc/self/fd/N), without
/// the one the listing itself uses.
std::vector<std::string> list_fds();

}  // namespace ptest

FUTURES_TASK(add_task, ptest::add);
FUTURES_TASK(gcd_task, ptest::gcd);
FUTURES_TASK(square_task, ptest::square);
FUTURES_TASK(get_pid_task, ptest::get_pid);
FUTURES_TASK(nap_task, ptest::nap);
FUTURES_TASK(echo_record_task, ptest::echo_record);
FUTURES_TASK(echo_trap_task, ptest::echo_trap);
FUTURES_TASK(crash_task, ptest::crash);
FUTURES_TASK(throw_task, ptest::throw_kind);
FUTURES_TASK(print_task, ptest::print_and_return);
FUTURES_TASK(big_arg_task, ptest::big_arg);
FUTURES_TASK(echo_string_task, ptest::echo_string);
FUTURES_TASK(echo_doubles_task, ptest::echo_doubles);
FUTURES_TASK(hold_task, ptest::hold_forever);
FUTURES_TASK(block_task, ptest::block_forever);
FUTURES_TASK(set_global_task, ptest::set_global);
FUTURES_TASK(get_global_task, ptest::get_global);
FUTURES_TASK(fail_negative_task, ptest::fail_if_negative);
FUTURES_TASK(gated_task, ptest::gated);
FUTURES_TASK(list_fds_task, ptest::list_fds);
