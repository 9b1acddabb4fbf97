#pragma once
// A list of byte strings stored back to back in one buffer: the arguments of the
// calls of a batch, or their results. One allocation for the whole list instead of
// one string per call, and, when every item has the same length (bitwise values,
// archive.hpp), no per-item bytes at all: `sizes` stays empty and the stride is
// bytes.size() / count. A different length turns the explicit sizes on.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/level.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/tracking.hpp>
#include <boost/serialization/vector.hpp>

namespace futures::detail::process {

class packed_values {
public:
    std::uint32_t count() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    std::size_t byte_size() const noexcept { return bytes().size(); }
    /// Whether every item has the same length (no per-item sizes are stored).
    bool uniform() const noexcept { return sizes_.empty(); }
    void reserve_bytes(std::size_t n) {
        own();
        bytes_.reserve(n);
    }
    /// The items' bytes, back to back: our own, or a view into the frame they
    /// arrived in (bounded_iarchive::view_bytes), which this list keeps alive.
    std::string_view bytes() const noexcept { return keep_ ? view_ : std::string_view(bytes_); }

    void append(std::string_view item) {
        append_with([&](std::string& b) { b.append(item.data(), item.size()); });
    }
    /// Appends what write(std::string&) appends to the buffer. If write throws, the
    /// list is left as it was and the exception propagates.
    template <class Write>
    void append_with(Write&& write) {
        own();
        const std::size_t at = bytes_.size();
        try {
            write(bytes_);
        } catch (...) {
            bytes_.resize(at);
            throw;
        }
        note(bytes_.size() - at);
    }
    /// Appends n items of `size` bytes each, written in place by put(char* at,
    /// std::size_t i) for i in [0, n): one resize for all of them, for values of a
    /// fixed wire size. If put throws, the list is left as it was.
    template <class Put>
    void append_fixed(std::size_t n, std::size_t size, Put&& put) {
        if (n == 0) return;
        if (count_ != 0 && (!uniform() || size != stride_)) {
            // Lengths differ from what is there: one by one, as append() would.
            std::string item(size, '\0');
            for (std::size_t i = 0; i < n; ++i) {
                put(item.data(), i);
                append(item);
            }
            return;
        }
        own();
        const std::size_t at = bytes_.size();
        bytes_.resize(at + n * size);
        try {
            for (std::size_t i = 0; i < n; ++i) put(bytes_.data() + at + i * size, i);
        } catch (...) {
            bytes_.resize(at);
            throw;
        }
        if (count_ == 0) stride_ = size;
        count_ += static_cast<std::uint32_t>(n);
    }
    /// A list that reads other's items where they lie, without a copy and without
    /// keeping them alive: it must end before `other` changes or ends. For a frame
    /// that is serialized at once (channel::send) while its jobs keep their own lists.
    static packed_values borrow(const packed_values& other) {
        static const char anchor = 0;
        packed_values v;
        v.count_ = other.count_;
        v.sizes_ = other.sizes_;
        v.stride_ = other.stride_;
        v.view_ = other.bytes();
        v.keep_ = std::shared_ptr<const void>(std::shared_ptr<const void>(), &anchor);  // set, owns nothing
        return v;
    }
    /// Appends every item of `other`, in order.
    void append(const packed_values& other) {
        if (other.count_ == 0) return;
        if (other.uniform() && (count_ == 0 || (uniform() && other.stride() == stride()))) {
            own();
            bytes_.append(other.bytes());
            if (count_ == 0) stride_ = other.stride();
            count_ += other.count_;
            return;
        }
        for (auto r = other.reader(); !r.done();) append(r.next());
    }

    class cursor {
    public:
        bool done() const noexcept { return k_ == v_->count_; }
        std::uint32_t index() const noexcept { return k_; }
        std::size_t offset() const noexcept { return at_; }
        /// The next item; requires !done().
        std::string_view next() {
            const std::size_t n = v_->uniform() ? v_->stride() : v_->sizes_[k_];
            std::string_view s(v_->bytes().data() + at_, n);
            at_ += n;
            ++k_;
            return s;
        }

    private:
        friend class packed_values;
        cursor(const packed_values* v, std::uint32_t k, std::size_t at) : v_(v), k_(k), at_(at) {}
        const packed_values* v_;
        std::uint32_t k_;
        std::size_t at_;
    };
    /// The bytes of the n items from `from` on, if every item has the same length
    /// (so the caller can take them as one array); nullopt otherwise.
    std::optional<std::string_view> span(const cursor& from, std::uint32_t n) const {
        if (!uniform() || from.k_ + std::uint64_t(n) > count_) return std::nullopt;
        return std::string_view(bytes().data() + from.at_, std::size_t(n) * stride_);
    }
    /// Reads from the first item, or from item k at byte offset `at` (as a cursor
    /// reported them).
    cursor reader(std::uint32_t k = 0, std::size_t at = 0) const { return cursor(this, k, at); }

    /// Throws std::length_error unless the sizes account for exactly the bytes: run
    /// on everything that came off the wire, before any item is read.
    void check() const {
        if (uniform()) {
            if (count_ == 0 ? !bytes().empty() : bytes().size() % count_ != 0)
                throw std::length_error("packed values: bytes do not divide into items");
            return;
        }
        if (sizes_.size() != count_) throw std::length_error("packed values: item count and sizes disagree");
        std::size_t total = 0;
        for (auto n : sizes_) total += n;
        if (total != bytes().size()) throw std::length_error("packed values: sizes do not add up to the bytes");
    }

    // On the wire the bytes are one std::string; an archive that can hand them out
    // in place (bounded_iarchive in viewing mode) gives a view instead of a copy.
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& count_& sizes_;
        if constexpr (Ar::is_loading::value) {
            if constexpr (requires { ar.take_view(keep_); }) {
                if (ar.viewing()) {
                    bytes_.clear();
                    view_ = ar.take_view(keep_);
                } else {
                    ar& bytes_;
                }
            } else {
                ar& bytes_;
            }
            stride_ = uniform() && count_ ? bytes().size() / count_ : 0;
        } else {
            if constexpr (std::is_same_v<Ar, boost::archive::binary_oarchive>) {
                if (keep_) {
                    // Viewed (or borrowed) bytes are written as the std::string they stand
                    // for, as a binary archive writes one (its size_t length, then the
                    // bytes), instead of being copied into bytes_ first.
                    std::size_t n = view_.size();
                    ar << n;
                    ar.save_binary(view_.data(), n);
                    return;
                }
            }
            own();
            ar& bytes_;
        }
    }

private:
    std::size_t stride() const noexcept { return stride_; }
    // A list about to change (or be sent on) holds its bytes itself.
    void own() {
        if (!keep_) return;
        bytes_.assign(view_);
        view_ = {};
        keep_.reset();
    }
    void note(std::size_t n) {
        if (count_ == 0) {
            stride_ = n;
        } else if (uniform() && n != stride_) {
            sizes_.assign(count_, static_cast<std::uint32_t>(stride_));  // from now on, explicit
        }
        if (!uniform()) sizes_.push_back(static_cast<std::uint32_t>(n));
        ++count_;
    }

    std::uint32_t count_ = 0;
    std::vector<std::uint32_t> sizes_;  // empty: uniform
    std::string bytes_;
    std::string_view view_;             // the bytes, when keep_ holds the frame they are in
    std::shared_ptr<const void> keep_;  // set: bytes are view_, not bytes_
    std::size_t stride_ = 0;            // the length of every item while uniform
};

}  // namespace futures::detail::process

BOOST_CLASS_IMPLEMENTATION(futures::detail::process::packed_values, boost::serialization::object_serializable)
BOOST_CLASS_TRACKING(futures::detail::process::packed_values, boost::serialization::track_never)
