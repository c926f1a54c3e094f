// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_ENDPOINT_HPP
#define WSX_ENDPOINT_HPP

// The handler set of one path (the servlet's @ServerEndpoint) and of a
// client (the browser's onopen/onmessage/onclose/onerror), in two forms:
// chained lambdas, or a class whose member functions are named like the
// annotations, one instance per connection.

#include <wsx/codec.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/session_access.hpp>
#include <wsx/error.hpp>
#include <wsx/message.hpp>
#include <wsx/options.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/protocol/close.hpp>
#include <wsx/protocol/handshake.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/router.hpp>
#include <wsx/session.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace wsx {

/// What a handshake handler (the servlet Configurator's modifyHandshake)
/// sees and may decide: read headers and cookies, pick the subprotocol, add
/// response headers, or refuse the connection.
class upgrade_request {
public:
    /// Made by the server for each upgrade request. `peer` (the verified
    /// client certificate, or null) must outlive this object.
    upgrade_request(const protocol::http_request& req, const path_params& params, std::string subprotocol,
                    bool secure = false, const wsx::peer_certificate* peer = nullptr)
        : req_(req), params_(params), subprotocol_(std::move(subprotocol)), secure_(secure), peer_(peer) {}

    /// True when the request came in over TLS (wss://), false on a plain
    /// port, so a handshake handler can refuse what must be encrypted.
    bool is_secure() const noexcept { return secure_; }
    /// The client certificate the TLS handshake verified (mutual TLS, see
    /// tls_server_options::client_auth): who the client is, for deciding
    /// here whether it may use this endpoint. Null when the client
    /// presented none (client_auth optional), when the server does not ask
    /// for certificates, and on a plain connection. The same object as the
    /// session's peer_certificate().
    const wsx::peer_certificate* peer_certificate() const noexcept { return peer_; }

    /// The whole request.
    const protocol::http_request& request() const noexcept { return req_; }
    /// The request target as received ("/chat/lobby?x=1").
    std::string_view target() const noexcept { return req_.target(); }
    /// A request header (case-insensitive; "" if absent).
    std::string_view header(std::string_view name) const noexcept { return req_.header(name); }
    /// The Origin header ("" if absent).
    std::string_view origin() const noexcept { return req_.header("Origin"); }
    /// A path parameter of the matched template.
    std::string_view path_param(std::string_view name) const noexcept { return params_.get(name); }

    /// The value of one cookie from the Cookie header(s) ("" if absent).
    std::string_view cookie(std::string_view name) const noexcept {
        for (auto h : req_.headers()) {
            if (!wsx::detail::http_iequals(h.name, "Cookie")) continue;
            std::string_view v = h.value;
            while (!v.empty()) {
                std::size_t semi = v.find(';');
                std::string_view pair = detail::http_trim(v.substr(0, semi));
                v = semi == std::string_view::npos ? std::string_view{} : v.substr(semi + 1);
                std::size_t eq = pair.find('=');
                if (eq != std::string_view::npos && detail::http_trim(pair.substr(0, eq)) == name)
                    return detail::http_trim(pair.substr(eq + 1));
            }
        }
        return {};
    }

    /// The subprotocols the client offered, in its order.
    std::vector<std::string_view> offered_subprotocols() const { return req_.list("Sec-WebSocket-Protocol"); }
    /// The subprotocol chosen so far (from the endpoint's list; "" for none).
    const std::string& subprotocol() const noexcept { return subprotocol_; }
    /// Picks one of the subprotocols the client offered ("" for none).
    void select_subprotocol(std::string_view name) {
        if (!name.empty()) {
            bool offered = false;
            for (auto p : offered_subprotocols()) offered = offered || p == name;
            if (!offered)
                throw std::system_error(make_error_code(error::bad_argument),
                                        "wsx: subprotocol \"" + std::string(name) + "\" was not offered by the client");
        }
        subprotocol_.assign(name);
    }

    /// Adds a header to the 101 response (Set-Cookie, ...).
    void add_header(std::string name, std::string value) { headers_.emplace_back(std::move(name), std::move(value)); }
    /// The headers added so far.
    const protocol::header_list& response_headers() const noexcept { return headers_; }

    /// Refuses the upgrade with this HTTP status (4xx or 5xx).
    void reject(int status, std::string body = {}) {
        if (status < 400 || status > 599)
            throw std::system_error(make_error_code(error::bad_argument),
                                    "wsx: reject() needs a 4xx or 5xx status, got " + std::to_string(status));
        reject_status_ = status;
        reject_body_ = std::move(body);
    }
    /// The status reject() set, or 0.
    int rejected() const noexcept { return reject_status_; }
    /// The body reject() set.
    const std::string& reject_body() const noexcept { return reject_body_; }

private:
    const protocol::http_request& req_;
    const path_params& params_;
    std::string subprotocol_;
    bool secure_;
    const wsx::peer_certificate* peer_;
    protocol::header_list headers_;
    int reject_status_ = 0;
    std::string reject_body_;
};

namespace detail {

template <class T, class = void> struct has_member_on_open : std::false_type {};
template <class T> struct has_member_on_open<T, std::void_t<decltype(&T::on_open)>> : std::true_type {};
template <class T, class = void> struct has_member_on_message : std::false_type {};
template <class T> struct has_member_on_message<T, std::void_t<decltype(&T::on_message)>> : std::true_type {};
template <class T, class = void> struct has_member_on_close : std::false_type {};
template <class T> struct has_member_on_close<T, std::void_t<decltype(&T::on_close)>> : std::true_type {};
template <class T, class = void> struct has_member_on_error : std::false_type {};
template <class T> struct has_member_on_error<T, std::void_t<decltype(&T::on_error)>> : std::true_type {};

// Calls through a member pointer-to-function only if it fits the arguments.
#define WSX_DETAIL_MEMBER_CALLABLE(name)                                                                       \
    template <class T, class... A> struct can_##name {                                                         \
        template <class U, class = decltype(std::declval<U&>().name(std::declval<A>()...))>                     \
        static std::true_type test(int);                                                                        \
        template <class> static std::false_type test(...);                                                     \
        static constexpr bool value = decltype(test<T>(0))::value;                                              \
    };
WSX_DETAIL_MEMBER_CALLABLE(on_open)
WSX_DETAIL_MEMBER_CALLABLE(on_message)
WSX_DETAIL_MEMBER_CALLABLE(on_close)
WSX_DETAIL_MEMBER_CALLABLE(on_error)
#undef WSX_DETAIL_MEMBER_CALLABLE

template <class> inline constexpr bool always_false = false;

// The on_message of a handler that takes a decoded T: one decode per
// message; what does not decode is the peer's error, not the handler's
// (any throw from the codec included), so it never becomes a 1011.
template <class Codec, class T, class Call> auto decoding_handler(Call call) {
    static_assert(std::is_default_constructible_v<T>,
                  "wsx: a decoded message type must be default-constructible (the codec fills one in)");
    return [call = std::move(call)](session& s, const message& m) mutable {
        T value{};
        bool ok = false;
        try {
            ok = static_cast<bool>(Codec{}.decode(m, value));
        } catch (...) {
            ok = false;
        }
        if (!ok) return session_access::undecodable(s);
        call(s, static_cast<const T&>(value));
    };
}

} // namespace detail

namespace detail {
// on_message_part in the class form: which of the two chunk types the
// member takes (an overloaded or generic member may take both).
template <class T, class Chunk, class = void> struct can_on_message_part : std::false_type {};
template <class T, class Chunk>
struct can_on_message_part<T, Chunk,
                           std::void_t<decltype(std::declval<T&>().on_message_part(
                               std::declval<session&>(), std::declval<Chunk>(), false))>> : std::true_type {};
template <class T, class = void> struct has_member_on_message_part : std::false_type {};
template <class T>
struct has_member_on_message_part<T, std::void_t<decltype(&T::on_message_part)>> : std::true_type {};
} // namespace detail

/// The chainable handler set. Derived is the class returned by the chain
/// (an endpoint of a server, or a client).
template <class Derived> class basic_handlers {
public:
    /// The session type the handlers receive.
    using session_type = session;

    /// \@OnOpen: the connection is open; sending is allowed from here on.
    template <class F> Derived& on_open(F f) {
        static_assert(std::is_invocable_v<F&, session_type&>, "wsx: on_open takes (wsx::session&)");
        state().on_open = std::move(f);
        return self();
    }

    /// \@OnMessage: (session&, const wsx::message&) for text and binary, or
    /// (session&, std::string_view) or (session&, std::string) for text
    /// only; then a binary message closes the connection with 1003
    /// (unsupported data, RFC 6455 7.4.1). std::string is a copy the handler
    /// owns (the servlet's String); std::string_view is valid during the call.
    ///
    /// (session&, const T&) for any other T: each message is decoded into a T
    /// once, by `Codec` (on_message<my_codec>(f)) or by T's default codec
    /// (JSON with <wsx/json.hpp>: nlohmann::json, or a type with from_json).
    /// A message that does not decode reaches on_error as
    /// error::undecodable_message and closes the connection with 1007
    /// (session_options::close_on_undecodable). See codec.hpp.
    template <class Codec = void, class F> Derived& on_message(F f) {
        if constexpr (detail::takes_decoded<F>::value) {
            using T = detail::decoded_t<F>;
            static_assert(std::is_invocable_v<F&, session_type&, const T&>,
                          "wsx: a decoding on_message takes (wsx::session&, const T&) or (wsx::session&, T)");
            state().on_message = detail::decoding_handler<detail::codec_for_t<Codec, T>, T>(
                [f = std::move(f)](session_type& s, const T& v) mutable { f(s, v); });
            state().text_only = false;
        } else if constexpr (!std::is_void_v<Codec>) {
            static_assert(detail::always_false<F>, "wsx: on_message<Codec> needs a handler (wsx::session&, const T&) "
                                                   "with a concrete T to decode into (not auto)");
        } else if constexpr (std::is_invocable_v<F&, session_type&, const message&>) {
            state().on_message = std::move(f);
            state().text_only = false;
        } else if constexpr (std::is_invocable_v<F&, session_type&, std::string_view>) {
            state().on_message = [f = std::move(f)](session_type& s, const message& m) mutable { f(s, m.text()); };
            state().text_only = true;
        } else if constexpr (std::is_invocable_v<F&, session_type&, std::string>) {
            state().on_message = [f = std::move(f)](session_type& s, const message& m) mutable {
                f(s, std::string(m.text()));
            };
            state().text_only = true;
        } else {
            static_assert(detail::always_false<F>, "wsx: on_message takes (wsx::session&, const wsx::message&), "
                                                   "(wsx::session&, std::string_view), (wsx::session&, std::string) "
                                                   "or (wsx::session&, const T&) for a T a codec decodes");
        }
        return self();
    }

    /// \@OnClose: exactly once for every opened connection, with the close
    /// code and reason (1006 when the connection dropped without a close).
    template <class F> Derived& on_close(F f) {
        if constexpr (std::is_invocable_v<F&, session_type&, const close_reason&>) {
            state().on_close = std::move(f);
        } else if constexpr (std::is_invocable_v<F&, session_type&>) {
            state().on_close = [f = std::move(f)](session_type& s, const close_reason&) mutable { f(s); };
        } else {
            static_assert(detail::always_false<F>,
                          "wsx: on_close takes (wsx::session&, const wsx::close_reason&) or (wsx::session&)");
        }
        return self();
    }

    /// \@OnError: a protocol violation by the peer, a timeout, a dropped
    /// connection, a failed connect; the connection closes after it.
    template <class F> Derived& on_error(F f) {
        if constexpr (std::is_invocable_v<F&, session_type&, std::error_code>) {
            state().on_error = std::move(f);
        } else if constexpr (std::is_invocable_v<F&, session_type&>) {
            state().on_error = [f = std::move(f)](session_type& s, std::error_code) mutable { f(s); };
        } else {
            static_assert(detail::always_false<F>,
                          "wsx: on_error takes (wsx::session&, std::error_code) or (wsx::session&)");
        }
        return self();
    }

    /// A ping arrived: f(session&, wsx::byte_view payload). The pong is sent
    /// automatically (session_options::auto_pong).
    template <class F> Derived& on_ping(F f) {
        state().on_ping = std::move(f);
        return self();
    }
    /// A pong arrived: f(session&, wsx::byte_view payload).
    template <class F> Derived& on_pong(F f) {
        state().on_pong = std::move(f);
        return self();
    }
    /// The send queue emptied after it had filled past half its limit (or
    /// refused a send): the moment to resume producing.
    template <class F> Derived& on_drain(F f) {
        state().on_drain = std::move(f);
        return self();
    }

    /// \@OnMessage with `boolean last` (the servlet's partial messages):
    /// each message in chunks, as they arrive, without ever holding it whole,
    /// so a message larger than memory can be received. f(session&,
    /// std::string_view chunk, bool last) takes text, f(session&,
    /// wsx::byte_view chunk, bool last) binary, and a generic
    /// f(session&, auto chunk, bool last) both (call on_message_part once
    /// per type for two lambdas). A message of a type with no part handler
    /// closes the connection with 1003, as a text-only on_message does.
    ///
    /// Every message gives at least one call and exactly one with
    /// `last == true` (an empty message: one call, empty chunk, last); the
    /// last call's chunk may be empty. A text chunk always ends on a whole
    /// code point, and the message is checked as UTF-8 across chunks:
    /// invalid text fails the connection with 1007 after the valid chunks
    /// before it were delivered. A chunk is valid during the call.
    ///
    /// With a part handler set, on_message is not called for this endpoint.
    /// max_message_size still applies (1009); set it (and max_frame_size)
    /// to 0 to lift it for an endpoint with part handlers. docs/streams.md.
    template <class F> Derived& on_message_part(F f) {
        constexpr bool text = std::is_invocable_v<F&, session_type&, std::string_view, bool>;
        constexpr bool binary = std::is_invocable_v<F&, session_type&, byte_view, bool>;
        static_assert(text || binary, "wsx: on_message_part takes (wsx::session&, std::string_view, bool) for text, "
                                      "(wsx::session&, wsx::byte_view, bool) for binary, or a generic "
                                      "(wsx::session&, auto, bool) for both");
        if constexpr (text && binary) {
            // One object for both, so that what it captures is one state.
            auto shared = std::make_shared<F>(std::move(f));
            state().on_text_part = [shared](session_type& s, std::string_view c, bool last) { (*shared)(s, c, last); };
            state().on_binary_part = [shared](session_type& s, byte_view c, bool last) { (*shared)(s, c, last); };
        } else if constexpr (text) {
            state().on_text_part = std::move(f);
        } else {
            state().on_binary_part = std::move(f);
        }
        return self();
    }

    /// Limits and timeouts of every session made by this handler set.
    Derived& options(const session_options& o) {
        state().options = o;
        return self();
    }
    /// The options, to change one field in place.
    session_options& options() noexcept { return state().options; }

    /// The class form: member functions named like the annotations, one T
    /// per connection, missing members get the default behaviour.
    template <class T> void bind_class() {
        static_assert(std::is_default_constructible_v<T>,
                      "wsx: an endpoint class must be default-constructible (one instance is made per connection), "
                      "or made by a factory: endpoint<T>(pattern, factory)");
        state().make_instance = [] { return std::static_pointer_cast<void>(std::make_shared<T>()); };
        bind_members<T>();
    }

    /// The class form with a factory: `factory()` makes the T of each
    /// connection and returns it by value (T move-constructible) or as a
    /// std::unique_ptr<T> (any T, a derived class too). Shared state (a
    /// registry, a database handle) is captured by the factory and passed to
    /// T's constructor. The factory runs when a connection opens, on that
    /// connection's strand: with several threads running the io_context it
    /// may run for two connections at once.
    template <class T, class Factory> void bind_class(Factory factory) {
        static_assert(!std::is_reference_v<T> && !std::is_const_v<T>, "wsx: endpoint<T>: T is the endpoint class itself");
        static_assert(std::is_invocable_v<Factory&>, "wsx: an endpoint factory is called with no arguments");
        using made = std::invoke_result_t<Factory&>;
        if constexpr (std::is_same_v<made, T>) {
            static_assert(std::is_move_constructible_v<T>,
                          "wsx: a factory that returns T needs a movable T; return std::unique_ptr<T> instead");
            state().make_instance = [factory = std::move(factory)]() mutable -> std::shared_ptr<void> {
                return std::make_shared<T>(factory());
            };
        } else if constexpr (std::is_convertible_v<made, std::unique_ptr<T>> && !std::is_same_v<made, std::nullptr_t>) {
            state().make_instance = [factory = std::move(factory)]() mutable -> std::shared_ptr<void> {
                std::unique_ptr<T> p = factory();
                if (!p)
                    throw std::system_error(make_error_code(error::bad_argument),
                                            "wsx: the endpoint factory returned a null std::unique_ptr");
                return std::shared_ptr<T>(std::move(p));
            };
        } else {
            // Not shared_ptr<T>: one object for every connection would break the
            // per-connection state, and two strands would call it at once.
            static_assert(detail::always_false<Factory>,
                          "wsx: an endpoint factory returns a new T per connection, by value or as std::unique_ptr<T>");
        }
        bind_members<T>();
    }

private:
    template <class T> void bind_members() {
        using S = session_type;

        if constexpr (detail::can_on_open<T, S&>::value) {
            state().on_open = [](S& s) { detail::session_access::instance<T>(s).on_open(s); };
        } else {
            static_assert(!detail::has_member_on_open<T>::value, "wsx: on_open must be void on_open(wsx::session&)");
        }

        if constexpr (detail::member_takes_decoded<T>::value) {
            using A = detail::decoded_t<decltype(&T::on_message)>;
            state().on_message = detail::decoding_handler<detail::codec_for_t<typename detail::class_codec<T>::type, A>, A>(
                [](S& s, const A& v) { detail::session_access::instance<T>(s).on_message(s, v); });
            state().text_only = false;
        } else if constexpr (detail::can_on_message<T, S&, const message&>::value) {
            state().on_message = [](S& s, const message& m) { detail::session_access::instance<T>(s).on_message(s, m); };
            state().text_only = false;
        } else if constexpr (detail::can_on_message<T, S&, std::string_view>::value) {
            state().on_message = [](S& s, const message& m) { detail::session_access::instance<T>(s).on_message(s, m.text()); };
            state().text_only = true;
        } else if constexpr (detail::can_on_message<T, S&, std::string>::value) {
            state().on_message = [](S& s, const message& m) {
                detail::session_access::instance<T>(s).on_message(s, std::string(m.text()));
            };
            state().text_only = true;
        } else {
            static_assert(!detail::has_member_on_message<T>::value,
                          "wsx: on_message must be on_message(wsx::session&, const wsx::message&), "
                          "on_message(wsx::session&, std::string_view), on_message(wsx::session&, std::string) "
                          "or on_message(wsx::session&, const T&) for a T its codec decodes");
        }

        if constexpr (detail::can_on_close<T, S&, const close_reason&>::value) {
            state().on_close = [](S& s, const close_reason& r) { detail::session_access::instance<T>(s).on_close(s, r); };
        } else if constexpr (detail::can_on_close<T, S&>::value) {
            state().on_close = [](S& s, const close_reason&) { detail::session_access::instance<T>(s).on_close(s); };
        } else {
            static_assert(!detail::has_member_on_close<T>::value,
                          "wsx: on_close must be on_close(wsx::session&, const wsx::close_reason&) or on_close(wsx::session&)");
        }

        if constexpr (detail::can_on_error<T, S&, std::error_code>::value) {
            state().on_error = [](S& s, std::error_code ec) { detail::session_access::instance<T>(s).on_error(s, ec); };
        } else if constexpr (detail::can_on_error<T, S&>::value) {
            state().on_error = [](S& s, std::error_code) { detail::session_access::instance<T>(s).on_error(s); };
        } else {
            static_assert(!detail::has_member_on_error<T>::value,
                          "wsx: on_error must be on_error(wsx::session&, std::error_code) or on_error(wsx::session&)");
        }

        // on_message_part: one member, or two overloads, for text and binary chunks.
        constexpr bool text_parts = detail::can_on_message_part<T, std::string_view>::value;
        constexpr bool binary_parts = detail::can_on_message_part<T, byte_view>::value;
        if constexpr (text_parts) {
            state().on_text_part = [](S& s, std::string_view c, bool last) {
                detail::session_access::instance<T>(s).on_message_part(s, c, last);
            };
        }
        if constexpr (binary_parts) {
            state().on_binary_part = [](S& s, byte_view c, bool last) {
                detail::session_access::instance<T>(s).on_message_part(s, c, last);
            };
        }
        static_assert(text_parts || binary_parts || !detail::has_member_on_message_part<T>::value,
                      "wsx: on_message_part must be on_message_part(wsx::session&, std::string_view, bool) for "
                      "text and/or on_message_part(wsx::session&, wsx::byte_view, bool) for binary");
    }

    Derived& self() noexcept { return static_cast<Derived&>(*this); }
    detail::endpoint_state& state() noexcept { return *self().state_ptr(); }
};

/// One path of a server (the servlet's `\@ServerEndpoint`): its handlers,
/// options and handshake hooks. What server::endpoint() returns.
class server_endpoint : public basic_handlers<server_endpoint> {
public:
    /// Made by server::endpoint().
    explicit server_endpoint(std::string_view pattern);

    /// The path template of this endpoint.
    const path_template& pattern() const noexcept { return pattern_; }

    /// Subprotocols this endpoint speaks; the first one the client offers is chosen.
    server_endpoint& subprotocols(std::vector<std::string> names) {
        state_->subprotocols = std::move(names);
        return *this;
    }
    /// Returns false to refuse a connection from this Origin with 403.
    template <class F> server_endpoint& check_origin(F f) {
        state_->check_origin = std::move(f);
        return *this;
    }
    /// Sees every upgrade request before it is accepted (servlet Configurator).
    template <class F> server_endpoint& on_handshake(F f) {
        state_->on_handshake = std::move(f);
        return *this;
    }

    /// The open sessions of this endpoint (for broadcast from outside a handler).
    std::vector<session_handle> open_sessions() const;

    /// The handler set (internal: used by the server and basic_handlers).
    const std::shared_ptr<detail::endpoint_state>& state_ptr() const noexcept { return state_; }

private:
    path_template pattern_;
    std::shared_ptr<detail::endpoint_state> state_;
};

} // namespace wsx

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/endpoint.ipp>
#endif

#endif
