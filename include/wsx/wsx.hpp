// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_WSX_HPP
#define WSX_WSX_HPP

// Everything for plain ws://. TLS is <wsx/tls.hpp>; permessage-deflate is
// <wsx/deflate.hpp>: separate so a plain build needs neither OpenSSL nor zlib.

#include <wsx/error.hpp>
#include <wsx/message.hpp>
#include <wsx/options.hpp>
#include <wsx/prepared_message.hpp>
#include <wsx/protocol/close.hpp>
#include <wsx/protocol/frame.hpp>
#include <wsx/protocol/handshake.hpp>
#include <wsx/protocol/http.hpp>
#include <wsx/protocol/reader.hpp>
#include <wsx/protocol/utf8.hpp>
#include <wsx/protocol/writer.hpp>
#include <wsx/router.hpp>
#include <wsx/url.hpp>
#include <wsx/session.hpp>
#include <wsx/endpoint.hpp>
#include <wsx/server.hpp>
#include <wsx/client.hpp>
#include <wsx/sync_client.hpp>

#include <asio/io_context.hpp>

#endif
