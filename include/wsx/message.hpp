// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_MESSAGE_HPP
#define WSX_MESSAGE_HPP

// A message handed to on_message is a view into the connection's read
// buffer: receiving a single-frame message costs no copy. Copying a message
// object makes the copy own its bytes, so a message kept beyond the handler
// (a chat history, a queue) never dangles.
//
// Sending one message object to many sessions frames it once: the first
// session that needs shared bytes serialises the frame and caches it in the
// message, and every later send shares those bytes. Sends of one message
// may come from several threads at once (a broadcast from two io threads):
// the cache is guarded by a lock chosen by the message's address, held only
// to look a frame up or add one, never while one is built.

#include <wsx/protocol/frame.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace wsx {

/// A read-only view of binary bytes (C++17 has no std::span).
class byte_view {
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;

public:
    constexpr byte_view() noexcept = default;
    /// Views `size` bytes at `data`; the bytes must outlive the view.
    constexpr byte_view(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
    /// Views the bytes of a vector (implicit, so a vector can be passed where a byte_view is taken).
    byte_view(const std::vector<std::uint8_t>& v) noexcept : data_(v.data()), size_(v.size()) {}
    /// The first byte (may be null when empty).
    constexpr const std::uint8_t* data() const noexcept { return data_; }
    /// The number of bytes.
    constexpr std::size_t size() const noexcept { return size_; }
    /// True when there are no bytes.
    constexpr bool empty() const noexcept { return size_ == 0; }
    /// Iterator to the first byte.
    constexpr const std::uint8_t* begin() const noexcept { return data_; }
    /// Iterator past the last byte.
    constexpr const std::uint8_t* end() const noexcept { return data_ + size_; }
    /// The byte at `i` (unchecked).
    constexpr std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }
    /// A copy of the bytes.
    std::vector<std::uint8_t> to_vector() const { return {data_, data_ + size_}; }
};

namespace detail {
// A complete server frame (header + unmasked payload) shared by every
// session a message is broadcast to. A message keeps one per form it was
// sent in: key 0 is the plain frame, any other key a compressed one (see
// deflate_codec::shared_key), so receivers with different compression
// parameters each get theirs, built once.
struct shared_frame {
    std::vector<std::uint8_t> bytes;
    std::uint64_t key = 0;
    std::shared_ptr<const shared_frame> next;
};
struct message_access;

// The lock of a message's frame cache: one of a fixed set, picked by the
// message's address, so that a message costs no mutex of its own.
inline std::mutex& frame_cache_lock(const void* m) noexcept {
    static std::mutex locks[64];
    return locks[(reinterpret_cast<std::uintptr_t>(m) >> 4) % 64];
}
} // namespace detail

/// One WebSocket message, text or binary: what on_message receives and what
/// send() takes. A received message is a view into the connection's read
/// buffer (no copy); copying a message makes the copy own its bytes, so a
/// message kept beyond the handler never dangles. Sending one message object
/// to many sessions frames it once.
class message {
public:
    // An empty text message.
    message() noexcept = default;

    /// A text message owning `s` (which must be UTF-8: the peer closes the connection on invalid text).
    static message text(std::string s) { return message(protocol::opcode::text, std::move(s)); }
    /// A binary message owning `bytes`.
    static message binary(std::string bytes) { return message(protocol::opcode::binary, std::move(bytes)); }
    /// A binary message owning a copy of `size` bytes at `data`.
    static message binary(const void* data, std::size_t size) {
        return binary(std::string(static_cast<const char*>(data), size));
    }
    /// A binary message owning a copy of `bytes`.
    static message binary(byte_view bytes) { return binary(bytes.data(), bytes.size()); }

    /// Copies; the copy owns its bytes (a view into a read buffer is copied, an
    /// owned message shares its bytes).
    message(const message& other) : op_(other.op_) {
        {
            std::lock_guard<std::mutex> lock(detail::frame_cache_lock(&other));
            frame_ = other.frame_;
        }
        if (other.owner_) {
            owner_ = other.owner_;
            data_ = other.data_;
            size_ = other.size_;
        } else if (other.size_ != 0) {
            owner_ = std::make_shared<const std::string>(reinterpret_cast<const char*>(other.data_), other.size_);
            data_ = reinterpret_cast<const std::uint8_t*>(owner_->data());
            size_ = owner_->size();
        }
    }
    /// Moves; a moved view is still a view.
    message(message&&) noexcept = default;
    /// Copy-assigns, with the copy constructor's ownership rule.
    message& operator=(const message& other) {
        if (this != &other) *this = message(other);
        return *this;
    }
    /// Move-assigns.
    message& operator=(message&&) noexcept = default;

    /// True for a text message (its payload is valid UTF-8).
    bool is_text() const noexcept { return op_ == protocol::opcode::text; }
    /// True for a binary message.
    bool is_binary() const noexcept { return op_ == protocol::opcode::binary; }
    /// opcode::text or opcode::binary.
    protocol::opcode opcode() const noexcept { return op_; }

    /// The payload as characters; for a text message this is valid UTF-8.
    std::string_view text() const noexcept { return {reinterpret_cast<const char*>(data_), size_}; }
    /// The payload as bytes (also for a text message).
    byte_view binary() const noexcept { return {data_, size_}; }
    /// The first payload byte.
    const std::uint8_t* data() const noexcept { return data_; }
    /// The payload size in bytes.
    std::size_t size() const noexcept { return size_; }
    /// True for an empty payload.
    bool empty() const noexcept { return size_ == 0; }

private:
    friend struct detail::message_access;

    message(protocol::opcode op, std::string s)
        : op_(op), owner_(std::make_shared<const std::string>(std::move(s))) {
        data_ = reinterpret_cast<const std::uint8_t*>(owner_->data());
        size_ = owner_->size();
    }
    message(protocol::opcode op, const std::uint8_t* data, std::size_t size) noexcept
        : op_(op), data_(data), size_(size) {}

    protocol::opcode op_ = protocol::opcode::text;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    std::shared_ptr<const std::string> owner_;
    mutable std::shared_ptr<const detail::shared_frame> frame_;
};

namespace detail {
struct message_access {
    static message view(protocol::opcode op, const std::uint8_t* data, std::size_t size) noexcept {
        return message(op, data, size);
    }
    static std::shared_ptr<const shared_frame> cached_frame(const message& m, std::uint64_t key) noexcept {
        std::lock_guard<std::mutex> lock(frame_cache_lock(&m));
        return find(m, key);
    }
    // Keeps `f` (its next must be null) unless another thread cached a frame
    // for the same key meanwhile; returns the frame every send shares.
    static std::shared_ptr<const shared_frame> cache_frame(const message& m, std::shared_ptr<shared_frame> f) noexcept {
        std::lock_guard<std::mutex> lock(frame_cache_lock(&m));
        if (auto kept = find(m, f->key)) return kept;
        f->next = std::move(m.frame_);
        m.frame_ = std::move(f);
        return m.frame_;
    }

private:
    static std::shared_ptr<const shared_frame> find(const message& m, std::uint64_t key) noexcept {
        for (const shared_frame* f = m.frame_.get(); f; f = f->next.get()) {
            if (f->key == key) return std::shared_ptr<const shared_frame>(m.frame_, f);
        }
        return nullptr;
    }
};
} // namespace detail

} // namespace wsx

#endif
