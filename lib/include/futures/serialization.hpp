#pragma once
// What crosses a process boundary, and how to make your own types cross it.
//
// Arguments and results of process tasks are written with Boost.Serialization
// binary archives. This header includes the Boost adapters for the common standard
// types (string, vector, map, set, list, deque, pair, unordered containers) and adds
// the ones Boost 1.81 lacks: std::tuple, std::optional, std::variant, std::monostate
// (Boost gained its own in 1.84; the guard keeps a later upgrade from clashing).
//
// A user type becomes serializable with a member
//
//     struct point { int x, y;
//         template <class Ar> void serialize(Ar& ar, unsigned) { ar & x & y; } };
//
// or a free boost::serialization::serialize(Ar&, point&, unsigned) for types you do
// not own. Types must be default-constructible to be loaded. Never send raw or
// polymorphic pointers: the pipe is trusted, but we keep the wire to value types.
// Both processes must come from the same build (the archives are native binary).
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

#include <boost/archive/archive_exception.hpp>
#include <boost/serialization/deque.hpp>
#include <boost/serialization/list.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/set.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/unordered_map.hpp>
#include <boost/serialization/unordered_set.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/version.hpp>

#if BOOST_VERSION < 108400
namespace boost::serialization {

template <class Ar, class... Ts>
void serialize(Ar& ar, std::tuple<Ts...>& t, const unsigned) {
    std::apply([&](auto&... e) { ((ar & e), ...); }, t);
}

template <class Ar, class T>
void save(Ar& ar, const std::optional<T>& o, const unsigned) {
    const bool has = o.has_value();
    ar << has;
    if (has) ar << *o;
}
template <class Ar, class T>
void load(Ar& ar, std::optional<T>& o, const unsigned) {
    bool has = false;
    ar >> has;
    if (!has) {
        o.reset();
        return;
    }
    T v{};
    ar >> v;
    o = std::move(v);
}
template <class Ar, class T>
void serialize(Ar& ar, std::optional<T>& o, const unsigned v) {
    split_free(ar, o, v);
}

template <class Ar>
void serialize(Ar&, std::monostate&, const unsigned) {}

template <class Ar, class... Ts>
void save(Ar& ar, const std::variant<Ts...>& v, const unsigned) {
    const auto idx = static_cast<std::uint32_t>(v.index());
    ar << idx;
    std::visit([&](const auto& x) { ar << x; }, v);
}
namespace futures_detail {
template <class Ar, class V, std::size_t... I>
void load_alternative(Ar& ar, V& v, std::uint32_t idx, std::index_sequence<I...>) {
    bool done = ((idx == I ? (void([&] {
                                  std::variant_alternative_t<I, V> x{};
                                  ar >> x;
                                  v = std::move(x);
                              }()),
                              true)
                           : false) ||
                 ...);
    // A corrupt index must not pick an alternative: fail the load instead.
    if (!done) throw boost::archive::archive_exception(boost::archive::archive_exception::unsupported_version);
}
}  // namespace futures_detail
template <class Ar, class... Ts>
void load(Ar& ar, std::variant<Ts...>& v, const unsigned) {
    std::uint32_t idx = 0;
    ar >> idx;
    futures_detail::load_alternative(ar, v, idx, std::index_sequence_for<Ts...>{});
}
template <class Ar, class... Ts>
void serialize(Ar& ar, std::variant<Ts...>& v, const unsigned n) {
    split_free(ar, v, n);
}

}  // namespace boost::serialization
#endif
