// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PREPARED_MESSAGE_HPP
#define WSX_PREPARED_MESSAGE_HPP

// A message sent to many sessions should cost one frame, not one per
// receiver. A prepared_message is framed when it is made and never changes
// after that, so copies of it are one reference count each and it can be
// sent from any number of threads at once with no lock.
//
// The one thing it adds later is a compressed form, for receivers that
// agreed permessage-deflate without server context takeover: the bytes
// depend on the parameters each receiver agreed, which are not known when
// the message is made. The first send that needs a form compresses it and
// publishes it with a compare-and-swap; every later send with the same
// parameters shares those bytes. (Two threads racing on the very first send
// may both compress; one result is kept, the other freed.)

#include <wsx/detail/shared_frame.hpp>
#include <wsx/message.hpp>
#include <wsx/protocol/writer.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

namespace wsx {

namespace detail {
struct prepared_access;

// What every copy of one prepared_message shares.
struct prepared_state {
    protocol::opcode op = protocol::opcode::text;
    std::size_t header = 0; // bytes of the plain frame's header
    shared_frame plain;     // key 0
    // Compressed forms, newest first; owned here, never unlinked. Mutable:
    // adding a form does not change what the message is.
    mutable std::atomic<const shared_frame*> compressed{nullptr};

    prepared_state(protocol::opcode o, const void* data, std::size_t size) : op(o) {
        plain.bytes.reserve(protocol::max_header_size + size);
        protocol::append_frame(plain.bytes, o, data, size);
        header = plain.bytes.size() - size;
    }
    prepared_state(const prepared_state&) = delete;
    prepared_state& operator=(const prepared_state&) = delete;
    ~prepared_state() {
        for (const shared_frame* f = compressed.load(std::memory_order_acquire); f;) {
            const shared_frame* next = f->next;
            delete f;
            f = next;
        }
    }
};
} // namespace detail

/// An immutable message framed once, to send to many sessions: every send
/// shares its bytes (and, with permessage-deflate without server context
/// takeover, one compression per parameter set). Copies are cheap and
/// share the bytes; it may be sent from any thread, by many at once.
///
///     auto m = wsx::prepared_message::text(R"({"from":"ann","text":"hi"})");
///     for (auto& peer : s.open_sessions()) peer.send(m);
///
/// A client masks each frame with its own key, so a client session sends a
/// prepared message as it sends any other (one copy per send).
class prepared_message {
public:
    /// An empty text message.
    prepared_message() = default;
    /// Frames a copy of `m`'s payload with its opcode.
    explicit prepared_message(const message& m) : prepared_message(m.opcode(), m.data(), m.size()) {}

    /// A text message of a copy of `s` (which must be UTF-8: the peer closes the connection on invalid text).
    static prepared_message text(std::string_view s) { return {protocol::opcode::text, s.data(), s.size()}; }
    /// A binary message of a copy of `size` bytes at `data`.
    static prepared_message binary(const void* data, std::size_t size) { return {protocol::opcode::binary, data, size}; }
    /// A binary message of a copy of `bytes`.
    static prepared_message binary(byte_view bytes) { return binary(bytes.data(), bytes.size()); }
    /// A binary message of a copy of `bytes`.
    static prepared_message binary(std::string_view bytes) { return binary(bytes.data(), bytes.size()); }

    /// True for a text message.
    bool is_text() const noexcept { return opcode() == protocol::opcode::text; }
    /// True for a binary message.
    bool is_binary() const noexcept { return opcode() == protocol::opcode::binary; }
    /// opcode::text or opcode::binary.
    protocol::opcode opcode() const noexcept { return p_ ? p_->op : protocol::opcode::text; }
    /// The payload as characters.
    std::string_view text() const noexcept { return {reinterpret_cast<const char*>(data()), size()}; }
    /// The payload as bytes.
    byte_view binary() const noexcept { return {data(), size()}; }
    /// The first payload byte (null when empty and never framed).
    const std::uint8_t* data() const noexcept { return p_ ? p_->plain.bytes.data() + p_->header : nullptr; }
    /// The payload size in bytes.
    std::size_t size() const noexcept { return p_ ? p_->plain.bytes.size() - p_->header : 0; }
    /// True for an empty payload.
    bool empty() const noexcept { return size() == 0; }
    /// The compressed forms made so far: one per permessage-deflate parameter
    /// set among the receivers that needed one.
    std::size_t compressed_forms() const noexcept {
        std::size_t n = 0;
        if (p_)
            for (const detail::shared_frame* f = p_->compressed.load(std::memory_order_acquire); f; f = f->next) ++n;
        return n;
    }

private:
    friend struct detail::prepared_access;
    prepared_message(protocol::opcode op, const void* data, std::size_t size)
        : p_(std::make_shared<const detail::prepared_state>(op, data, size)) {}

    std::shared_ptr<const detail::prepared_state> p_;
};

namespace detail {
struct prepared_access {
    // The plain frame, kept alive by the message's shared state.
    static std::shared_ptr<const shared_frame> plain(const prepared_message& m) {
        if (!m.p_) {
            static const prepared_message empty = prepared_message::text({});
            return plain(empty);
        }
        return {m.p_, &m.p_->plain};
    }

    // The form for `key` (non-zero), made by `make()` (a heap shared_frame
    // with that key) if no send made it yet.
    template <class Make> static std::shared_ptr<const shared_frame> compressed(const prepared_message& m, std::uint64_t key, Make make) {
        if (!m.p_) return compressed(prepared_message::text({}), key, std::move(make));
        std::atomic<const shared_frame*>& head = m.p_->compressed;
        const shared_frame* seen = head.load(std::memory_order_acquire);
        if (const shared_frame* f = find(seen, nullptr, key)) return {m.p_, f};
        shared_frame* mine = make();
        for (;;) {
            mine->next = seen;
            if (head.compare_exchange_weak(seen, mine, std::memory_order_acq_rel, std::memory_order_acquire))
                return {m.p_, mine};
            // Someone published meanwhile: only the forms newer than the
            // list we searched can be ours.
            if (const shared_frame* f = find(seen, mine->next, key)) {
                delete mine;
                return {m.p_, f};
            }
        }
    }

private:
    static const shared_frame* find(const shared_frame* from, const shared_frame* until, std::uint64_t key) noexcept {
        for (const shared_frame* f = from; f != until; f = f->next)
            if (f->key == key) return f;
        return nullptr;
    }
};
} // namespace detail

} // namespace wsx

#endif
