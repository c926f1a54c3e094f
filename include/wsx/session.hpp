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

#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/memory_budget.hpp>
#include <wsx/detail/send_queue.hpp>
#include <wsx/detail/thread_buffer.hpp>
#include <wsx/detail/unique_function.hpp>
#include <wsx/error.hpp>
#include <wsx/message.hpp>
#include <wsx/options.hpp>
#include <wsx/peer_certificate.hpp>
#include <wsx/protocol/close.hpp>
#include <wsx/protocol/frame.hpp>
#include <wsx/protocol/handshake.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/protocol/reader.hpp>
#include <wsx/protocol/writer.hpp>
#include <wsx/request_target.hpp>
#include <wsx/transport/socket.hpp>

#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>
#include <asio/connect.hpp>
#include <asio/buffer.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include <any>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
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

namespace detail {

// The server side of a session's opening handshake: decides, from the
// request, which endpoint (if any) takes the connection, and writes the
// response. Implemented by basic_server; one virtual call per connection.
struct session_owner {
    struct decision {
        std::shared_ptr<endpoint_state> endpoint; // null: refused
        std::string response;                                // 101, or the refusal
        path_params params;
        std::string subprotocol;
        std::string extensions;                          // the Sec-WebSocket-Extensions answered
        std::optional<protocol::deflate_params> deflate; // permessage-deflate agreed
    };
    virtual ~session_owner() = default;
    virtual decision route(session& s, const protocol::http_request& req) = 0;
    // The connection is gone; `from` is its peer's address (what the caps counted).
    virtual void forget(std::uint64_t id, const asio::ip::address& from) noexcept = 0;
    // A session's growth took the budget past its limit.
    virtual void over_budget() noexcept = 0;
    memory_budget budget;
};

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
    /// The strand type.
    using strand_type = asio::strand<asio::io_context::executor_type>;

    session(const session&) = delete;
    session& operator=(const session&) = delete;
    virtual ~session() = default;

    // ---- identity -------------------------------------------------------

    /// Unique among the sessions of one server (or client).
    std::uint64_t id() const noexcept { return id_; }
    /// A weak reference to keep beyond the handler (see session_handle).
    handle_type handle();
    /// The peer's address and port.
    const asio::ip::tcp::endpoint& remote_endpoint() const noexcept { return remote_; }
    /// The subprotocol both sides agreed on ("" if none); the browser's `protocol`.
    const std::string& subprotocol() const noexcept { return subprotocol_ ? *subprotocol_ : no_subprotocol(); }
    /// The same as subprotocol(), under the browser's name.
    const std::string& protocol() const noexcept { return subprotocol(); }
    /// The extensions in use (the browser's `extensions`), e.g.
    /// "permessage-deflate; client_max_window_bits=15"; "" for none.
    const std::string& extensions() const noexcept {
        static const std::string none;
        return deflate_ ? deflate_->extensions : none;
    }
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
    wsx::ready_state ready_state() const noexcept { return state_.load(std::memory_order_acquire); }
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
    /// Sends a wsx::message: text stays text, binary binary; sent to many sessions it is framed once.
    void send(const message& m) { send_message(m, {}); }
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
    /// Sends binary bytes; the token gets the outcome.
    template <class Token> auto send_binary(byte_view bytes, Token&& token) {
        return initiate(std::forward<Token>(token), [this, bytes](detail::send_queue::completion c) {
            send_bytes(protocol::opcode::binary, bytes.data(), bytes.size(), std::move(c));
        });
    }

    /// Sends a ping (payload at most 125 bytes, else throws std::system_error).
    /// The peer's pong reaches on_pong.
    void ping(std::string_view payload = {}) { send_control(protocol::opcode::ping, payload); }
    /// Sends an unsolicited pong (a heartbeat the peer need not answer).
    void pong(std::string_view payload = {}) { send_control(protocol::opcode::pong, payload); }

    /// Starts the closing handshake. A code that may not be sent (1005,
    /// 1006, 1015, out of range) or a reason over 123 bytes throws.
    void close(std::uint16_t code = close_code::normal, std::string_view reason = {}) {
        // build_close_payload takes 1005 to mean "an empty close frame", but
        // 1005 is a code for reporting only (RFC 6455 7.4.1): refuse it here
        // as documented above, like 1006 and 1015.
        if (code == close_code::no_status)
            throw std::system_error(make_error_code(error::bad_argument),
                                    "wsx: close code 1005 may not be sent; use 1000-1003, 1007-1014 or an "
                                    "application code in 3000-4999");
        std::uint8_t payload[125];
        std::size_t n = protocol::build_close_payload(code, reason, payload); // throws on bad input
        run_on_strand(std::string(reinterpret_cast<char*>(payload), n), [](session& s, std::string& p) {
            s.start_close(p);
        });
    }

    /// A send on a gone session (through a handle) completes with error::closed.
    template <class Token> static auto complete_closed(Token&& token) {
        return asio::async_initiate<Token, void(std::error_code)>(
            [](auto handler) {
                auto ex = asio::get_associated_executor(handler);
                asio::dispatch(ex, [h = std::move(handler)]() mutable { h(make_error_code(error::closed)); });
            },
            token);
    }

    /// The per-connection object of an endpoint<T> (the class form).
    template <class T> T& endpoint_instance() noexcept { return *static_cast<T*>(instance_.get()); }

    // ---- used by server / client ----------------------------------------

    /// The strand every handler of this session runs on.
    const strand_type& strand() const noexcept { return strand_; }

    /// Server: starts reading the opening request (called by basic_server).
    void start_server(const owner_ptr& owner, const session_options& server_opts, const protocol::http_limits& limits) {
        owner_ = owner;
        options_ = std::shared_ptr<const session_options>(owner, &server_opts);
        std::error_code ec;
        remote_ = tcp_socket().remote_endpoint(ec);
        request_ = std::make_unique<protocol::http_request>(limits);
        asio::dispatch(strand_, [self = this->shared_from_this()] {
            self->arm_handshake_deadline();
            self->io_handshake();
        });
    }

    /// Client: the TCP (and TLS) connection exists; send the request and
    /// read the response. verify(response, chosen_subprotocol) checks it.
    using response_check = std::function<std::error_code(const protocol::http_response&, std::string&)>;
    /// Client: sends the opening request and reads the answer (called by basic_client).
    void start_client(const endpoint_ptr& ep, std::string request, response_check verify) {
        endpoint_ = ep;
        if (!options_) options_ = std::make_shared<const session_options>(ep->options);
        reader_ = protocol::reader(reader_options_for(false, *options_));
        std::error_code ec;
        remote_ = tcp_socket().remote_endpoint(ec);
        asio::dispatch(strand_, [self = this->shared_from_this(), request = std::move(request),
                                 verify = std::move(verify)]() mutable {
            // close() or the connect timeout may have ended the session while
            // the resolve/connect was in flight (async_connect reopens the
            // socket teardown closed): do not start a handshake on it.
            if (self->closed_) {
                self->io_close();
                return;
            }
            self->arm_handshake_deadline();
            self->client_hs_ = std::make_unique<client_handshake>();
            self->client_hs_->verify = std::move(verify);
            self->client_hs_->request = std::move(request);
            self->io_handshake();
        });
    }

    /// Client: connects the socket to one of `endpoints` (a resolver's
    /// results); `host` is the URL's host (TLS asks for it and checks the
    /// certificate against it). The handler runs on the strand.
    template <class Endpoints, class Handler>
    void async_connect(const std::string& host, const Endpoints& endpoints, Handler&& h) {
        set_host(host);
        asio::async_connect(tcp_socket(), endpoints, asio::bind_executor(strand_, std::forward<Handler>(h)));
    }

    /// Timers and deadlines can be started before the socket connects (the
    /// client's connect timeout); the session then owns that wait.
    void begin_connecting(const endpoint_ptr& ep) {
        endpoint_ = ep;
        options_ = std::make_shared<const session_options>(ep->options);
        // A client hears on_error/on_close even when it never opens (a
        // refused connect): the class form's object must exist by then, or
        // those handlers dereference a null instance.
        if (endpoint_->make_instance) instance_ = endpoint_->make_instance();
        arm_handshake_deadline();
    }
    /// Connecting failed before the handshake could start.
    void fail_connect(std::error_code ec) {
        if (closed_) return;
        report_error(ec);
        teardown(ec);
    }

    /// Bytes this connection holds for messages, as last counted against the
    /// server's memory budget (for basic_server; any thread).
    std::size_t memory_held() const noexcept { return held_.load(std::memory_order_relaxed); }
    /// The server's memory budget is exceeded and this connection is among
    /// those holding the most: close it with 1013 (for basic_server). True
    /// the first time; a session already chosen is not chosen again.
    bool shed_memory() {
        if (shedding_.exchange(true, std::memory_order_acq_rel)) return false;
        asio::dispatch(strand_, [self = this->shared_from_this()] { self->on_shed_memory(); });
        return true;
    }

    /// Graceful shutdown of the server: 1001 to an open session, an
    /// unfinished handshake is dropped.
    void going_away() {
        asio::dispatch(strand_, [self = this->shared_from_this()] {
            if (self->closed_) return;
            if (self->opened_) {
                std::uint8_t payload[125];
                std::size_t n = protocol::build_close_payload(close_code::going_away, "server shutting down", payload);
                self->start_close(std::string(reinterpret_cast<char*>(payload), n));
            } else {
                self->teardown(make_error_code(error::going_away));
            }
        });
    }

    /// \cond internal
protected:
    // Made by detail::stream_session, the one subclass: it owns the
    // transport's stream and implements the io_ calls below, the contract
    // of include/wsx/transport/README.md. `direct_writes`: the stream has
    // write_now(), so writes may go to the socket without an operation.
    session(asio::io_context& io, std::uint64_t id, bool is_server, bool direct_writes)
        : strand_(asio::make_strand(io)),
          reader_(reader_options_for(is_server, session_options{})),
          id_(id),
          is_server_(is_server),
          direct_writes_(direct_writes) {}

    // ---- the transport, as the session drives it -------------------------
    // Each io_ call starts at most one operation of its kind; its
    // completion comes back on the strand to the member named, and the
    // operation keeps the session alive until then.

    // Where the bytes of a read go (the opening request, response, frames).
    using read_step = void (session::*)(std::error_code, std::uint8_t*, std::size_t);
    // The stream's own handshake (TLS; nothing on TCP), then on_transport_ready().
    virtual void io_handshake() = 0;
    // Waits for bytes, then calls (this->*next)(ec, data, size); the bytes
    // stay valid until that call returns.
    virtual void io_read(read_step next) = 0;
    // Reads what is there without waiting (0 and would_block when nothing is).
    virtual std::size_t io_read_now(std::uint8_t*& data, std::error_code& ec) = 0;
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
    void on_transport_ready(std::error_code ec) {
        if (is_server_) {
            if (ec) return teardown(ec);
            return read_request();
        }
        if (ec) return fail_connect(ec);
        std::string request = std::move(client_hs_->request);
        write_opening(request);
        read_response();
    }

    void on_written(std::error_code ec) {
        queue_.end_write(ec);
        buffered_.store(queue_.queued_bytes(), std::memory_order_relaxed);
        if (closed_) return;
        account_memory();
        if (ec) {
            if (opened_ && !close_received_) report_error(make_error_code(error::connection_reset));
            return teardown(make_error_code(error::connection_reset));
        }
        after_write();
    }

    /// \endcond
private:
    // ---- options to reader --------------------------------------------
    static protocol::reader_options reader_options_for(bool is_server, const session_options& o) {
        protocol::reader_options r;
        r.local_role = is_server ? protocol::role::server : protocol::role::client;
        r.max_frame_size = o.max_frame_size < o.max_message_size ? o.max_frame_size : o.max_message_size;
        r.max_message_size = o.max_message_size;
        return r;
    }

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

    // Runs f on the strand: at once when already there (the common case:
    // a handler answering its own session), else posted with a copy.
    template <class Payload, class F> void run_on_strand(Payload&& p, F&& f) {
        if (strand_.running_in_this_thread()) {
            f(*this, p);
        } else {
            asio::post(strand_, [self = this->shared_from_this(), p = std::forward<Payload>(p),
                                 f = std::forward<F>(f)]() mutable { f(*self, p); });
        }
    }

    void send_bytes(protocol::opcode op, const void* data, std::size_t size, detail::send_queue::completion c) {
        if (strand_.running_in_this_thread()) {
            enqueue(op, static_cast<const std::uint8_t*>(data), size, std::move(c));
            return;
        }
        posted_.fetch_add(size, std::memory_order_relaxed);
        asio::post(strand_, [self = this->shared_from_this(), op,
                             copy = std::string(static_cast<const char*>(data), size),
                             c = std::move(c)]() mutable {
            self->posted_.fetch_sub(copy.size(), std::memory_order_relaxed);
            self->enqueue(op, reinterpret_cast<const std::uint8_t*>(copy.data()), copy.size(), std::move(c));
        });
    }

    void send_message(const message& m, detail::send_queue::completion c) {
        // A client masks every frame with a fresh key: nothing to share.
        if (!is_server_ || options_->fragment_size != 0) {
            send_bytes(m.opcode(), m.data(), m.size(), std::move(c));
            return;
        }
        // key 0: the plain frame (no compression agreed, or a message below
        // the threshold). A compressor with context takeover makes bytes
        // only this connection can decode: nothing to share either.
        // (deflate_ is set before open and never changes, so reading it from
        // another thread is safe.)
        std::uint64_t key = 0;
        if (deflate_ && deflate_->codec->should_compress(m.size())) {
            key = deflate_->codec->shared_key();
            if (key == 0) {
                send_bytes(m.opcode(), m.data(), m.size(), std::move(c));
                return;
            }
        }
        std::shared_ptr<const detail::shared_frame> frame = detail::message_access::cached_frame(m, key);
        if (!frame && key == 0 && strand_.running_in_this_thread()) {
            // First send of this message: copying into our own queue is
            // cheaper than a shared frame, and an echo never needs one.
            // (Fix: this used to build and cache the shared frame right
            // here anyway, one allocation and copy per echoed message; the
            // next send of the same message builds it when it needs it.)
            enqueue(m.opcode(), m.data(), m.size(), std::move(c));
            return;
        }
        if (!frame) {
            // Compressed frames are built at once, even for an echo: the
            // compression costs far more than the copy, and it is what a
            // broadcast must not repeat per receiver.
            frame = detail::message_access::cache_frame(m, make_shared_frame(m, key));
        }
        asio::dispatch(strand_, [self = this->shared_from_this(), frame, c = std::move(c)]() mutable {
            self->enqueue_shared(frame, std::move(c));
        });
    }

    // Broadcast frames are built lazily: only the second send of one
    // message object pays for a plain one (an echo never does).
    std::shared_ptr<detail::shared_frame> make_shared_frame(const message& m, std::uint64_t key) const {
        auto f = std::make_shared<detail::shared_frame>();
        f->key = key;
        const std::uint8_t* payload = m.data();
        std::size_t size = m.size();
        std::vector<std::uint8_t> compressed;
        if (key != 0) {
            deflate_->codec->compress_detached(m.data(), m.size(), compressed);
            payload = compressed.data();
            size = compressed.size();
        }
        f->bytes.resize(protocol::max_header_size + size);
        std::size_t h = protocol::write_frame_header(f->bytes.data(), m.opcode(), size, true, key != 0, nullptr);
        if (size) std::memcpy(f->bytes.data() + h, payload, size);
        f->bytes.resize(h + size);
        return f;
    }

    // ---- the write side (on the strand) ---------------------------------

    bool can_send(detail::send_queue::completion& c) {
        if (opened_ && !close_sent_ && !closed_) return true;
        if (c) c(make_error_code(opened_ || closed_ ? error::closed : error::invalid_state));
        return false;
    }

    // The limit is a high-water mark on what is already queued, not a cap
    // on one message: a send is refused once the queued bytes have reached
    // max_send_queue. (Checking queued + this message against the limit made
    // a message of max_message_size, the default 16 MiB, unsendable with
    // the default options, and the outcome of a big send depend on whether
    // a pong happened to be queued.) Memory stays bounded by the limit plus
    // the one message that crossed it. `add` is kept for the call sites.
    bool over_limit(std::size_t /*add*/, detail::send_queue::completion& c) {
        if (queue_.queued_bytes() < options_->max_send_queue) return false;
        auto ec = make_error_code(error::send_queue_full);
        drain_wanted_ = true;
        if (options_->send_policy == send_queue_policy::close) {
            if (c) c(ec);
            fail(ec);
            return true;
        }
        if (c) {
            c(ec);
        } else if (!refusing_) {
            // Once per episode, which ends when the queue has drained (see
            // after_write): a peer that never reads would otherwise make
            // every refused send a line in the program's log. Not through
            // report_error's once-per-connection latch: the connection
            // stays open, and a later fatal error must still reach on_error.
            refusing_ = true;
            invoke_nothrow([&] {
                if (endpoint_->on_error) endpoint_->on_error(*this, ec);
            });
        }
        return true;
    }

    void enqueue(protocol::opcode op, const std::uint8_t* data, std::size_t size, detail::send_queue::completion c) {
        if (!can_send(c) || over_limit(size + protocol::max_header_size, c)) return;
        // Compress only what will be sent (the limit is checked first): a
        // message in our LZ77 window that never reaches the peer would
        // corrupt every later one. RSV1 marks the first frame only.
        bool rsv1 = false;
        if (deflate_ && deflate_->codec->should_compress(size)) {
            deflate_->codec->compress(data, size, deflate_->deflated);
            data = deflate_->deflated.data();
            size = deflate_->deflated.size();
            rsv1 = true;
        }
        const std::size_t frag = options_->fragment_size;
        if (frag == 0 || size <= frag) {
            if (!write_through(op, data, size, rsv1)) queue_.push_frame(op, data, size, true, rsv1, key());
        } else {
            for (std::size_t off = 0; off < size; off += frag) {
                std::size_t n = size - off < frag ? size - off : frag;
                queue_.push_frame(off == 0 ? op : protocol::opcode::continuation, data + off, n, off + n == size,
                                  rsv1 && off == 0, key());
            }
        }
        if (c) queue_.push_completion(std::move(c));
        note_queued();
    }

    // A large frame with nothing queued before it goes straight to the
    // socket, and only what the socket did not take is copied into the
    // queue: for a 1 MiB echo that copy was the largest cost in user space.
    // Small frames still gather in the queue (one write per burst). Servers
    // only: a client's payload must be masked, which copies it anyway.
    static constexpr std::size_t write_through_min = 64 * 1024;

    bool write_through(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool rsv1) {
        if (!direct_writes_ || size < write_through_min || !is_server_ || queue_.writing() || queue_.has_staged())
            return false;
        std::uint8_t header[protocol::max_header_size];
        const std::size_t h = protocol::write_frame_header(header, op, size, true, rsv1, nullptr);
        const std::array<asio::const_buffer, 2> bufs{asio::buffer(header, h), asio::buffer(data, size)};
        std::error_code ec;
        std::size_t n = io_write_now({bufs.data(), bufs.data() + bufs.size()}, ec);
        // A full socket or a real error: queue it all, and the queued
        // write reports the error as any write does.
        if (ec) n = 0;
        if (n < h) {
            queue_.push_raw(header + n, h - n);
            queue_.push_raw(data, size);
        } else {
            queue_.push_raw(data + (n - h), size - (n - h));
        }
        return true;
    }

    void enqueue_shared(const std::shared_ptr<const detail::shared_frame>& f, detail::send_queue::completion c) {
        if (!can_send(c) || over_limit(f->bytes.size(), c)) return;
        queue_.push_shared(f);
        if (c) queue_.push_completion(std::move(c));
        note_queued();
    }

    void send_control(protocol::opcode op, std::string_view payload) {
        if (payload.size() > 125)
            throw std::system_error(make_error_code(error::bad_argument),
                                    "wsx: ping/pong payload must be at most 125 bytes");
        run_on_strand(std::string(payload), [op](session& s, std::string& p) {
            if (!s.opened_ || s.close_sent_ || s.closed_) return;
            s.queue_.push_frame(op, reinterpret_cast<const std::uint8_t*>(p.data()), p.size(), true, false, s.key());
            s.note_queued();
        });
    }

    // The handshake's request or response goes out as a buffer of its own,
    // freed once written, rather than through the staging buffer, which
    // would keep its capacity for the life of an idle connection.
    void write_raw(const std::string& bytes) {
        auto f = std::make_shared<detail::shared_frame>();
        f->bytes.assign(bytes.begin(), bytes.end());
        queue_.push_shared(std::move(f));
        note_queued();
    }

    // The opening request or response goes straight to the socket when
    // nothing is queued before it (always, in practice): the send queue's
    // buffers are then first allocated by a message, and a connection that
    // stays idle after its handshake never has them.
    void write_opening(const std::string& bytes) {
        if (direct_writes_ && !queue_.writing() && !queue_.has_staged()) {
            const asio::const_buffer b = asio::buffer(bytes);
            std::error_code ec;
            std::size_t n = io_write_now({&b, &b + 1}, ec);
            if (ec) n = 0; // the queued write waits, or reports the error
            if (n == bytes.size()) return;
            write_raw(bytes.substr(n));
            return;
        }
        write_raw(bytes);
    }

    void note_queued() {
        buffered_.store(queue_.queued_bytes(), std::memory_order_relaxed);
        if (queue_.queued_bytes() >= options_->max_send_queue / 2) drain_wanted_ = true;
        if (in_dispatch_) return; // the end of the read turn flushes and counts
        flush();
        account_memory();
    }

    const std::array<std::uint8_t, 4>* key() {
        if (is_server_) return nullptr;
        if (!keys_) keys_ = std::make_unique<client_keys>();
        keys_->current = keys_->source.next();
        return &keys_->current;
    }

    // `direct`: the caller is the end of a read (or of the handshake), where
    // the write can go to the socket at once and finish there, without an
    // Asio operation and a trip through the scheduler per echo. Elsewhere
    // (sends posted from other threads) the write stays asynchronous, so
    // that sends arriving while it is in flight gather into the next one.
    void flush(bool direct = false) {
        if (queue_.writing() || !queue_.has_staged() || closed_) return;
        auto bufs = queue_.begin_write();
        {
            // A completion must not run inside the call that queued it.
            if (direct && direct_writes_ && !queue_.inflight_has_completions()) {
                std::error_code ec;
                std::size_t n = io_write_now(bufs, ec);
                // A full socket or a real error: the asynchronous write
                // below waits, or reports the error as any write does.
                if (ec) n = 0;
                if (n == queue_.inflight_bytes()) {
                    queue_.end_write({});
                    buffered_.store(queue_.queued_bytes(), std::memory_order_relaxed);
                    if (refused_ || close_sent_ || drain_wanted_)
                        asio::post(strand_, [self = this->shared_from_this()] { self->after_write(); });
                    return;
                }
                bufs = queue_.advance(n);
            }
        }
        io_write(bufs);
    }

    // What follows a finished write: the end of a refusal or of the close
    // handshake, the next write, on_drain.
    void after_write() {
        if (closed_) return;
        if (!queue_.writing() && !queue_.has_staged()) {
            if (refused_) return teardown_after_refusal();
            if (close_sent_ && (close_received_ || failing_)) return finish_close();
        }
        flush();
        if (!queue_.writing() && drain_wanted_ && opened_ && !close_sent_) {
            drain_wanted_ = false;
            refusing_ = false;
            invoke([&] {
                if (endpoint_->on_drain) endpoint_->on_drain(*this);
            });
        }
    }

    // ---- the read side ----------------------------------------------------

    // Every read of the connection's life, the opening request or response
    // and then frames, goes through here; `next` handles the bytes.
    void read(read_step next) { io_read(next); }
    void read_request() { read(&session::on_request_bytes); }
    void read_response() { read(&session::on_response_bytes); }
    void read_frames() { read(&session::on_frame_bytes); }

    void on_request_bytes(std::error_code ec, std::uint8_t* data, std::size_t n) {
        if (closed_) return;
        if (ec) return teardown(ec);
        std::error_code perr;
        std::size_t used = request_->parse(data, n, perr);
        if (perr) return refuse(perr);
        if (!request_->complete()) return read_request();

        auto d = owner_->route(*this, *request_);
        if (!d.endpoint) {
            refused_ = true;
            write_raw(std::move(d.response));
            return;
        }
        endpoint_ = std::move(d.endpoint);
        options_ = std::shared_ptr<const session_options>(endpoint_, &endpoint_->options);
        params_ = std::move(d.params);
        set_subprotocol(std::move(d.subprotocol));
        reader_ = protocol::reader(reader_options_for(true, *options_));
        if (d.deflate) start_deflate(*d.deflate, protocol::role::server, std::move(d.extensions));
        in_dispatch_ = true;
        write_opening(d.response);
        open_then_read(data + used, n - used);
    }

    void refuse(std::error_code ec) {
        refused_ = true;
        write_raw(protocol::build_error_response(http_status_for(ec), ec.message() + "\n"));
    }

    void teardown_after_refusal() {
        io_shutdown_send();
        teardown(make_error_code(error::handshake_rejected));
    }


    void on_response_bytes(std::error_code ec, std::uint8_t* data, std::size_t n) {
        if (closed_) return;
        if (ec) return fail_connect(ec == asio::error::eof ? make_error_code(error::handshake_bad_response) : ec);
        std::error_code perr;
        protocol::http_response& response = client_hs_->response;
        std::size_t used = response.parse(data, n, perr);
        if (perr) return fail_connect(make_error_code(error::handshake_bad_response));
        if (!response.complete()) return read_response();
        std::string chosen;
        std::error_code verr = client_hs_->verify(response, chosen);
        set_subprotocol(std::move(chosen));
        if (verr) return fail_connect(verr);
        if (deflate_offered()) {
            std::optional<protocol::deflate_params> agreed;
            if (auto derr = protocol::verify_deflate_response(response, options_->deflate, agreed))
                return fail_connect(derr);
            if (agreed)
                start_deflate(*agreed, protocol::role::client, std::string(response.header("Sec-WebSocket-Extensions")));
        }
        client_hs_.reset();
        in_dispatch_ = true;
        open_then_read(data + used, n - used);
    }

    // The handshake is done. Frames that came in the same read as its last
    // bytes are fed at once; what on_open and they queue leaves in one write.
    void open_then_read(std::uint8_t* rest, std::size_t size) {
        open();
        if (!options_->keep_request) request_.reset();
        if (size != 0 && !closed_) feed(rest, size);
        in_dispatch_ = false;
        if (closed_) return;
        flush(true);
        read_frames();
    }

    // The client offers permessage-deflate exactly when this holds.
    bool deflate_offered() const noexcept { return options_->deflate.enabled && options_->deflate.make_codec; }

    void start_deflate(const protocol::deflate_params& agreed, protocol::role role, std::string extensions) {
        deflate_ = std::make_unique<compression>();
        deflate_->codec = options_->deflate.make_codec(agreed, role, options_->deflate);
        deflate_->extensions = std::move(extensions);
        reader_.set_allow_rsv1(true);
    }

    void open() {
        if (timing_) timing_->handshake_deadline = clock::time_point::max();
        if (request_) request_->shrink_to_fit();
        // Nothing left to time: drop the handshake wait now rather than
        // holding it, and this session, until it expires. The timer and the
        // deadlines go too: an idle connection without timeouts then pays
        // 8 bytes for them, not 120. (Idle and keep-alive make them again
        // below, in schedule_timer.)
        if (next_deadline() == clock::time_point::max()) {
            timing_.reset();
            timer_pending_ = false;
        }
        if (options_->idle_timeout.count() > 0 || options_->ping_interval.count() > 0)
            timing().last_activity = clock::now();
        opened_ = true;
        state_.store(wsx::ready_state::open, std::memory_order_release);
        if (endpoint_->make_instance && !instance_) {
            try {
                instance_ = endpoint_->make_instance();
            } catch (...) {
            }
            // The factory (or T's constructor) threw: with no object there
            // is no handler to call (invoke skips them all), and the peer
            // gets 1011 as for any handler that throws.
            if (!instance_) return fail(make_error_code(error::handler_exception));
        }
        endpoint_->add(id_, this->shared_from_this());
        schedule_timer();
        invoke([&] {
            if (endpoint_->on_open) endpoint_->on_open(*this);
        });
    }


    void on_frame_bytes(std::error_code ec, std::uint8_t* data, std::size_t n) {
        if (closed_) return;
        if (ec) return on_read_error(ec);
        if (timers_on_) timing().last_activity = clock::now();
        in_dispatch_ = true;
        feed(data, n);
        // A read that filled the buffer means more is waiting: take it now
        // instead of going back to the reactor, but only up to a turn's
        // share. A peer that keeps the socket full would otherwise hold the
        // thread for as long as it likes, and no other connection, timer or
        // stop() would run meanwhile. read_frames() below then finds the
        // socket still readable and comes back after what is queued.
        std::size_t turn = n;
        while (!closed_ && n == detail::thread_buffer_size && !failing_ && turn < read_turn_bytes) {
            n = io_read_now(data, ec);
            if (ec) break;
            turn += n;
            feed(data, n);
        }
        in_dispatch_ = false;
        if (closed_) return;
        if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return on_read_error(ec);
        flush(true);
        account_memory();
        read_frames();
    }

    // The most one connection reads in one turn of the I/O thread.
    static constexpr std::size_t read_turn_bytes = 4 * detail::thread_buffer_size;

    // Reports what this connection holds for messages to the server's
    // budget, when it changed. (Clients have no budget.)
    void account_memory() {
        if (!owner_) return;
        std::size_t now = 0;
        if (!closed_) {
            now = reader_.memory_usage() + queue_.queued_bytes();
            if (deflate_) now += deflate_->inflated.capacity() + deflate_->deflated.capacity();
        }
        const std::size_t was = held_.load(std::memory_order_relaxed);
        if (now == was) return;
        held_.store(now, std::memory_order_relaxed);
        if (now < was) return owner_->budget.shrink(was - now);
        if (owner_->budget.grow(now - was)) owner_->over_budget();
    }

    // Chosen by the server to give memory back. A connection whose send
    // queue holds bytes is dropped at once: its peer is not reading, so a
    // close frame behind them would never arrive, and the bytes are only
    // freed with the connection. Otherwise what it held was an unfinished
    // incoming message: that goes now, and the peer gets 1013.
    void on_shed_memory() {
        if (closed_) return;
        const auto ec = make_error_code(error::memory_budget_exceeded);
        reader_ = protocol::reader(reader_.options()); // nothing is read after a failure
        if (deflate_) {
            std::vector<std::uint8_t>().swap(deflate_->inflated);
            std::vector<std::uint8_t>().swap(deflate_->deflated);
        }
        if (queue_.queued_bytes() == 0 || !opened_) {
            fail(ec);
            account_memory();
            return;
        }
        failing_ = true;
        closing().failure = ec;
        report_error(ec);
        teardown(ec);
    }

    void on_read_error(std::error_code ec) {
        if (close_sent_ && (close_received_ || failing_)) return teardown({});
        // The peer vanished without a close frame: 1006.
        if (ec != asio::error::operation_aborted) report_error(make_error_code(error::connection_reset));
        teardown(make_error_code(error::connection_reset));
    }

    struct visitor {
        session* s;
        void on_message(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool compressed) {
            s->on_data_message(op, data, size, compressed);
        }
        void on_message_begin(protocol::opcode, bool) {}
        void on_message_data(const std::uint8_t*, std::size_t) {}
        void on_message_end() {}
        void on_ping(const std::uint8_t* data, std::size_t size) { s->on_ping_frame(data, size); }
        void on_pong(const std::uint8_t* data, std::size_t size) { s->on_pong_frame(data, size); }
        void on_close(std::uint16_t code, std::string_view reason) { s->on_close_frame(code, reason); }
    };

    void feed(std::uint8_t* data, std::size_t n) {
        if (failing_) return; // after a protocol error nothing the peer sends is read
        visitor v{this};
        std::error_code ec = reader_.feed(data, n, v);
        if (ec && !closed_) fail(ec);
    }

    void on_data_message(protocol::opcode op, const std::uint8_t* data, std::size_t size, bool compressed) {
        if (close_sent_ || closed_) return; // RFC 6455 1.4: data after our close is discarded
        if (op == protocol::opcode::binary && endpoint_->text_only) return fail(make_error_code(error::unsupported_data));
        if (compressed) {
            // Every compressed message goes through the inflater, handler or
            // not: with context takeover the next one depends on it. The
            // size limit applies to the inflated bytes, as they are inflated.
            std::vector<std::uint8_t>& inflated = deflate_->inflated;
            std::error_code ec = deflate_->codec->decompress(data, size, inflated, options_->max_message_size,
                                                             op == protocol::opcode::text);
            if (ec) return fail(ec);
            data = inflated.data();
            size = inflated.size();
        }
        if (endpoint_->on_message) {
            message m = detail::message_access::view(op, data, size);
            invoke([&] { endpoint_->on_message(*this, m); });
        }
        if (deflate_ && deflate_->inflated.capacity() > protocol::reader::retained_capacity)
            std::vector<std::uint8_t>().swap(deflate_->inflated);
    }

    void on_ping_frame(const std::uint8_t* data, std::size_t size) {
        if (close_sent_ || closed_) return;
        // Not while the send queue is over its limit: a peer that sends
        // pings and never reads would otherwise grow the queue without
        // bound, one pong per ping. RFC 6455 5.5.3 lets us answer only the
        // most recent ping anyway.
        if (options_->auto_pong && queue_.queued_bytes() < options_->max_send_queue) {
            queue_.push_frame(protocol::opcode::pong, data, size, true, false, key());
            note_queued();
        }
        if (endpoint_->on_ping) invoke([&] { endpoint_->on_ping(*this, byte_view(data, size)); });
    }

    void on_pong_frame(const std::uint8_t* data, std::size_t size) {
        if (ping_outstanding_) {
            ping_outstanding_ = false;
            if (timing_) timing_->ping_deadline = clock::time_point::max();
            // The timer still waits for the pong deadline: bring it forward
            // to the next ping, or keep-alive pings go out only every
            // ping_timeout instead of every ping_interval.
            schedule_timer();
        }
        if (close_sent_ || closed_) return;
        if (endpoint_->on_pong) invoke([&] { endpoint_->on_pong(*this, byte_view(data, size)); });
    }

    void on_close_frame(std::uint16_t code, std::string_view reason) {
        close_received_ = true;
        closing().peer.code = code;
        closing().peer.reason.assign(reason);
        if (!close_sent_) {
            // Echo the peer's code (RFC 6455 5.5.1); a close without a code is answered without one.
            std::uint8_t payload[2];
            std::size_t n = 0;
            if (code != close_code::no_status) {
                payload[0] = static_cast<std::uint8_t>(code >> 8);
                payload[1] = static_cast<std::uint8_t>(code & 0xff);
                n = 2;
            }
            send_close_frame(payload, n);
        } else if (!queue_.writing() && !queue_.has_staged()) {
            finish_close();
        }
    }

    // ---- closing --------------------------------------------------------

    void start_close(const std::string& payload) {
        if (close_sent_ || closed_) return;
        if (!opened_) return teardown(make_error_code(error::closed));
        send_close_frame(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    }

    void send_close_frame(const std::uint8_t* payload, std::size_t n) {
        close_sent_ = true;
        state_.store(wsx::ready_state::closing, std::memory_order_release);
        queue_.push_frame(protocol::opcode::close, payload, n, true, false, key());
        note_queued();
        timing().close_deadline = clock::now() + options_->close_timeout;
        schedule_timer();
    }

    // Our close frame is written and the peer's arrived (or we failed).
    void finish_close() {
        if (closed_) return;
        if (is_server_ || failing_) {
            // The server closes TCP first (RFC 6455 7.1.1). Half-close and
            // let the peer read our close frame before the socket goes.
            io_shutdown_send();
            if (failing_) return; // wait for the peer's EOF or the close timeout
            teardown({});
        }
        // A client waits for the server to close TCP, up to the close timeout.
    }

    // Fail the WebSocket connection (RFC 6455 7.1.7): tell the handler,
    // send the error's close code, and stop reading frames.
    void fail(std::error_code ec) {
        if (closed_ || failing_) return;
        failing_ = true;
        closing().failure = ec;
        report_error(ec);
        if (!opened_) return teardown(ec);
        if (!close_sent_) {
            std::uint8_t payload[125];
            const std::string message = ec.message();
            std::string_view reason = message;
            if (reason.size() > 123) reason = reason.substr(0, 123);
            std::size_t n = protocol::build_close_payload(close_code_for(ec), reason, payload);
            send_close_frame(payload, n);
        } else if (!queue_.writing() && !queue_.has_staged()) {
            finish_close();
        }
    }

    void report_error(std::error_code ec) {
        if (reported_error_ || !endpoint_) return;
        reported_error_ = true;
        invoke_nothrow([&] {
            if (endpoint_->on_error) endpoint_->on_error(*this, ec);
        });
    }

    // The end of the connection: every path ends here exactly once.
    void teardown(std::error_code ec) {
        if (closed_) return;
        closed_ = true;
        state_.store(wsx::ready_state::closed, std::memory_order_release);
        std::error_code ignored;
        if (timing_) timing_->timer.cancel();
        io_close();
        queue_.fail_all(make_error_code(error::closed));
        buffered_.store(0, std::memory_order_relaxed);
        account_memory();
        if (owner_) owner_->forget(id_, remote_.address());
        // A client that never opened still hears on_close (1006), as the
        // browser fires close after a failed connect; a server session
        // that never opened was never the user's.
        if (opened_) endpoint_->remove(id_);
        if (opened_ || (!is_server_ && endpoint_)) {
            close_reason r;
            if (close_received_) {
                r = closing_->peer;
            } else if (failing_) {
                r.code = close_code_for(closing_->failure);
                r.reason = closing_->failure.message();
            } else {
                r.code = close_code::abnormal;
                if (ec) r.reason = ec.message();
            }
            invoke_nothrow([&] {
                if (endpoint_->on_close) endpoint_->on_close(*this, r);
            });
        }
        instance_.reset();
    }

    // ---- timers -----------------------------------------------------------
    // One timer per session serves every deadline: idle and keep-alive are
    // checked when it fires against the time of the last read, so traffic
    // never touches the timer.

    void arm_handshake_deadline() {
        timing().handshake_deadline = clock::now() + options_->handshake_timeout;
        schedule_timer();
    }

    clock::time_point next_deadline() const {
        if (!timing_) return clock::time_point::max();
        const timing_state& m = *timing_;
        clock::time_point t = m.handshake_deadline;
        if (m.close_deadline < t) t = m.close_deadline;
        if (opened_ && !close_sent_) {
            if (options_->idle_timeout.count() > 0 && m.last_activity + options_->idle_timeout < t)
                t = m.last_activity + options_->idle_timeout;
            if (options_->ping_interval.count() > 0) {
                clock::time_point p = ping_outstanding_ ? m.ping_deadline : m.last_activity + options_->ping_interval;
                if (p < t) t = p;
            }
        }
        return t;
    }

    void schedule_timer() {
        timers_on_ = options_->idle_timeout.count() > 0 || options_->ping_interval.count() > 0;
        if (closed_) return;
        clock::time_point t = next_deadline();
        if (t == clock::time_point::max()) return;
        timing_state& m = timing();
        if (timer_pending_ && m.timer_at <= t) return;
        timer_pending_ = true;
        m.timer_at = t;
        m.timer.expires_at(t);
        m.timer.async_wait(asio::bind_executor(strand_, [self = this->shared_from_this()](std::error_code ec) {
            self->on_timer(ec);
        }));
    }

    void on_timer(std::error_code ec) {
        // (No timing state: it was dropped after this wait had fired.)
        if (ec == asio::error::operation_aborted || closed_ || !timing_) return;
        timing_state& m = *timing_;
        timer_pending_ = false;
        clock::time_point now = clock::now();
        if (now >= m.handshake_deadline) {
            m.handshake_deadline = clock::time_point::max();
            if (!is_server_) report_error(make_error_code(error::handshake_timeout));
            return teardown(make_error_code(error::handshake_timeout));
        }
        if (now >= m.close_deadline) {
            // Both close frames crossed: the handshake is complete, and a
            // peer that keeps TCP open after it is no error (RFC 6455 7.1.1
            // lets us close the connection ourselves).
            const bool handshake_done = close_sent_ && close_received_;
            if (!failing_ && !handshake_done) report_error(make_error_code(error::close_timeout));
            return teardown(handshake_done ? std::error_code{} : make_error_code(error::close_timeout));
        }
        if (opened_ && !close_sent_) {
            if (options_->idle_timeout.count() > 0 && now >= m.last_activity + options_->idle_timeout)
                return fail(make_error_code(error::idle_timeout));
            if (options_->ping_interval.count() > 0) {
                if (ping_outstanding_ && now >= m.ping_deadline) {
                    report_error(make_error_code(error::ping_timeout));
                    return teardown(make_error_code(error::ping_timeout));
                }
                if (!ping_outstanding_ && now >= m.last_activity + options_->ping_interval) {
                    ping_outstanding_ = true;
                    m.ping_deadline = now + options_->ping_timeout;
                    queue_.push_frame(protocol::opcode::ping, nullptr, 0, true, false, key());
                    note_queued();
                }
            }
        }
        schedule_timer();
    }

    // ---- user handlers --------------------------------------------------
    // A handler that throws fails the connection with 1011 (as a servlet
    // container calls @OnError); the exception never unwinds through Asio.

    // A class endpoint whose object could not be made has no handlers.
    bool handlers_gone() const noexcept {
        return endpoint_ && (endpoint_->detached.load(std::memory_order_acquire) ||
                             (endpoint_->make_instance && !instance_));
    }
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
    // One timer serves every deadline. The timer is on the io_context's
    // executor type, not any_io_executor: 48 bytes less.
    using timer_type = asio::basic_waitable_timer<clock, asio::wait_traits<clock>, asio::io_context::executor_type>;
    struct timing_state {
        explicit timing_state(asio::io_context::executor_type ex) : timer(std::move(ex)) {}
        timer_type timer;
        clock::time_point last_activity{};
        clock::time_point handshake_deadline = clock::time_point::max();
        clock::time_point close_deadline = clock::time_point::max();
        clock::time_point ping_deadline = clock::time_point::max();
        clock::time_point timer_at{};
    };
    // Made when a deadline is first set, dropped at open when there is
    // nothing left to time (no idle timeout, no keep-alive pings).
    std::unique_ptr<timing_state> timing_;
    timing_state& timing() {
        if (!timing_) timing_ = std::make_unique<timing_state>(strand_.get_inner_executor());
        return *timing_;
    }
    protocol::reader reader_;
    detail::send_queue queue_;
    endpoint_ptr endpoint_;
    owner_ptr owner_;
    // Shared with the endpoint (or the server's defaults, before routing):
    // the options are fixed once listening, and a copy per connection cost
    // 120 bytes. A client session owns its copy (the client's options may
    // change before its next connect).
    std::shared_ptr<const session_options> options_;
    std::unique_ptr<protocol::http_request> request_;
    // Client only, during the handshake: the response being read and its check.
    struct client_handshake {
        protocol::http_response response;
        response_check verify;
        std::string request;
    };
    std::unique_ptr<client_handshake> client_hs_;
    path_params params_;
    // Most connections agree no subprotocol: 8 bytes for them, not 32.
    std::unique_ptr<const std::string> subprotocol_;
    void set_subprotocol(std::string p) {
        if (!p.empty()) subprotocol_ = std::make_unique<const std::string>(std::move(p));
    }
    static const std::string& no_subprotocol() noexcept {
        static const std::string none;
        return none;
    }
    std::any user_data_;
    std::shared_ptr<void> instance_;
    // A client's masking keys and the one in use (a server has none).
    struct client_keys {
        protocol::mask_key_source source;
        std::array<std::uint8_t, 4> current{};
    };
    std::unique_ptr<client_keys> keys_;
    // permessage-deflate, when agreed: one allocation, so that a connection
    // without it pays 8 bytes for the option rather than 88.
    struct compression {
        std::unique_ptr<protocol::deflate_codec> codec;
        std::vector<std::uint8_t> inflated, deflated;
        std::string extensions; // the agreed Sec-WebSocket-Extensions
    };
    std::unique_ptr<compression> deflate_;
    asio::ip::tcp::endpoint remote_;
    // What on_close reports, known only once the connection is closing:
    // made then, so that an open connection pays 8 bytes for it, not 56.
    struct closing_state {
        close_reason peer;     // the peer's close frame
        std::error_code failure; // why we failed the connection
    };
    std::unique_ptr<closing_state> closing_;
    closing_state& closing() {
        if (!closing_) closing_ = std::make_unique<closing_state>();
        return *closing_;
    }


    std::uint64_t id_;
    std::atomic<wsx::ready_state> state_{wsx::ready_state::connecting};
    std::atomic<std::size_t> buffered_{0};
    std::atomic<std::size_t> posted_{0}; // bytes of sends posted to the strand, not yet queued
    std::atomic<std::size_t> held_{0};   // what account_memory() last reported to the budget
    std::atomic<bool> shedding_{false};  // chosen by the memory budget (shed_memory)
    bool is_server_;
    const bool direct_writes_;
    bool opened_ = false;
    bool close_sent_ = false;
    bool close_received_ = false;
    bool closed_ = false;
    bool failing_ = false;
    bool refused_ = false;
    bool in_dispatch_ = false;
    bool drain_wanted_ = false;
    bool refusing_ = false; // sends are being refused (send_queue_full told once)
    bool reported_error_ = false;
    bool ping_outstanding_ = false;
    bool timer_pending_ = false;
    bool timers_on_ = false;

};

/// A weak reference to a session, for keeping beyond a handler (a room's
/// member list, a timer that pushes later). Sending through a handle whose
/// connection is gone does nothing and reports error::closed.
class session_handle {
public:
    /// The session type this is a handle to.
    using session_type = session;

    /// A handle to no session: every send does nothing.
    session_handle() = default;
    /// A handle to `s` (what `s.handle()` returns).
    explicit session_handle(const std::shared_ptr<session_type>& s) : s_(s), id_(s ? s->id() : 0) {}

    /// The session, if it still exists (null otherwise). Use it on the session's strand only.
    std::shared_ptr<session_type> lock() const noexcept { return s_.lock(); }
    /// True once the session object is gone.
    bool expired() const noexcept { return s_.expired(); }
    /// The session's id(), kept after it is gone.
    std::uint64_t id() const noexcept { return id_; }
    /// True while the connection is open.
    bool is_open() const noexcept {
        auto s = s_.lock();
        return s && s->is_open();
    }

    /// Sends text as session::send() does, from any thread. The sends,
    /// ping() and close() of a handle do nothing on a session that is gone,
    /// and the forms with a completion token complete with error::closed.
    void send(std::string_view text) const {
        if (auto s = s_.lock()) s->send(text);
    }
    /// Sends a message (see session::send()).
    void send(const message& m) const {
        if (auto s = s_.lock()) s->send(m);
    }
    /// Sends a binary message.
    void send_binary(byte_view bytes) const {
        if (auto s = s_.lock()) s->send_binary(bytes);
    }
    /// Sends `size` bytes at `data` as a binary message.
    void send_binary(const void* data, std::size_t size) const { send_binary(byte_view(static_cast<const std::uint8_t*>(data), size)); }
    /// Sends text; the token gets the outcome (error::closed when the session is gone).
    template <class Token> auto send(std::string_view text, Token&& token) const {
        if (auto s = s_.lock()) return s->send(text, std::forward<Token>(token));
        return session_type::complete_closed(std::forward<Token>(token));
    }
    /// Sends a message; the token gets the outcome.
    template <class Token> auto send(const message& m, Token&& token) const {
        if (auto s = s_.lock()) return s->send(m, std::forward<Token>(token));
        return session_type::complete_closed(std::forward<Token>(token));
    }
    /// Sends binary bytes; the token gets the outcome.
    template <class Token> auto send_binary(byte_view bytes, Token&& token) const {
        if (auto s = s_.lock()) return s->send_binary(bytes, std::forward<Token>(token));
        return session_type::complete_closed(std::forward<Token>(token));
    }
    /// Sends a ping (see session::ping()).
    void ping(std::string_view payload = {}) const {
        if (auto s = s_.lock()) s->ping(payload);
    }
    /// Starts the closing handshake (see session::close()).
    void close(std::uint16_t code = close_code::normal, std::string_view reason = {}) const {
        if (auto s = s_.lock()) s->close(code, reason);
    }

    /// True when both handles name the same connection.
    friend bool operator==(const session_handle& a, const session_handle& b) noexcept {
        return a.id_ == b.id_;
    }
    /// True when the handles name different connections.
    friend bool operator!=(const session_handle& a, const session_handle& b) noexcept {
        return a.id_ != b.id_;
    }

private:
    std::weak_ptr<session_type> s_;
    std::uint64_t id_ = 0;
};

inline session_handle session::handle() { return session_handle(this->shared_from_this()); }

inline std::vector<session_handle> session::open_sessions() const {
    std::vector<session_handle> out;
    if (!endpoint_) return out;
    for (auto& s : endpoint_->snapshot()) out.emplace_back(s);
    return out;
}

} // namespace wsx

#endif
