// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_TOPICS_IPP
#define WSX_IMPL_SESSION_TOPICS_IPP

// wsx::session, topics: subscribing through the server's topic registry, and the one publish both the session and the server use.
// Included by session.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/session_parts.hpp>
#include <wsx/detail/topic_registry.hpp>

namespace wsx {
namespace detail {

// Sends to every subscriber of `topic` but `skip`: `m` when given, else a
// message made from (op, data, size), framed only if someone listens.
WSX_DECL std::size_t deliver_locally(const topic_registry& r, std::string_view topic, std::uint64_t skip,
                                     const prepared_message* m, protocol::opcode op, const void* data, std::size_t size) {
    topic_registry::check_name(topic);
    topic_registry::subscriber_list targets;
    r.collect(topic, skip, targets);
    if (targets.empty()) return 0;
    prepared_message made;
    if (!m) {
        made = op == protocol::opcode::text
                   ? prepared_message::text(std::string_view(static_cast<const char*>(data), size))
                   : prepared_message::binary(data, size);
        m = &made;
    }
    // No lock is held here: a send that runs a handler inline (on_error
    // when this session's queue is full) may subscribe or publish again.
    for (auto& s : targets) s->send(*m);
    return targets.size();
}

// The backplane refuses what it cannot carry before anyone here gets it,
// and carries the rest after the local delivery, which it does not delay.
WSX_DECL std::size_t publish_to(const topic_registry& r, std::string_view topic, std::uint64_t skip,
                                const prepared_message* m, protocol::opcode op, const void* data, std::size_t size) {
    backplane* relay = r.relay();
    if (!relay) return deliver_locally(r, topic, skip, m, op, data, size);
    topic_registry::check_name(topic);
    if (m) {
        data = m->data();
        size = m->size();
    }
    relay->check(topic, size);
    const std::size_t n = deliver_locally(r, topic, skip, m, op, m ? nullptr : data, size);
    relay->publish(topic, op, data, size);
    return n;
}

} // namespace detail

WSX_DECL detail::topic_registry& session::topic_table() const {
    if (!owner_)
        throw std::system_error(make_error_code(error::invalid_state),
                                "wsx: topics belong to a server; a client's session cannot subscribe or publish");
    return owner_->topics;
}

WSX_DECL bool session::subscribe(std::string_view topic) {
    return topic_table().subscribe(topic, id_, weak_from_this(), [this] { return is_closed(); });
}

WSX_DECL bool session::unsubscribe(std::string_view topic) { return topic_table().unsubscribe(topic, id_); }

WSX_DECL bool session::is_subscribed(std::string_view topic) const { return owner_ && owner_->topics.is_subscribed(topic, id_); }

WSX_DECL std::vector<std::string> session::topics() const {
    return owner_ ? owner_->topics.topics_of(id_) : std::vector<std::string>{};
}

WSX_DECL std::size_t session::publish(std::string_view topic, const prepared_message& m) {
    return detail::publish_to(topic_table(), topic, id_, &m, m.opcode(), nullptr, 0);
}

WSX_DECL std::size_t session::publish(std::string_view topic, const message& m) {
    return detail::publish_to(topic_table(), topic, id_, nullptr, m.opcode(), m.data(), m.size());
}

WSX_DECL std::size_t session::publish(std::string_view topic, std::string_view text) {
    return detail::publish_to(topic_table(), topic, id_, nullptr, protocol::opcode::text, text.data(), text.size());
}

} // namespace wsx

#endif
