// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_CLOSE_HPP
#define WSX_PROTOCOL_CLOSE_HPP

// Close codes and the close frame payload (RFC 6455 5.5.1, 7.4): a 2-byte
// big-endian code followed by a UTF-8 reason, or nothing at all.

#include <wsx/error.hpp>
#include <wsx/protocol/utf8.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace wsx {
namespace protocol {

/// The RFC 6455 7.4.1 close codes by name; wsx::close_code is this namespace.
namespace close_code {
constexpr std::uint16_t normal = 1000;              ///< the purpose of the connection is fulfilled
constexpr std::uint16_t going_away = 1001;          ///< server shutdown, or a page navigated away
constexpr std::uint16_t protocol_error = 1002;      ///< the peer broke RFC 6455
constexpr std::uint16_t unsupported_data = 1003;    ///< a message type the endpoint cannot take
constexpr std::uint16_t no_status = 1005;    ///< never on the wire: "the close frame had no code"
constexpr std::uint16_t abnormal = 1006;     ///< never on the wire: "no close frame at all"
constexpr std::uint16_t invalid_payload = 1007;     ///< text that is not UTF-8, or undecodable data
constexpr std::uint16_t policy_violation = 1008;    ///< a generic "this breaks our rules"
constexpr std::uint16_t message_too_big = 1009;     ///< over max_message_size or max_frame_size
constexpr std::uint16_t mandatory_extension = 1010; ///< (client) the server did not accept a needed extension
constexpr std::uint16_t internal_error = 1011;      ///< an unexpected condition, e.g. a handler threw
constexpr std::uint16_t service_restart = 1012;     ///< the service is restarting
constexpr std::uint16_t try_again_later = 1013;     ///< temporary overload
constexpr std::uint16_t bad_gateway = 1014;         ///< a gateway got an invalid answer upstream
constexpr std::uint16_t tls_handshake = 1015; ///< never on the wire: TLS handshake failed
} // namespace close_code

/// Why a connection closed, as the user sees it (wsx::close_reason).
struct close_reason {
    std::uint16_t code = close_code::no_status; ///< the close code (1005: the close frame had none; 1006: no close frame)
    std::string reason;                         ///< the UTF-8 reason text, often empty
};

/// The longest reason that fits in a control frame after the 2-byte code.
constexpr std::size_t max_close_reason_size = 123;

/// True if `code` may appear in a close frame (RFC 6455 7.4.1 and the IANA
/// registry): 1000-1003, 1007-1014 and the application ranges 3000-4999.
/// 1004 is reserved, 1005/1006/1015 are for local reporting only, the rest
/// of 1000-2999 is unassigned and below 1000 / from 5000 up is never valid.
constexpr bool is_valid_close_code(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/// Parses a received (unmasked) close payload. An empty payload yields 1005
/// (no_status) and an empty reason. `reason` points into [p, p + n).
inline std::error_code parse_close_payload(const std::uint8_t* p, std::size_t n, std::uint16_t& code,
                                           std::string_view& reason) noexcept {
    reason = {};
    if (n == 0) {
        code = close_code::no_status;
        return {};
    }
    if (n == 1) return make_error_code(error::bad_close_payload);
    code = static_cast<std::uint16_t>((p[0] << 8) | p[1]);
    if (!is_valid_close_code(code)) return make_error_code(error::bad_close_code);
    if (!is_valid_utf8(p + 2, n - 2)) return make_error_code(error::bad_close_reason);
    reason = std::string_view(reinterpret_cast<const char*>(p + 2), n - 2);
    return {};
}

/// Writes the payload of a close frame we send to out (>= 125 bytes) and
/// returns its length. 1005 (no_status) means "send no code": an empty
/// payload. Throws std::system_error(error::bad_argument) for a code that may
/// not be sent, a reason over 123 bytes, a reason that is not UTF-8, or a
/// reason with 1005: each is a bug in the calling program, not a network event.
inline std::size_t build_close_payload(std::uint16_t code, std::string_view reason, std::uint8_t* out) {
    if (code == close_code::no_status) {
        if (!reason.empty())
            throw std::system_error(make_error_code(error::bad_argument),
                                    "wsx: a close reason needs a close code; 1005 (no status) sends an "
                                    "empty close frame, so pass a code such as 1000 with the reason");
        return 0;
    }
    if (!is_valid_close_code(code))
        throw std::system_error(make_error_code(error::bad_argument),
                                "wsx: close code " + std::to_string(code) +
                                    " may not be sent; use 1000-1003, 1007-1014 or an application code "
                                    "in 3000-4999 (1005/1006/1015 are for local reporting only)");
    if (reason.size() > max_close_reason_size)
        throw std::system_error(make_error_code(error::bad_argument),
                                "wsx: close reason is " + std::to_string(reason.size()) +
                                    " bytes; at most 123 bytes fit in a close frame, shorten it");
    if (!is_valid_utf8(reason.data(), reason.size()))
        throw std::system_error(make_error_code(error::bad_argument),
                                "wsx: close reason is not valid UTF-8; the peer would reject it with 1007");
    out[0] = static_cast<std::uint8_t>(code >> 8);
    out[1] = static_cast<std::uint8_t>(code & 0xFF);
    if (!reason.empty()) std::memcpy(out + 2, reason.data(), reason.size());
    return 2 + reason.size();
}

} // namespace protocol
} // namespace wsx

#endif
