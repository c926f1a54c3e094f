// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_SESSION_HPP
#define WSX_SESSION_HPP

// One connection's life, the servlet `Session`: the read loop feeding the
// sans-I/O reader, the write queue, the close handshake, the timers and
// backpressure. Server and client sessions are the same class; only the
// role (who masks) and who closes TCP first differ.
//
// Threading: everything that touches the connection runs on its strand, so
// one session's handlers never run concurrently even when several threads
// run the io_context. The public calls that may come from any thread
// (send, ping, close, ready_state, buffered_amount) hop onto the strand.
//
// What the session only points to (its endpoint, its server, the parts of
// detail/session_parts.hpp) is declared here, not included: the
// impl/session*.ipp files include them (docs/compile-time.md).

#include <wsx/codec.hpp>
#include <wsx/detail/config.hpp>
#include <wsx/detail/send_queue.hpp>
#include <wsx/detail/session_executor.hpp>
#include <wsx/detail/session_clock.hpp>
#include <wsx/detail/thread_buffer.hpp>
#include <wsx/detail/unique_function.hpp>
#include <wsx/error.hpp>
#include <wsx/message.hpp>
#include <wsx/options.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/prepared_message.hpp>
#include <wsx/protocol/close.hpp>
#include <wsx/protocol/frame.hpp>
#include <wsx/protocol/handshake.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/protocol/reader.hpp>
#include <wsx/request_target.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/strand.hpp>

#include <any>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <utility>
#include <vector>

namespace wsx {

using protocol::close_reason;
namespace close_code = protocol::close_code;

/// The browser's WebSocket.readyState values.
enum class ready_state : std::uint8_t { connecting = 0, open = 1, closing = 2, closed = 3 };

class session;
class session_handle;
class message_stream;

namespace detail {
struct session_access;
struct endpoint_state;
class topic_registry;
// In detail/session_parts.hpp:
struct session_owner;
struct session_timing;
struct client_parts;
struct compression;
struct closing_state;
struct read_backlog;
struct stream_parts;
// In detail/one_thread.hpp:
template <class Session, class Flush> class one_thread_flush;
struct direct_flush;

// A client's check of the opening handshake's response: sets the chosen
// subprotocol, returns why the response is refused (or nothing).
using response_check = std::function<std::error_code(const protocol::http_response&, std::string&)>;

// The publish of session::publish and server::publish (session_topics.ipp):
// to this node's subscribers, and through the registry's backplane to the
// other nodes'. deliver_locally is the first half alone, for what the
// backplane brings from other nodes.
WSX_DECL std::size_t publish_to(const topic_registry& r, std::string_view topic, std::uint64_t skip,
                                const prepared_message* m, protocol::opcode op, const void* data, std::size_t size);
WSX_DECL std::size_t deliver_locally(const topic_registry& r, std::string_view topic, std::uint64_t skip,
                                     const prepared_message* m, protocol::opcode op, const void* data, std::size_t size);
} // namespace detail

/// One connection: the servlet's `Session`, what every handler receives.
/// Server and client sessions are the same class. Every public call may be
/// made from a handler; send(), ping(), pong(), close(), ready_state() and
/// buffered_amount() also from any other thread. `wsx::session` is the
/// plain-TCP instantiation; docs/threading.md has the rules.
class session : public std::enable_shared_from_this<session> {
public:
    /// What handle() returns.
    using handle_type = session_handle;
    /// The clock of every timeout.
    using clock = std::chrono::steady_clock;
    /// The endpoint a session belongs to (internal).
    using endpoint_ptr = std::shared_ptr<detail::endpoint_state>;
    /// The server that accepted it (internal).
    using owner_ptr = std::shared_ptr<detail::session_owner>;
    /// The strand type: an Asio executor (see get_executor()).
    using strand_type = detail::session_executor;
    /// The same, by the name Asio's I/O objects give it.
    using executor_type = strand_type;

    session(const session&) = delete;
    session& operator=(const session&) = delete;
    virtual ~session();

    // ---- identity -------------------------------------------------------

    /// Unique among the sessions of one server (or client).
    std::uint64_t id() const noexcept { return id_; }
    /// A weak reference to keep beyond the handler (see session_handle).
    handle_type handle();
    /// The peer's address and port.
    const asio::ip::tcp::endpoint& remote_endpoint() const noexcept { return remote_; }
    /// The subprotocol both sides agreed on ("" if none); the browser's `protocol`.
    const std::string& subprotocol() const noexcept;
    /// The same as subprotocol(), under the browser's name.
    const std::string& protocol() const noexcept { return subprotocol(); }
    /// The extensions in use (the browser's `extensions`), e.g.
    /// "permessage-deflate; client_max_window_bits=15"; "" for none.
    const std::string& extensions() const noexcept;
    /// True on the server side of the connection.
    bool is_server() const noexcept { return is_server_; }
    /// True when the connection is encrypted: wss://, a server's
    /// listen_tls() ports; false on listen() ports and ws:// URLs.
    virtual bool is_secure() const noexcept = 0;
    /// Server: the client certificate the TLS handshake verified (mutual
    /// TLS, tls_server_options::client_auth), from on_open on; null without
    /// one, on plain connections and on a client. See wsx::peer_certificate.
    virtual const wsx::peer_certificate* peer_certificate() const noexcept = 0;
    /// Server: the host name the client asked for with TLS SNI, so that one
    /// port can tell its virtual hosts apart; "" when the client sent none
    /// (clients send none for an IP address), on plain connections and on
    /// a client. Valid from on_open on.
    virtual std::string_view requested_server_name() const noexcept = 0;
    /// The connection's socket descriptor, for socket options the session
    /// has no call for (setsockopt). Reading or writing it directly would
    /// corrupt the stream; -1 once the connection is closed.
    virtual int native_handle() const noexcept = 0;

    // ---- the opening request (server side) --------------------------------

    /// The value captured by `{name}` in the endpoint's path ("*" for the
    /// catch-all), percent-decoded; "" if there is none. The servlet's `\@PathParam`.
    std::string_view path_param(std::string_view name) const noexcept { return params_.get(name); }
    /// Every captured path parameter, in template order.
    const path_params& path_params_all() const noexcept { return params_; }
    /// The resource name of the request ("/chat/lobby?user=ann"; "" after
    /// on_open when session_options::keep_request is false), also when
    /// the client sent an absolute URI (RFC 6455 4.2.1).
    std::string_view target() const noexcept {
        return request_ ? protocol::resource_name(request_->target()) : std::string_view{};
    }
    /// The path of the request target, without the query (still percent-encoded).
    std::string_view path() const noexcept { return split_target(target()).path; }
    /// A query parameter, percent-decoded ("" if absent).
    std::string query(std::string_view name) const {
        return query_value(split_target(target()).query, name).value_or(std::string());
    }
    /// A request header of the opening handshake (case-insensitive; "" if
    /// absent, and after on_open when session_options::keep_request is false).
    std::string_view header(std::string_view name) const noexcept {
        return request_ ? request_->header(name) : std::string_view{};
    }
    /// The whole opening request (server side; null on a client).
    const protocol::http_request* request() const noexcept { return request_.get(); }

    // ---- state --------------------------------------------------------

    /// The browser's readyState.
    wsx::ready_state ready_state() const noexcept { return ready_state_of(phase_.load(std::memory_order_acquire)); }
    /// True while ready_state() is open.
    bool is_open() const noexcept { return ready_state() == wsx::ready_state::open; }
    /// Bytes queued by send() and not yet written to the socket.
    /// Like the browser's bufferedAmount it grows as soon as send() returns,
    /// also when send() was called from another thread and the bytes are
    /// still on their way to the strand.
    std::size_t buffered_amount() const noexcept {
        return buffered_.load(std::memory_order_relaxed) + posted_.load(std::memory_order_relaxed);
    }
    /// The limits and timeouts of this connection.
    const session_options& options() const noexcept { return *options_; }

    /// The live sessions of the same endpoint, this one included, for broadcast.
    std::vector<handle_type> open_sessions() const;

    /// Typed per-session user data (the servlet's getUserProperties): made
    /// on first use; asking for another type than the stored one throws.
    template <class T> T& data() {
        if (!user_data_.has_value()) return user_data_.template emplace<T>();
        if (auto* p = std::any_cast<T>(&user_data_)) return *p;
        throw std::system_error(make_error_code(error::invalid_state),
                                std::string("wsx: session data holds another type than ") + typeid(T).name());
    }
    /// Replaces the per-session user data with `value` (of any type).
    template <class T> void set_data(T value) { user_data_ = std::move(value); }

    // ---- topics (a server's sessions; docs/topics.md) --------------------

    /// Subscribes to `topic` (any bytes, at most wsx::max_topic_size); false
    /// if already subscribed or closed. A session leaves all its topics as it
    /// closes. Any thread. Throws std::system_error: error::invalid_state on
    /// a client's session, error::bad_argument for a longer name.
    bool subscribe(std::string_view topic);
    /// Leaves `topic`; false if not subscribed.
    bool unsubscribe(std::string_view topic);
    /// True while subscribed to `topic`.
    bool is_subscribed(std::string_view topic) const;
    /// The topics this session is subscribed to, in no particular order.
    std::vector<std::string> topics() const;
    /// Sends `m` to every subscriber of `topic` but this session (which need
    /// not subscribe to publish); returns how many it was sent to.
    std::size_t publish(std::string_view topic, const prepared_message& m);
    /// Publishes a message (framed once, and only when someone listens).
    std::size_t publish(std::string_view topic, const message& m);
    /// Publishes the text message `text`.
    std::size_t publish(std::string_view topic, std::string_view text);

    // ---- sending --------------------------------------------------------
    // Every send queues and returns at once. With a completion token the
    // token learns when the bytes were written (or why they were not):
    // a callback void(std::error_code), asio::use_future, asio::use_awaitable.

    /// Queues the text message `text` (which must be UTF-8) and returns at
    /// once. Safe from any thread. Without a completion token a failure reaches
    /// on_error: error::send_queue_full (the connection stays open, see
    /// session_options::send_policy); on a closed session the send does
    /// nothing. With a token (a callback `void(std::error_code)`,
    /// `asio::use_future`, `asio::use_awaitable`) the token gets the outcome
    /// once the bytes are written, or error::closed / error::send_queue_full.
    void send(std::string_view text) { send_bytes(protocol::opcode::text, text.data(), text.size(), {}); }
    /// Sends a text message (a C string).
    void send(const char* text) { send(std::string_view(text)); }
    /// Sends a text message (a std::string).
    void send(const std::string& text) { send(std::string_view(text)); }
    /// Sends a wsx::message: text stays text, binary binary (its payload is copied into the queue).
    void send(const message& m) { send_message(m, {}); }
    /// Sends a prepared message: its frame is shared, not copied (see prepared_message).
    void send(const prepared_message& m) { send_prepared(m, {}); }
    /// Sends `size` bytes at `data` as a binary message.
    void send_binary(const void* data, std::size_t size) { send_bytes(protocol::opcode::binary, data, size, {}); }
    /// Sends a binary message.
    void send_binary(byte_view bytes) { send_binary(bytes.data(), bytes.size()); }
    /// Sends the bytes of a string as a binary message.
    void send_binary(std::string_view bytes) { send_binary(bytes.data(), bytes.size()); }
    /// Sends the bytes of a vector as a binary message.
    void send_binary(const std::vector<std::uint8_t>& bytes) { send_binary(bytes.data(), bytes.size()); }

    /// Sends text; the token learns when the bytes were written (or why not).
    /// Callbacks without an executor of their own run on the session's strand.
    template <class Token> auto send(std::string_view text, Token&& token) {
        return initiate(std::forward<Token>(token), [this, text](detail::send_queue::completion c) {
            send_bytes(protocol::opcode::text, text.data(), text.size(), std::move(c));
        });
    }
    /// Sends a message; the token gets the outcome.
    template <class Token> auto send(const message& m, Token&& token) {
        return initiate(std::forward<Token>(token),
                        [this, &m](detail::send_queue::completion c) { send_message(m, std::move(c)); });
    }
    /// Sends a prepared message; the token gets the outcome.
    template <class Token> auto send(const prepared_message& m, Token&& token) {
        return initiate(std::forward<Token>(token),
                        [this, &m](detail::send_queue::completion c) { send_prepared(m, std::move(c)); });
    }
    /// Sends binary bytes; the token gets the outcome.
    template <class Token> auto send_binary(byte_view bytes, Token&& token) {
        return initiate(std::forward<Token>(token), [this, bytes](detail::send_queue::completion c) {
            send_bytes(protocol::opcode::binary, bytes.data(), bytes.size(), std::move(c));
        });
    }

    /// Sends `value` as JSON text (<wsx/json.hpp>: nlohmann::json, or a type
    /// with to_json), as send() does; the token form gets the outcome.
    template <class T> void send_json(const T& value) { send(encode_json(value)); }
    /// Sends `value` as JSON text; the token gets the outcome (see send()).
    template <class T, class Token> auto send_json(const T& value, Token&& token) {
        return send(encode_json(value), std::forward<Token>(token));
    }
    /// Sends `value` as the message `Codec` encodes it to (codec.hpp).
    template <class Codec, class T> void send_as(const T& value) { send(encode<Codec>(value)); }
    /// Sends `value` as `Codec` encodes it; the token gets the outcome.
    template <class Codec, class T, class Token> auto send_as(const T& value, Token&& token) {
        return send(encode<Codec>(value), std::forward<Token>(token));
    }
    /// Publishes `value` as JSON text to `topic`'s other subscribers (see publish()).
    template <class T> std::size_t publish_json(std::string_view topic, const T& value) {
        return publish(topic, encode_json(value));
    }

    /// Sends a ping (payload at most 125 bytes, else throws std::system_error).
    /// The peer's pong reaches on_pong.
    void ping(std::string_view payload = {}) { send_control(protocol::opcode::ping, payload); }
    /// Sends an unsolicited pong (a heartbeat the peer need not answer).
    void pong(std::string_view payload = {}) { send_control(protocol::opcode::pong, payload); }

    /// Starts the closing handshake. A code that may not be sent (1005,
    /// 1006, 1015, out of range) or a reason over 123 bytes throws.
    void close(std::uint16_t code = close_code::normal, std::string_view reason = {});

    /// The strand every handler of this session runs on: post work there
    /// to run it in line with the session's handlers. On an io_context made
    /// for one thread (`asio::io_context io{1}`) it is that io_context's
    /// executor, marked with this session, and allocates nothing; on any
    /// other, an asio::strand of the session's own.
    const strand_type& get_executor() const noexcept { return strand_; }

    // ---- messages in parts (docs/streams.md) --------------------------------

    /// Starts a text message sent in fragments as it is produced (the
    /// servlet's getSendWriter()): `auto w = s.send_stream(); w.write(a,
    /// token); w.write(b, token); w.finish(token);`. Each write() is one
    /// fragment, and its token completes once that fragment is written to
    /// the socket: waiting for it is the backpressure. Until finish(), the
    /// session's other sends (send(), publish deliveries, prepared messages)
    /// wait behind the stream and go out after its message, in order; only
    /// pings, pongs and a close frame come in between. The message is sent
    /// uncompressed. See wsx::message_stream.
    ///
    /// Call it on the session's strand (in a handler, or in work posted to
    /// get_executor()); the stream's write() and finish() may then come
    /// from any thread. Throws std::system_error(error::invalid_state) off
    /// the strand, or while another stream of this session is not finished.
    /// On a closed session the stream's calls complete with error::closed.
    message_stream send_stream();
    /// The same for a binary message (the servlet's getSendStream()).
    message_stream send_binary_stream();

    /// \cond internal
protected:
    // Made by detail::stream_session, the one subclass: it owns the
    // transport's stream and implements the io_ calls below, the contract
    // of include/wsx/transport/README.md. `direct_writes`: the stream has
    // write_now(), so writes may go to the socket without an operation.
    session(asio::io_context& io, std::uint64_t id, bool is_server, bool direct_writes);

    // ---- the transport, as the session drives it -------------------------
    // Each io_ call starts at most one operation of its kind; its
    // completion comes back on the strand to the function named, and the
    // operation keeps the session alive until then.

    // Where the bytes of a read go (the opening request, response, frames).
    // A plain function rather than a member pointer: 8 bytes, not 16, so that
    // a parked read's handler (the stream, the session's shared_ptr, this
    // and the strand) fits inline in the readiness table
    // (detail/readiness.hpp) instead of in a heap block of its own.
    using read_step = void (*)(session&, std::error_code, std::uint8_t*, std::size_t);
    // The stream's own handshake (TLS; nothing on TCP), then on_transport_ready().
    virtual void io_handshake() = 0;
    // Waits for bytes, then calls next(*this, ec, data, size); the bytes
    // stay valid until that call returns.
    virtual void io_read(read_step next) = 0;
    // Reads what is there without waiting (0 and would_block when nothing is).
    virtual std::size_t io_read_now(std::uint8_t*& data, std::error_code& ec) = 0;
    // Reads what is there without waiting into [data, data + size);
    // operation_not_supported when the stream cannot.
    virtual std::size_t io_read_into(std::uint8_t* data, std::size_t size, std::error_code& ec) = 0;
    // Writes what the socket takes now (only with direct_writes).
    virtual std::size_t io_write_now(detail::buffer_span bufs, std::error_code& ec) = 0;
    // Writes every buffer, then on_written(ec). The buffers stay alive until then.
    virtual void io_write(detail::buffer_span bufs) = 0;
    // Half-closes after the last frame (TLS sends close_notify first).
    virtual void io_shutdown_send() noexcept = 0;
    // Closes the connection; pending operations complete with an error.
    virtual void io_close() noexcept = 0;
    // The TCP socket under the stream, before the handshake (to connect, to
    // read the peer's address).
    virtual transport::socket& tcp_socket() noexcept = 0;
    // Client: the URL's host, for TLS (SNI and the certificate check).
    virtual void set_host(const std::string& host) = 0;

    // The stream's handshake is done: the opening handshake starts.
    void on_transport_ready(std::error_code ec);
    void on_written(std::error_code ec);

    /// \endcond
private:
    friend struct detail::session_access;

    // ---- the connection's life --------------------------------------------
    // One phase at a time, only ever forward. Written on the strand; read
    // there, and by ready_state() from any thread.
    enum class phase : std::uint8_t {
        connecting,  // the TCP (and TLS) connection is being made
        handshaking, // the opening handshake: request and response
        refusing,    // server: the handshake was refused; the answer goes out, then the end
        open,        // messages both ways
        closing,     // our close frame is queued: the closing handshake
        closed,      // torn down (teardown()); nothing more happens
    };
    static constexpr wsx::ready_state ready_state_of(phase p) noexcept {
        return p < phase::open     ? wsx::ready_state::connecting
               : p == phase::open  ? wsx::ready_state::open
               : p == phase::closing ? wsx::ready_state::closing
                                     : wsx::ready_state::closed;
    }
    phase phase_now() const noexcept { return phase_.load(std::memory_order_relaxed); }
    void enter(phase p) noexcept { phase_.store(p, std::memory_order_release); }
    bool is_closed() const noexcept { return phase_now() == phase::closed; }
    // Messages may be sent: open, and our close frame not yet queued.
    bool accepting_sends() const noexcept { return phase_now() == phase::open; }
    clock::time_point now() const noexcept { return clock_ ? clock_->now() : clock::now(); }

    // ---- what server and client call, through detail::session_access ----
    void start_server(const owner_ptr& owner, const session_options& server_opts, const protocol::http_limits& limits);
    void start_client(const endpoint_ptr& ep, std::string request, detail::response_check verify);
    void begin_connecting(const endpoint_ptr& ep);
    void fail_connect(std::error_code ec);
    bool shed_memory();
    void going_away();

    // `parts`: the endpoint has on_message_part handlers (streaming reads).
    static protocol::reader_options reader_options_for(bool is_server, const session_options& o, bool parts = false);

    template <class Token, class Start> auto initiate(Token&& token, Start&& start) {
        return asio::async_initiate<Token, void(std::error_code)>(
            [this](auto handler, Start start) {
                // Callbacks without an executor of their own run on the session's strand.
                auto ex = asio::get_associated_executor(handler, strand_);
                start(detail::send_queue::completion(
                    [h = std::move(handler), ex](std::error_code ec) mutable {
                        asio::dispatch(ex, [h = std::move(h), ec]() mutable { h(ec); });
                    }));
            },
            token, std::forward<Start>(start));
    }

    // Sends from off the strand, in order (detail/posted_sends.hpp).
    template <class Payload, class F> void run_on_strand(Payload&& p, F&& f);
    template <class F> void post_send(std::size_t bytes, F&& f);
    void finish_posted_sends();

    detail::topic_registry& topic_table() const;
    void send_bytes(protocol::opcode op, const void* data, std::size_t size, detail::send_queue::completion c);
    void send_message(const message& m, detail::send_queue::completion c);
    void send_prepared(const prepared_message& m, detail::send_queue::completion c);
    // One thread runs the io_context (detail/one_thread.hpp): queue here, now.
    bool send_direct(const std::shared_ptr<const detail::shared_frame>& f);
    void finish_direct();
    friend struct detail::direct_flush;
    // The compressed form of `m` for this session's deflate parameters.
    detail::shared_frame* make_compressed(const prepared_message& m, std::uint64_t key) const;

    // ---- the write side (on the strand) ---------------------------------

    bool can_send(detail::send_queue::completion& c);

    bool over_limit(std::size_t /*add*/, detail::send_queue::completion& c);
    void enqueue(protocol::opcode op, const std::uint8_t* data, std::size_t size, detail::send_queue::completion c);

    // The smallest frame write_through() sends straight to the socket.
    static constexpr std::size_t write_through_min = 64 * 1024;
    bool write_through(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool rsv1);
    void enqueue_shared(const std::shared_ptr<const detail::shared_frame>& f, detail::send_queue::completion c);
    void send_control(protocol::opcode op, std::string_view payload);

    void write_raw(const std::string& bytes);
    void write_opening(const std::string& bytes);
    void note_queued();
    const std::array<std::uint8_t, 4>* key();

    // `direct`: the caller is the end of a read or of the handshake, where
    // the write may finish at once.
    void flush(bool direct = false);

    // What follows a finished write: the end of a refusal or of the close
    // handshake, the next write, on_drain.
    void after_write();

    // ---- the read side ----------------------------------------------------

    // Every read of the connection's life, the opening request or response
    // and then frames, goes through here; `next` handles the bytes.
    void read(read_step next) { io_read(next); }
    void read_request() {
        read([](session& s, std::error_code ec, std::uint8_t* d, std::size_t n) { s.on_request_bytes(ec, d, n); });
    }
    void read_response() {
        read([](session& s, std::error_code ec, std::uint8_t* d, std::size_t n) { s.on_response_bytes(ec, d, n); });
    }
    void read_frames() {
        read([](session& s, std::error_code ec, std::uint8_t* d, std::size_t n) { s.on_frame_bytes(ec, d, n); });
    }

    void on_request_bytes(std::error_code ec, std::uint8_t* data, std::size_t n);
    void refuse(std::error_code ec);
    void teardown_after_refusal();
    void on_response_bytes(std::error_code ec, std::uint8_t* data, std::size_t n);

    // The handshake is done. Frames that came in the same read as its last
    // bytes are fed at once; what on_open and they queue leaves in one write.
    void open_then_read(std::uint8_t* rest, std::size_t size);

    // The client offers permessage-deflate exactly when this holds.
    bool deflate_offered() const noexcept { return options_->deflate.enabled && options_->deflate.make_codec; }

    void start_deflate(const protocol::deflate_params& agreed, protocol::role role, std::string extensions);
    void open();
    void on_frame_bytes(std::error_code ec, std::uint8_t* data, std::size_t n);

    // The most one connection reads in one turn of the I/O thread (and the
    // most sends it makes: detail/read_turn.hpp).
    static constexpr std::size_t read_turn_bytes = 4 * detail::thread_buffer_size;
    // What a turn may read straight into a large message besides: such
    // bytes cost a copy and an unmask each, and no handler, so a turn may
    // take more of them (a read of this size is what uWebSockets makes).
    static constexpr std::size_t read_turn_direct_bytes = 16 * detail::thread_buffer_size;
    // Feeds bytes of this turn; false when the turn's sends ran out first
    // and the rest went to backlog_.
    bool feed_turn(std::uint8_t* data, std::size_t n);
    // After a turn: one write for what it queued, then the next read, or
    // the backlog on a later turn.
    void end_turn();
    void resume_turn();

    // Reports what this connection holds for messages to the server's
    // budget, when it changed. (Clients have no budget.)
    void account_memory();

    // Chosen by the server to give memory back.
    void on_shed_memory();
    void on_read_error(std::error_code ec);

    struct visitor; // what the reader calls back, in session_read.ipp

    void on_data_message(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool compressed);
    void on_ping_frame(const std::uint8_t* data, std::size_t size);
    void on_pong_frame(const std::uint8_t* data, std::size_t size);
    void on_close_frame(std::uint16_t code, std::string_view reason);

    // ---- closing --------------------------------------------------------

    void start_close(const std::string& payload);
    void send_close_frame(const std::uint8_t* payload, std::size_t n);

    // Our close frame is written and the peer's arrived (or we failed).
    void finish_close();

    // Fail the WebSocket connection (RFC 6455 7.1.7): tell the handler,
    // send the error's close code, and stop reading frames.
    void fail(std::error_code ec);
    void report_error(std::error_code ec);

    // The end of the connection: every path ends here exactly once.
    void teardown(std::error_code ec);

    // ---- timers -----------------------------------------------------------
    // One timer per session serves every deadline: idle and keep-alive are
    // checked when it fires against the time of the last read, so traffic
    // never touches the timer.

    void arm_handshake_deadline();
    clock::time_point next_deadline() const;
    void schedule_timer();
    void on_timer(std::error_code ec);
    void cancel_timer() noexcept;

    // ---- user handlers --------------------------------------------------
    // A handler that throws fails the connection with 1011 (as a servlet
    // container calls @OnError); the exception never unwinds through Asio.

    // A class endpoint whose object could not be made has no handlers.
    bool handlers_gone() const noexcept;
    template <class F> void invoke(F&& f) {
        if (handlers_gone()) return;
        try {
            f();
        } catch (...) {
            fail(make_error_code(error::handler_exception));
        }
    }
    template <class F> void invoke_nothrow(F&& f) noexcept {
        if (handlers_gone()) return;
        try {
            f();
        } catch (...) {
        }
    }

    strand_type strand_;
    using timing_state = detail::session_timing;
    // Made when a deadline is first set, dropped at open when there is
    // nothing left to time (no idle timeout, no keep-alive pings).
    std::unique_ptr<timing_state> timing_;
    timing_state& timing();
    protocol::reader reader_;
    // Read but not yet fed: a turn's sends ran out before its bytes.
    std::unique_ptr<detail::read_backlog> backlog_;
    detail::send_queue queue_;
    endpoint_ptr endpoint_;
    owner_ptr owner_;
    // Shared with the endpoint (or the server's defaults, before routing):
    // the options are fixed once listening, so connections need no copy. A
    // client session owns its copy (the client's options may change before
    // its next connect).
    std::shared_ptr<const session_options> options_;
    std::unique_ptr<protocol::http_request> request_;
    // Client only: the handshake, then the masking keys.
    std::unique_ptr<detail::client_parts> client_;
    path_params params_;
    // Most connections agree no subprotocol: a pointer, not a string.
    std::unique_ptr<const std::string> subprotocol_;
    void set_subprotocol(std::string p);
    std::any user_data_;
    std::shared_ptr<void> instance_;
    // permessage-deflate, when agreed.
    using compression = detail::compression;
    std::unique_ptr<compression> deflate_;
    asio::ip::tcp::endpoint remote_;
    // What on_close reports, made once the connection is closing.
    using closing_state = detail::closing_state;
    std::unique_ptr<closing_state> closing_;
    closing_state& closing();

    // ---- messages in parts (impl/session_parts.ipp, session_stream.ipp) ----
    friend class message_stream;
    // Made when first used: an endpoint with on_message_part, a send_stream().
    std::unique_ptr<detail::stream_parts> streams_;
    detail::stream_parts& streams();
    // Receiving: what the reader's streaming events become.
    void on_part_begin(protocol::opcode op, bool compressed);
    void on_part_data(const std::uint8_t* data, std::size_t size, bool final);
    void on_part_end();
    void deliver_part(const std::uint8_t* data, std::size_t size, bool last);
    void call_part_handler(const std::uint8_t* data, std::size_t size, bool last);
    // Sending: a message_stream's frames, and the sends that wait for it.
    message_stream open_stream(protocol::opcode op);
    void stream_send(std::uint64_t id, const void* data, std::size_t size, bool fin, detail::send_queue::completion c);
    void stream_frame(std::uint64_t id, const std::uint8_t* data, std::size_t size, bool fin,
                      detail::send_queue::completion c);
    void abandon_stream(std::uint64_t id, bool wrote);
    // A send made while a stream is open (or others still wait) waits, in order.
    bool stream_blocks_sends() const noexcept;
    bool stream_replaying() const noexcept;
    void wait_for_stream(protocol::opcode op, const std::uint8_t* data, std::size_t size,
                         detail::send_queue::completion& c);
    void wait_for_stream(const std::shared_ptr<const detail::shared_frame>& f, detail::send_queue::completion& c);
    void send_waiting();
    void fail_waiting(std::error_code ec);
    std::size_t waiting_bytes() const noexcept;

    std::uint64_t id_;
    std::atomic<std::size_t> buffered_{0};
    std::atomic<std::size_t> posted_{0}; // bytes of sends posted to the strand, not yet queued
    std::atomic<std::size_t> held_{0};   // what account_memory() last reported to the budget
    // Null: the steady clock and the timer above. Tests set one.
    detail::session_clock* clock_ = nullptr;
    std::atomic<phase> phase_{phase::connecting};
    std::atomic<bool> shedding_{false}; // chosen by the memory budget (shed_memory)
    std::atomic<std::uint16_t> posted_sends_{0}; // sends posted, not yet run (post_send)
    const bool is_server_;
    const bool direct_writes_;
    // Touched on the strand only, so they may share bytes.
    struct flags {
        // The close handshake and failure (session_close.ipp).
        bool close_received : 1; // the peer's close frame arrived
        bool failing : 1;        // we failed the connection (RFC 6455 7.1.7)
        bool reported_error : 1; // on_error was called: at most once per connection
        // The write side (session_write.ipp).
        bool in_dispatch : 1;    // inside a read's handlers: flush once at the end
        bool drain_wanted : 1;   // on_drain is owed when the queue empties
        bool refusing_sends : 1; // sends are being refused (send_queue_full told once)
        bool flush_listed : 1;   // queued by send_direct, to be flushed after the sender's handler
        // The timers (session_timers.ipp).
        bool ping_outstanding : 1;
        bool timer_pending : 1;
        bool timers_on : 1; // idle or keep-alive: reads note their time
        // The read side (session_read.ipp).
        bool no_direct_reads : 1; // the stream has no read_into
    };
    flags f_{};
};

} // namespace wsx

#include <wsx/session_handle.hpp>
#include <wsx/send_stream.hpp>

#if !defined(WSX_SEPARATE_COMPILATION)
#include <wsx/impl/session.ipp>
#include <wsx/impl/session_close.ipp>
#include <wsx/impl/session_handshake.ipp>
#include <wsx/impl/session_parts.ipp>
#include <wsx/impl/session_read.ipp>
#include <wsx/impl/session_stream.ipp>
#include <wsx/impl/session_timers.ipp>
#include <wsx/impl/session_topics.ipp>
#include <wsx/impl/session_write.ipp>
#endif

#endif
