// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_REDIS_ENVELOPE_HPP
#define WSX_DETAIL_REDIS_ENVELOPE_HPP

// The bytes one publication travels as between nodes (docs/scaling.md):
//
//   'W' '1'  format and version, so that a later format can be told apart
//   op       't' (text) or 'b' (binary): the opcode survives the trip
//   n        the node id's length, one byte (1-255)
//   node id  n bytes: the receiving node drops its own publications
//   payload  the rest, any bytes
//
// Redis channel payloads are binary-safe, so nothing is escaped. Anything
// else on the channel (another program's PUBLISH) fails to parse and is
// dropped, never delivered.

#include <wsx/protocol/frame.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wsx::detail {

inline constexpr std::size_t redis_envelope_overhead = 4; // 'W' '1' op n

struct redis_envelope {
    protocol::opcode op = protocol::opcode::text;
    std::string_view node;
    std::string_view payload;
};

// `node` is 1-255 bytes (redis_options checks it before anything is sent).
inline std::string encode_envelope(std::string_view node, protocol::opcode op, const void* data, std::size_t size) {
    std::string out;
    out.reserve(redis_envelope_overhead + node.size() + size);
    out += 'W';
    out += '1';
    out += op == protocol::opcode::binary ? 'b' : 't';
    out += static_cast<char>(static_cast<unsigned char>(node.size()));
    out.append(node.data(), node.size());
    if (size != 0) out.append(static_cast<const char*>(data), size);
    return out;
}

// The views point into `bytes`; nothing when they are not an envelope.
inline std::optional<redis_envelope> decode_envelope(std::string_view bytes) {
    if (bytes.size() < redis_envelope_overhead || bytes[0] != 'W' || bytes[1] != '1') return std::nullopt;
    redis_envelope e;
    if (bytes[2] == 't')
        e.op = protocol::opcode::text;
    else if (bytes[2] == 'b')
        e.op = protocol::opcode::binary;
    else
        return std::nullopt;
    const std::size_t n = static_cast<unsigned char>(bytes[3]);
    if (n == 0 || bytes.size() - redis_envelope_overhead < n) return std::nullopt;
    e.node = bytes.substr(redis_envelope_overhead, n);
    e.payload = bytes.substr(redis_envelope_overhead + n);
    return e;
}

} // namespace wsx::detail

#endif
