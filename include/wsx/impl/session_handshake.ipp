// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_HANDSHAKE_IPP
#define WSX_IMPL_SESSION_HANDSHAKE_IPP

// wsx::session, both opening handshakes: the server reading the request and answering it, the client writing the request and checking the answer, and opening the connection.
// Included by session.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/read_turn.hpp>
#include <wsx/detail/session_parts.hpp>
#include <wsx/protocol/handshake.hpp>

namespace wsx {

WSX_DECL void session::start_server(const owner_ptr& owner, const session_options& server_opts, const protocol::http_limits& limits) {
    owner_ = owner;
    options_ = std::shared_ptr<const session_options>(owner, &server_opts);
    std::error_code ec;
    if (remote_.port() == 0) remote_ = tcp_socket().remote_endpoint(ec);
    request_ = std::make_unique<protocol::http_request>(limits);
    asio::dispatch(strand_, [self = this->shared_from_this()] {
        self->arm_handshake_deadline();
        self->io_handshake();
    });
}

WSX_DECL void session::start_client(const endpoint_ptr& ep, std::string request, detail::response_check verify) {
    endpoint_ = ep;
    if (!options_) options_ = std::make_shared<const session_options>(ep->options);
    reader_ = protocol::reader(reader_options_for(false, *options_, ep->has_part_handler()));
    std::error_code ec;
    remote_ = tcp_socket().remote_endpoint(ec);
    asio::dispatch(strand_, [self = this->shared_from_this(), request = std::move(request),
                             verify = std::move(verify)]() mutable {
        // close() or the connect timeout may have ended the session while
        // the resolve/connect was in flight (async_connect reopens the
        // socket teardown closed): do not start a handshake on it.
        if (self->is_closed()) {
            self->io_close();
            return;
        }
        self->arm_handshake_deadline();
        self->client_ = std::make_unique<detail::client_parts>();
        self->client_->handshake = std::make_unique<detail::client_handshake>();
        self->client_->handshake->verify = std::move(verify);
        self->client_->handshake->request = std::move(request);
        self->io_handshake();
    });
}

WSX_DECL void session::begin_connecting(const endpoint_ptr& ep) {
    endpoint_ = ep;
    options_ = std::make_shared<const session_options>(ep->options);
    // A client hears on_error/on_close even when it never opens (a
    // refused connect): the class form's object must exist by then, or
    // those handlers dereference a null instance.
    if (endpoint_->make_instance) instance_ = endpoint_->make_instance();
    arm_handshake_deadline();
}

WSX_DECL void session::fail_connect(std::error_code ec) {
    if (is_closed()) return;
    report_error(ec);
    teardown(ec);
}

WSX_DECL void session::on_transport_ready(std::error_code ec) {
    if (!ec && phase_now() == phase::connecting) enter(phase::handshaking);
    if (is_server_) {
        if (ec) return teardown(ec);
        return read_request();
    }
    if (ec) return fail_connect(ec);
    std::string request = std::move(client_->handshake->request);
    write_opening(request);
    read_response();
}

WSX_DECL protocol::reader_options session::reader_options_for(bool is_server, const session_options& o, bool parts) {
    protocol::reader_options r;
    r.local_role = is_server ? protocol::role::server : protocol::role::client;
    r.max_frame_size = o.max_frame_size < o.max_message_size ? o.max_frame_size : o.max_message_size;
    r.max_message_size = o.max_message_size;
    if (parts) {
        // Part handlers get each message as it arrives and nothing is
        // held, so a limit of 0 may mean none (docs/streams.md).
        r.streaming = true;
        const std::uint64_t message = o.max_message_size == 0 ? UINT64_MAX : o.max_message_size;
        const std::uint64_t frame = o.max_frame_size == 0 ? UINT64_MAX : o.max_frame_size;
        r.max_message_size = message;
        r.max_frame_size = frame < message ? frame : message;
    }
    return r;
}

// The opening request or response goes straight to the socket when nothing
// is queued before it (always, in practice): the send queue's buffers are
// then first allocated by a message, and a connection that stays idle after
// its handshake never has them.
WSX_DECL void session::write_opening(const std::string& bytes) {
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

WSX_DECL void session::on_request_bytes(std::error_code ec, std::uint8_t* data, std::size_t n) {
    if (is_closed()) return;
    if (ec) return teardown(ec);
    std::error_code perr;
    std::size_t used = request_->parse(data, n, perr);
    if (perr) return refuse(perr);
    if (!request_->complete()) return read_request();

    auto d = owner_->route(*this, *request_);
    if (!d.endpoint) {
        enter(phase::refusing);
        write_raw(std::move(d.response));
        return;
    }
    endpoint_ = std::move(d.endpoint);
    options_ = std::shared_ptr<const session_options>(endpoint_, &endpoint_->options);
    params_ = std::move(d.params);
    set_subprotocol(std::move(d.subprotocol));
    reader_ = protocol::reader(reader_options_for(true, *options_, endpoint_->has_part_handler()));
    if (d.deflate) start_deflate(*d.deflate, protocol::role::server, std::move(d.extensions));
    f_.in_dispatch = true;
    write_opening(d.response);
    open_then_read(data + used, n - used);
}

WSX_DECL void session::refuse(std::error_code ec) {
    enter(phase::refusing);
    write_raw(protocol::build_error_response(http_status_for(ec), ec.message() + "\n"));
}

WSX_DECL void session::teardown_after_refusal() {
    io_shutdown_send();
    teardown(make_error_code(error::handshake_rejected));
}

WSX_DECL void session::on_response_bytes(std::error_code ec, std::uint8_t* data, std::size_t n) {
    if (is_closed()) return;
    if (ec) return fail_connect(ec == asio::error::eof ? make_error_code(error::handshake_bad_response) : ec);
    std::error_code perr;
    protocol::http_response& response = client_->handshake->response;
    std::size_t used = response.parse(data, n, perr);
    if (perr) return fail_connect(make_error_code(error::handshake_bad_response));
    if (!response.complete()) return read_response();
    std::string chosen;
    std::error_code verr = client_->handshake->verify(response, chosen);
    set_subprotocol(std::move(chosen));
    if (verr) return fail_connect(verr);
    if (deflate_offered()) {
        std::optional<protocol::deflate_params> agreed;
        if (auto derr = protocol::verify_deflate_response(response, options_->deflate, agreed))
            return fail_connect(derr);
        if (agreed)
            start_deflate(*agreed, protocol::role::client, std::string(response.header("Sec-WebSocket-Extensions")));
    }
    client_->handshake.reset();
    f_.in_dispatch = true;
    open_then_read(data + used, n - used);
}

WSX_DECL void session::open_then_read(std::uint8_t* rest, std::size_t size) {
    open();
    if (!options_->keep_request) request_.reset();
    detail::this_thread_turn().begin();
    if (size != 0 && !is_closed()) feed_turn(rest, size);
    f_.in_dispatch = false;
    if (is_closed()) return;
    end_turn();
}

WSX_DECL void session::start_deflate(const protocol::deflate_params& agreed, protocol::role role, std::string extensions) {
    deflate_ = std::make_unique<compression>();
    deflate_->codec = options_->deflate.make_codec(agreed, role, options_->deflate);
    deflate_->extensions = std::move(extensions);
    reader_.set_allow_rsv1(true);
}

WSX_DECL void session::open() {
    if (timing_) timing_->handshake_deadline = clock::time_point::max();
    if (request_) request_->shrink_to_fit();
    // Nothing left to time: drop the handshake wait now rather than
    // holding it, and this session, until it expires. The timer and the
    // deadlines go too: an idle connection without timeouts then pays
    // 8 bytes for them, not 120. (Idle and keep-alive make them again
    // below, in schedule_timer.)
    if (next_deadline() == clock::time_point::max()) {
        cancel_timer();
        timing_.reset();
        f_.timer_pending = false;
    }
    if (options_->idle_timeout.count() > 0 || options_->ping_interval.count() > 0)
        timing().last_activity = now();
    enter(phase::open);
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
    if (endpoint_->registry) endpoint_->registry->open(id_, this->weak_from_this(), endpoint_.get());
    schedule_timer();
    invoke([&] {
        if (endpoint_->on_open) endpoint_->on_open(*this);
    });
}

} // namespace wsx

#endif
