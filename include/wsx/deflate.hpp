// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DEFLATE_HPP
#define WSX_DEFLATE_HPP

// permessage-deflate (RFC 7692) for wsx: include this header and link
// wsx::deflate (it needs zlib). A plain build never sees zlib: the session
// reaches the compressor only through deflate_options::make_codec, which
// enable_deflate() fills in.
//
//   wsx::deflate_options d = wsx::enable_deflate();
//   d.server_max_window_bits = 12;   // optional tuning, see deflate_options
//   d.mem_level = 5;
//
// Compression costs memory per connection (see deflate_options) and, on
// pages that mix secrets with attacker-chosen text, leaks by length
// (CRIME/BREACH): enable it where messages are large and repetitive.

#include <wsx/protocol/deflate.hpp>
#include <wsx/protocol/deflate_negotiation.hpp>

namespace wsx {

using protocol::deflate_options;
using protocol::deflate_params;

/// opts with compression enabled and the zlib codec attached.
inline deflate_options enable_deflate(deflate_options opts = {}) {
    protocol::check_deflate_options(opts);
    opts.enabled = true;
    opts.make_codec = &protocol::make_permessage_deflate;
    return opts;
}

} // namespace wsx

#endif
