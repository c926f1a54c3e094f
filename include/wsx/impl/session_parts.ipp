// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_PARTS_IPP
#define WSX_IMPL_SESSION_PARTS_IPP

// wsx::session, receiving messages in parts (on_message_part): the reader's
// streaming events become handler calls as the bytes arrive, text cut only
// between code points, compressed messages inflated piece by piece. Nothing
// holds a whole message, so its size is bounded by max_message_size alone,
// or by nothing when that is 0 (docs/streams.md).
// Included by session.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/session_parts.hpp>

#include <cstring>

namespace wsx {

namespace detail {

// Compressed bytes inflated per step before the output goes to the handler:
// deflate expands at most ~1032:1, so a step's output stays near 1 MiB
// whatever the peer sends (a decompression bomb included).
inline constexpr std::size_t part_inflate_step = 1024;

// The length of a code point from its first byte (the bytes were validated).
constexpr std::size_t utf8_sequence_length(std::uint8_t lead) noexcept {
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// How many bytes at the end of valid UTF-8 [p, p + n) are an unfinished code point.
inline std::size_t utf8_unfinished_tail(const std::uint8_t* p, std::size_t n) noexcept {
    for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
        const std::uint8_t b = p[n - back];
        if ((b & 0xC0) == 0x80) continue; // a continuation byte: its lead is further back
        return utf8_sequence_length(b) > back ? back : 0;
    }
    return 0;
}

} // namespace detail

WSX_DECL detail::stream_parts& session::streams() {
    if (!streams_) streams_ = std::make_unique<detail::stream_parts>();
    return *streams_;
}

WSX_DECL void session::on_part_begin(protocol::opcode op, bool compressed) {
    detail::stream_parts& p = streams();
    p.rx_text = op == protocol::opcode::text;
    p.rx_compressed = compressed;
    p.rx_last_told = false;
    p.carry_len = 0;
    // RFC 6455 1.4: data after our close is discarded, as whole messages are.
    p.rx_skip = phase_now() >= phase::closing;
    if (p.rx_skip) return;
    if (!(p.rx_text ? bool(endpoint_->on_text_part) : bool(endpoint_->on_binary_part))) {
        p.rx_skip = true;
        return fail(make_error_code(error::unsupported_data));
    }
    if (compressed) {
        const std::uint64_t limit = options_->max_message_size == 0 ? UINT64_MAX : options_->max_message_size;
        if (!deflate_->codec->decompress_begin(limit, p.rx_text)) {
            // A user's codec that can only inflate whole messages: holding
            // one would break the promise part handlers are for.
            p.rx_skip = true;
            return fail(make_error_code(error::invalid_state));
        }
    }
}

WSX_DECL void session::on_part_data(const std::uint8_t* data, std::size_t size, bool final) {
    detail::stream_parts& p = *streams_;
    if (p.rx_skip || phase_now() >= phase::closing) {
        p.rx_skip = true;
        return;
    }
    if (!p.rx_compressed) return deliver_part(data, size, final);
    std::vector<std::uint8_t>& out = deflate_->inflated;
    while (size != 0) {
        const std::size_t take = size < detail::part_inflate_step ? size : detail::part_inflate_step;
        out.clear();
        if (std::error_code ec = deflate_->codec->decompress_part(data, take, out)) {
            p.rx_skip = true;
            return fail(ec);
        }
        data += take;
        size -= take;
        deliver_part(out.data(), out.size(), false);
        if (p.rx_skip) return;
    }
}

WSX_DECL void session::on_part_end() {
    detail::stream_parts& p = *streams_;
    if (!p.rx_skip && phase_now() >= phase::closing) p.rx_skip = true;
    if (!p.rx_skip && p.rx_compressed) {
        std::vector<std::uint8_t>& out = deflate_->inflated;
        out.clear();
        if (std::error_code ec = deflate_->codec->decompress_end(out)) {
            p.rx_skip = true;
            return fail(ec);
        }
        deliver_part(out.data(), out.size(), true);
    }
    if (!p.rx_skip && !p.rx_last_told) deliver_part(nullptr, 0, true);
    if (deflate_ && deflate_->inflated.capacity() > protocol::reader::retained_capacity)
        std::vector<std::uint8_t>().swap(deflate_->inflated);
}

// Text goes out in whole code points: the start of one that a chunk cuts
// is kept (at most 3 bytes) and completed from the next chunk. The bytes
// were validated (by the reader, or the inflater) before they get here, so
// `last` never comes with an unfinished code point.
WSX_DECL void session::deliver_part(const std::uint8_t* data, std::size_t size, bool last) {
    detail::stream_parts& p = *streams_;
    if (!p.rx_text) {
        if (size != 0 || last) call_part_handler(data, size, last);
        return;
    }
    if (p.carry_len != 0) {
        const std::size_t want = detail::utf8_sequence_length(p.carry[0]);
        std::size_t k = want - p.carry_len;
        if (k > size) k = size;
        if (k != 0) std::memcpy(p.carry.data() + p.carry_len, data, k);
        p.carry_len = static_cast<std::uint8_t>(p.carry_len + k);
        data += k;
        size -= k;
        if (p.carry_len < want) return; // still unfinished: more comes
        const bool carry_last = last && size == 0;
        std::array<std::uint8_t, 4> whole = p.carry;
        p.carry_len = 0;
        call_part_handler(whole.data(), want, carry_last);
        if (carry_last || p.rx_skip) return;
    }
    const std::size_t tail = detail::utf8_unfinished_tail(data, size);
    if (tail != 0) {
        std::memcpy(p.carry.data(), data + size - tail, tail);
        p.carry_len = static_cast<std::uint8_t>(tail);
        size -= tail;
        last = false;
    }
    if (size != 0 || last) call_part_handler(data, size, last);
}

WSX_DECL void session::call_part_handler(const std::uint8_t* data, std::size_t size, bool last) {
    detail::stream_parts& p = *streams_;
    if (last) p.rx_last_told = true;
    if (p.rx_text) {
        const std::string_view chunk(reinterpret_cast<const char*>(data), size);
        invoke([&] { endpoint_->on_text_part(*this, chunk, last); });
    } else {
        invoke([&] { endpoint_->on_binary_part(*this, byte_view(data, size), last); });
    }
    // The handler closed the connection (or threw): the rest is discarded.
    if (phase_now() >= phase::closing) p.rx_skip = true;
}

} // namespace wsx

#endif
