// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_JSON_HPP
#define WSX_JSON_HPP

// Objects as JSON messages, as the browser sends them with JSON.stringify:
// nlohmann/json as a wsx codec (codec.hpp). Including this header makes
// JSON the default codec of every type nlohmann/json converts, so
//
//   .on_message([](wsx::session& s, const chat_line& line) { ... })   // from_json(const json&, chat_line&)
//   .on_message([](wsx::session& s, const nlohmann::json& j) { ... })
//   s.send_json(chat_line{...});  server.publish_json("room", j);
//
// work without naming a codec. Component wsx::json (CMake), which links
// nlohmann_json::nlohmann_json; a program that does not include this
// header does not need nlohmann/json at all.

#include <wsx/codec.hpp>
#include <wsx/message.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace wsx {

/// The JSON codec: decodes a text (or binary) message holding one JSON
/// value, and encodes a value as a JSON text message.
struct json_codec {
    /// Parses the message; false when it is not JSON. Never throws.
    static bool decode(const message& m, nlohmann::json& out) {
        const std::string_view bytes = m.text();
        out = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
        return !out.is_discarded();
    }
    /// Parses the message and converts it with from_json(); false when it
    /// is not JSON or not a T (a missing member, a wrong type). A T whose
    /// from_json throws something other than a nlohmann::json::exception
    /// fails the same way: wsx treats any throw from a decoder as "not a T".
    template <class T> static bool decode(const message& m, T& out) {
        nlohmann::json j;
        if (!decode(m, j)) return false;
        try {
            j.get_to(out);
        } catch (const nlohmann::json::exception&) {
            return false;
        }
        return true;
    }

    /// The JSON text of `value` (to_json() for a user type). Strings that
    /// are not UTF-8 get U+FFFD in place of their bad bytes: a text message
    /// must be UTF-8, and a peer closes the connection on one that is not.
    template <class T> static std::string encode(const T& value) {
        if constexpr (std::is_same_v<T, nlohmann::json>) {
            return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        } else {
            return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
    }
};

namespace detail {
template <class T, class = void> struct json_decodable : std::false_type {};
template <class T>
struct json_decodable<T, std::void_t<decltype(std::declval<const nlohmann::json&>().template get<T>())>>
    : std::true_type {};
} // namespace detail

/// JSON is the codec of nlohmann::json itself and of every type it can
/// convert from (from_json() found by ADL, or an adl_serializer).
template <class T> struct default_codec<T, std::enable_if_t<detail::json_decodable<T>::value>> {
    using type = json_codec;
};

} // namespace wsx

#endif
