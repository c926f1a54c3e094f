// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_CODEC_HPP
#define WSX_CODEC_HPP

// Messages as objects: the servlet's Encoder and Decoder as one codec type.
// A codec is a default-constructible type with two members (static or not):
//
//   struct my_codec {
//       // The message as a T; false (or a throw) when it is not one.
//       template <class T> bool decode(const wsx::message& m, T& out);
//       // The message that carries `value`: a std::string is sent as text
//       // (it must be UTF-8), a std::vector<std::uint8_t> as binary.
//       template <class T> std::string encode(const T& value);
//   };
//
// A handler taking (wsx::session&, const T&) gets each message decoded once,
// by the codec it names (on_message<my_codec>(f), or `using codec =
// my_codec;` in an endpoint class) or else by default_codec<T>: JSON for the
// types nlohmann/json converts, once <wsx/json.hpp> is included. Sending
// goes the other way: s.send_as<my_codec>(value), s.send_json(value).
// This header needs nothing beyond wsx itself; only json.hpp brings in
// nlohmann/json.

#include <wsx/message.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace wsx {

/// The codec a typed handler uses when it names none: no member `type` for
/// a T without one. <wsx/json.hpp> gives the types nlohmann/json converts
/// wsx::json_codec; specialise it to make your codec the default for your types.
template <class T, class = void> struct default_codec {};

/// JSON via nlohmann/json: defined in <wsx/json.hpp> (component wsx::json).
struct json_codec;

namespace detail {

// The message argument of a handler (session&, A): A, for a lambda, a
// function pointer or a member function that is not a template or overloaded.
template <class F, class = void> struct message_arg {};
template <class F> struct message_arg<F, std::void_t<decltype(&F::operator())>> : message_arg<decltype(&F::operator())> {};
template <class R, class S, class A> struct message_arg<R (*)(S, A), void> { using type = A; };
template <class R, class S, class A> struct message_arg<R (*)(S, A) noexcept, void> { using type = A; };
#define WSX_DETAIL_MESSAGE_ARG(quals)                                                                          \
    template <class R, class C, class S, class A> struct message_arg<R (C::*)(S, A) quals, void> { using type = A; };
WSX_DETAIL_MESSAGE_ARG()
WSX_DETAIL_MESSAGE_ARG(const)
WSX_DETAIL_MESSAGE_ARG(noexcept)
WSX_DETAIL_MESSAGE_ARG(const noexcept)
WSX_DETAIL_MESSAGE_ARG(&)
WSX_DETAIL_MESSAGE_ARG(const&)
#undef WSX_DETAIL_MESSAGE_ARG

template <class F, class = void> struct has_message_arg : std::false_type {};
template <class F> struct has_message_arg<F, std::void_t<typename message_arg<F>::type>> : std::true_type {};

// What on_message always took as the message itself: those handlers are
// not decoded (a handler of std::string gets the text, never a JSON string).
template <class A>
inline constexpr bool is_plain_message_arg =
    std::is_same_v<A, message> || std::is_same_v<A, std::string_view> || std::is_same_v<A, std::string>;

// True for a handler whose message argument is an object to decode.
template <class F, class = void> struct takes_decoded : std::false_type {};
template <class F>
struct takes_decoded<F, std::enable_if_t<has_message_arg<F>::value>>
    : std::bool_constant<!is_plain_message_arg<std::decay_t<typename message_arg<F>::type>>> {};

template <class F> using decoded_t = std::decay_t<typename message_arg<F>::type>;

// The class form: an endpoint class whose on_message (one member, not
// overloaded or a template) takes a decoded type. False for a class
// without on_message.
template <class E, class = void> struct member_takes_decoded : std::false_type {};
template <class E>
struct member_takes_decoded<E, std::void_t<decltype(&E::on_message)>> : takes_decoded<decltype(&E::on_message)> {};

template <class T, class = void> struct has_default_codec : std::false_type {};
template <class T> struct has_default_codec<T, std::void_t<typename default_codec<T>::type>> : std::true_type {};

// The codec named, or T's default one.
template <class Codec, class T> struct codec_for { using type = Codec; };
template <class T> struct codec_for<void, T> {
    static_assert(has_default_codec<T>::value,
                  "wsx: a handler taking (wsx::session&, const T&) decodes each message into T with a codec: "
                  "include <wsx/json.hpp> (and link wsx::json) for types nlohmann/json converts, "
                  "or name one: on_message<my_codec>(handler), or `using codec = my_codec;` in an endpoint class");
    using type = typename default_codec<T>::type;
};
template <class Codec, class T> using codec_for_t = typename codec_for<Codec, T>::type;

// An endpoint class's `using codec = ...;`, or void.
template <class E, class = void> struct class_codec { using type = void; };
template <class E> struct class_codec<E, std::void_t<typename E::codec>> { using type = typename E::codec; };

// json_codec, complete only once <wsx/json.hpp> is included; dependent on T
// so that send_json() is checked where it is used, not where it is declared.
template <class T, class = void> struct is_complete : std::false_type {};
template <class T> struct is_complete<T, std::void_t<decltype(sizeof(T))>> : std::true_type {};
template <class T> struct json_codec_of {
    using type = std::conditional_t<sizeof(T) != 0, json_codec, void>;
    static_assert(is_complete<type>::value, "wsx: send_json()/publish_json() need <wsx/json.hpp> (and wsx::json)");
};

} // namespace detail

/// The message `Codec` makes of `value`: text for a std::string (or
/// anything convertible to std::string_view), binary for a
/// std::vector<std::uint8_t> (or any contiguous range of bytes with data()
/// and size()). What send_as(), send_json() and publish_json() send.
template <class Codec, class T> message encode(const T& value) {
    auto out = Codec{}.encode(value);
    using out_t = decltype(out);
    if constexpr (std::is_same_v<out_t, message>) {
        return out;
    } else if constexpr (std::is_same_v<out_t, std::string>) {
        return message::text(std::move(out));
    } else if constexpr (std::is_convertible_v<const out_t&, std::string_view>) {
        return message::text(std::string(std::string_view(out)));
    } else {
        static_assert(sizeof(*out.data()) == 1, "wsx: a codec's encode() returns text (std::string) or bytes "
                                                "(std::vector<std::uint8_t>), or a wsx::message");
        return message::binary(out.data(), out.size());
    }
}

/// The JSON text message of `value` (needs <wsx/json.hpp>).
template <class T> message encode_json(const T& value) {
    return encode<typename detail::json_codec_of<T>::type>(value);
}

} // namespace wsx

#endif
