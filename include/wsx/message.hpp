// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_MESSAGE_HPP
#define WSX_MESSAGE_HPP

// A message handed to on_message is a view into the connection's read
// buffer: receiving a single-frame message costs no copy. Copying a message
// object makes the copy own its bytes, so a message kept beyond the handler
// (a chat history, a queue) never dangles. A message is a plain value with
// nothing cached in it: one message object may be sent from any number of
// threads at once. To send the same bytes to many sessions, framed once,
// see prepared_message.

#include <wsx/protocol/frame.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
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
struct message_access;
} // namespace detail

/// One WebSocket message, text or binary: what on_message receives and what
/// send() takes. A received message is a view into the connection's read
/// buffer (no copy); copying a message makes the copy own its bytes, so a
/// message kept beyond the handler never dangles. To send one message to
/// many sessions framed once, make a prepared_message of it.
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
};

namespace detail {
struct message_access {
    static message view(protocol::opcode op, const std::uint8_t* data, std::size_t size) noexcept {
        return message(op, data, size);
    }
};
} // namespace detail

} // namespace wsx

#endif
