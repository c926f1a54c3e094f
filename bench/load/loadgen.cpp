// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// wsx_loadgen: the load generator of the wsx load benchmark.
//
// It carries its own minimal RFC 6455 client (handshake, masked frames out,
// unmasked frames in) and deliberately does not use wsx, so that a framing bug
// in wsx cannot be mirrored here and cancel itself out. Every echo is checked
// byte for byte against what was sent.
//
// One thread, non-blocking sockets, edge-triggered epoll. Linux only: the
// server's CPU and memory are read from /proc/<pid>.
//
// Optional, each compiled in only when CMake found the library:
// - wss (--tls): OpenSSL used directly, non-blocking under the same epoll
//   loop (WSX_LOADGEN_TLS).
// - permessage-deflate (--deflate, RFC 7692): outgoing messages compressed
//   with zlib, every echo inflated and checked byte for byte (WSX_LOADGEN_DEFLATE).
//
// Fan-out (--fanout N): N subscriber connections and one publisher
// connection against a server that subscribes every connection to one topic
// and publishes every message it receives to it (bench/README.md, "Fan-out").
// Every connection, the publisher too, must receive every published message,
// in order, byte for byte.
//
// Output: one line of key=value pairs on stdout (see print_usage for the keys);
// diagnostics go to stderr. Exit status: 0 ok, 1 mismatch or protocol/IO
// error, 2 bad usage, 3 timeout (the server stopped answering), 4 could not
// establish every connection.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#ifndef WSX_LOADGEN_TLS
#define WSX_LOADGEN_TLS 0
#endif
#ifndef WSX_LOADGEN_DEFLATE
#define WSX_LOADGEN_DEFLATE 0
#endif
#if WSX_LOADGEN_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif
#if WSX_LOADGEN_DEFLATE
#include <zlib.h>
#endif

namespace {

// ---------------------------------------------------------------- exit codes

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_timeout = 3;
constexpr int exit_connect = 4;

// Fan-out: quiet time between the last connection opening and the first
// message published (see run()).
constexpr double fanout_settle_s = 0.1;

// ---------------------------------------------------------------- options

struct options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::size_t connections = 1;
    std::size_t inflight = 1;
    std::size_t size = 16;
    double duration = 3.0;
    double warmup = 1.0;
    long server_pid = 0;
    bool idle = false;
    std::size_t fanout = 0;          // subscribers (0: echo mode); connections = fanout + 1
    bool binary = false;
    bool self_test = false;
    bool json = false;               // JSON-ish payloads (see payload_pattern) instead of hex + letters
    bool tls = false;
    std::string ca_file;             // empty: the server's certificate is not verified
    bool deflate = false;
    bool deflate_no_context = false; // offer client_ and server_no_context_takeover
    double timeout = 10.0;           // no progress for this long = the server stopped answering
    std::size_t connect_batch = 256; // connects + handshakes in progress at once
    std::string label;
};

void print_usage()
{
    std::fprintf(stderr,
        "usage: wsx_loadgen --port N [options]\n"
        "  --host ADDR          IPv4 address of the echo server (default 127.0.0.1)\n"
        "  --port N             server port\n"
        "  --connections C      connections (default 1)\n"
        "  --inflight K         messages in flight per connection (default 1)\n"
        "  --size S             payload bytes per message (default 16)\n"
        "  --warmup SECONDS     traffic before the measured window (default 1)\n"
        "  --duration SECONDS   measured window; in --idle mode, how long to hold the idle connections (default 3)\n"
        "  --server-pid PID     read the server's CPU time (utime+stime, via its process CPU clock, else\n"
        "                       /proc/PID/stat) and RSS (/proc/PID/status VmRSS)\n"
        "  --idle               open C connections, complete the handshakes, hold them idle and report the\n"
        "                       server's RSS growth per connection, then echo one message on each\n"
        "  --fanout N           fan-out: N subscriber connections plus one publisher (connections = N + 1;\n"
        "                       do not give --connections). The server must publish every message it receives\n"
        "                       to every connection, the sender included. The publisher sends --size byte\n"
        "                       messages, at most --inflight not yet received by every connection (default 1:\n"
        "                       the next one when all N + 1 have the previous); every connection checks every\n"
        "                       message, in order. After the window, publishing stops and every message sent\n"
        "                       must arrive (else timeout, missing=...). Keys: deliveries_per_s (messages\n"
        "                       received, all connections), server_cpu_us_per_delivery, rss_per_sub_bytes\n"
        "                       (server RSS growth from before the first connect to the window's end, per\n"
        "                       connection), rss_per_sub_open_bytes (the same, once all are open, before any\n"
        "                       message), p50_us/p99_us (publisher's send to each receipt)\n"
        "  --binary             send binary messages (default text)\n"
        "  --payload KIND       pattern (default: hex sequence number, then letters a..z) or json (JSON-ish\n"
        "                       records with varying numbers, for compression; see payload_pattern)\n"
        "  --tls                wss: TLS over each connection (OpenSSL; needs a build with it)\n"
        "  --ca-file FILE       with --tls: verify the server's certificate against this CA (PEM) and its\n"
        "                       and that it names the --host address; without it the certificate is NOT verified\n"
        "  --deflate            offer permessage-deflate the way browsers do (\"permessage-deflate;\n"
        "                       client_max_window_bits\"); compress every message, inflate and check every\n"
        "                       echo; fail if the server does not accept the extension (needs zlib)\n"
        "  --deflate-no-context-takeover  also offer client_no_context_takeover; server_no_context_takeover\n"
        "  --timeout SECONDS    fail if the server makes no progress for this long (default 10)\n"
        "  --connect-batch N    connection attempts in progress at once (default 256)\n"
        "  --label TEXT         copied to the output line as label=TEXT\n"
        "  --features           print the optional features of this build (tls, deflate) and exit\n"
        "  --self-test          check the client's SHA-1/base64/framing code and exit\n"
        "output (one line, stdout): key=value pairs; *_us are microseconds, rss in KiB,\n"
        "  server_cpu_us_per_msg = server utime+stime over the window / messages echoed in the window,\n"
        "  other_cpu_pct = CPU used by other processes during the window (high = disturbed run),\n"
        "  tls = protocol version and cipher of the first connection (with --tls),\n"
        "  extension = the first connection's agreed Sec-WebSocket-Extensions, spaces removed (with --deflate),\n"
        "  wire_bytes_per_msg = average compressed payload bytes per message sent (with --deflate),\n"
        "  closed_clean = connections the server closed with a close frame after ours (the run ends\n"
        "  with a close handshake on every connection; not counted as failure)\n");
}

bool parse_number(const char* text, double& out)
{
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(v >= 0)) return false;
    out = v;
    return true;
}

bool parse_count(const char* text, std::size_t& out)
{
    double v = 0;
    if (!parse_number(text, v) || v != static_cast<double>(static_cast<std::uint64_t>(v))) return false;
    out = static_cast<std::size_t>(v);
    return true;
}

bool parse_options(int argc, char** argv, options& o)
{
    bool connections_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string key = argv[i];
        std::string value;
        bool has_value = false;
        if (auto eq = key.find('='); eq != std::string::npos) {
            value = key.substr(eq + 1);
            key.resize(eq);
            has_value = true;
        }
        auto flag = [&](const char* name) { return key == name && !has_value; };
        if (flag("--idle")) { o.idle = true; continue; }
        if (flag("--binary")) { o.binary = true; continue; }
        if (flag("--self-test")) { o.self_test = true; continue; }
        if (flag("--tls")) { o.tls = true; continue; }
        if (flag("--features")) {
            // For scripts: which optional rows this build can drive.
            std::printf("plain%s%s\n", WSX_LOADGEN_TLS ? " tls" : "", WSX_LOADGEN_DEFLATE ? " deflate" : "");
            std::exit(exit_ok);
        }
        if (flag("--deflate")) { o.deflate = true; continue; }
        if (flag("--deflate-no-context-takeover")) { o.deflate = o.deflate_no_context = true; continue; }
        if (flag("--help") || flag("-h")) return false;
        if (!has_value) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "wsx_loadgen: %s needs a value\n", key.c_str());
                return false;
            }
            value = argv[++i];
        }
        std::size_t count = 0;
        bool ok = true;
        if (key == "--host") o.host = value;
        else if (key == "--label") o.label = value;
        else if (key == "--ca-file") o.ca_file = value;
        else if (key == "--payload") { ok = value == "json" || value == "pattern"; o.json = value == "json"; }
        else if (key == "--port") { ok = parse_count(value.c_str(), count) && count > 0 && count < 65536; o.port = static_cast<int>(count); }
        else if (key == "--connections") { ok = parse_count(value.c_str(), o.connections) && o.connections > 0; connections_given = true; }
        else if (key == "--fanout") { ok = parse_count(value.c_str(), o.fanout) && o.fanout > 0; }
        else if (key == "--inflight") { ok = parse_count(value.c_str(), o.inflight) && o.inflight > 0; }
        else if (key == "--size") { ok = parse_count(value.c_str(), o.size) && o.size <= (std::size_t{64} << 20); }
        else if (key == "--duration") { ok = parse_number(value.c_str(), o.duration) && o.duration > 0; }
        else if (key == "--warmup") { ok = parse_number(value.c_str(), o.warmup); }
        else if (key == "--timeout") { ok = parse_number(value.c_str(), o.timeout) && o.timeout > 0; }
        else if (key == "--server-pid") { ok = parse_count(value.c_str(), count) && count > 0; o.server_pid = static_cast<long>(count); }
        else if (key == "--connect-batch") { ok = parse_count(value.c_str(), o.connect_batch) && o.connect_batch > 0; }
        else {
            std::fprintf(stderr, "wsx_loadgen: unknown option %s\n", key.c_str());
            return false;
        }
        if (!ok) {
            std::fprintf(stderr, "wsx_loadgen: bad value for %s: %s\n", key.c_str(), value.c_str());
            return false;
        }
    }
#if !WSX_LOADGEN_TLS
    if (o.tls) {
        std::fprintf(stderr, "wsx_loadgen: --tls needs a build with OpenSSL (not found when it was configured)\n");
        return false;
    }
#endif
#if !WSX_LOADGEN_DEFLATE
    if (o.deflate) {
        std::fprintf(stderr, "wsx_loadgen: --deflate needs a build with zlib (not found when it was configured)\n");
        return false;
    }
#endif
    if (o.fanout > 0) {
        if (connections_given || o.idle || o.deflate) {
            std::fprintf(stderr, "wsx_loadgen: --fanout sets the connections itself (N + 1) and goes with neither "
                                 "--connections, --idle nor --deflate\n");
            return false;
        }
        o.connections = o.fanout + 1;
    }
    if (!o.ca_file.empty() && !o.tls) {
        std::fprintf(stderr, "wsx_loadgen: --ca-file only makes sense with --tls\n");
        return false;
    }
    if (!o.self_test && o.port == 0) {
        std::fprintf(stderr, "wsx_loadgen: --port is required\n");
        return false;
    }
    return true;
}

// ---------------------------------------------------------------- time, random

std::uint64_t now_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t seconds_to_ns(double s) { return static_cast<std::uint64_t>(s * 1e9); }

// Masks need not be cryptographic here (RFC 6455 wants unpredictability only
// against hostile scripts in browsers); xorshift keeps the sender cheap.
struct xorshift {
    std::uint64_t state;
    std::uint64_t next()
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
};

// ---------------------------------------------------------------- SHA-1, base64 (handshake only)

std::uint32_t rotl(std::uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

std::array<unsigned char, 20> sha1(std::string_view input)
{
    std::uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    std::vector<unsigned char> msg(input.begin(), input.end());
    const std::uint64_t bits = static_cast<std::uint64_t>(input.size()) * 8;
    msg.push_back(0x80);
    while (msg.size() % 64 != 56) msg.push_back(0);
    for (int i = 7; i >= 0; --i) msg.push_back(static_cast<unsigned char>(bits >> (i * 8)));
    for (std::size_t chunk = 0; chunk < msg.size(); chunk += 64) {
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i) {
            const unsigned char* p = &msg[chunk + static_cast<std::size_t>(i) * 4];
            w[i] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
        }
        for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f, k;
            if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999u; }
            else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1u; }
            else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDCu; }
            else { f = b ^ c ^ d; k = 0xCA62C1D6u; }
            std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
            e = d; d = c; c = rotl(b, 30); b = a; a = t;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
    }
    std::array<unsigned char, 20> out{};
    for (int i = 0; i < 20; ++i) out[static_cast<std::size_t>(i)] = static_cast<unsigned char>(h[i / 4] >> (24 - 8 * (i % 4)));
    return out;
}

std::string base64(const unsigned char* p, std::size_t n)
{
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < n; i += 3) {
        std::uint32_t v = std::uint32_t{p[i]} << 16;
        if (i + 1 < n) v |= std::uint32_t{p[i + 1]} << 8;
        if (i + 2 < n) v |= p[i + 2];
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += i + 1 < n ? table[(v >> 6) & 63] : '=';
        out += i + 2 < n ? table[v & 63] : '=';
    }
    return out;
}

std::string accept_key_for(const std::string& key)
{
    auto digest = sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    return base64(digest.data(), digest.size());
}

// ---------------------------------------------------------------- payloads
//
// Message number `seq` of connection `conn` carries value v = conn << 40 | seq.
// Its payload is the last min(16, S) hex digits of v, then letters cycling
// a..z starting at v % 26. So every message differs from its neighbours (a
// server echoing a stale or another connection's buffer is caught), every
// byte is ASCII (valid UTF-8 for text messages), and an expected chunk at any
// offset is one memcmp against a precomputed pattern.
//
// That payload compresses to almost nothing, which would flatter
// permessage-deflate, so --payload json gives compressible-but-realistic text
// instead: the head is `{"n":DDDDDDDDDD}` (16 characters; ten decimal digits
// of conn * 10^6 + seq, so consecutive messages differ in their last digits,
// as counters and timestamps do), and the rest is a window of a pool of
// JSON records with pseudo-random ids, user names, prices, quantities,
// timestamps and flags (about 110 bytes each; zlib level 6 shrinks them to
// roughly a third). The window starts at a hash of v, so messages differ
// throughout and a stale echo is caught as before. Still one memcmp per chunk.

struct payload_pattern {
    std::size_t size = 0;
    std::size_t head = 0;          // hex digits (or the JSON head) at the front
    bool json = false;
    std::vector<unsigned char> pool;   // letters, or JSON records
    std::size_t starts = 26;           // number of distinct window starts in the pool

    explicit payload_pattern(std::size_t s, bool json_text = false)
        : size(s), head(std::min<std::size_t>(16, s)), json(json_text)
    {
        if (!json) {
            pool.resize(s + 26);
            for (std::size_t i = 0; i < pool.size(); ++i) pool[i] = static_cast<unsigned char>('a' + i % 26);
            return;
        }
        static const char* const actions[] = {"login", "logout", "view", "click", "purchase", "search", "share", "comment"};
        static const char* const currencies[] = {"EUR", "USD", "KRW", "JPY", "GBP"};
        xorshift r{0x5DEECE66Dull};
        const std::size_t want = s + (std::size_t{1} << 20);
        char rec[256];
        while (pool.size() < want) {
            std::uint64_t a = r.next(), b = r.next();
            int n = std::snprintf(rec, sizeof rec,
                                  "{\"id\":%" PRIu64 ",\"user\":\"user%04u\",\"action\":\"%s\",\"price\":%u.%02u,"
                                  "\"currency\":\"%s\",\"qty\":%u,\"ts\":%" PRIu64 ",\"ok\":%s},\n",
                                  a % 100000000u, static_cast<unsigned>(b % 10000), actions[(a >> 32) % 8],
                                  static_cast<unsigned>((b >> 16) % 10000), static_cast<unsigned>((b >> 32) % 100),
                                  currencies[(b >> 40) % 5], static_cast<unsigned>((a >> 40) % 20 + 1),
                                  std::uint64_t{1732435200000} + (a >> 20) % 86400000u, (b >> 60) % 8 ? "true" : "false");
            pool.insert(pool.end(), rec, rec + n);
        }
        starts = pool.size() - s + 1;
    }

    static std::uint64_t value(std::size_t conn, std::uint64_t seq) { return (std::uint64_t{conn} << 40) | seq; }

    void head_bytes(std::uint64_t v, unsigned char* out) const
    {
        if (json) {
            char h[17];
            std::snprintf(h, sizeof h, "{\"n\":%010" PRIu64 "}",
                          ((v >> 40) * 1000000u + (v & ((std::uint64_t{1} << 40) - 1)) % 1000000u) % 10000000000u);
            std::memcpy(out, h, head);
            return;
        }
        static const char digits[] = "0123456789abcdef";
        for (std::size_t i = 0; i < head; ++i) out[head - 1 - i] = static_cast<unsigned char>(digits[(v >> (4 * i)) & 15]);
    }

    std::size_t start(std::uint64_t v) const
    {
        if (!json) return v % 26;
        std::uint64_t h = v * 0x9E3779B97F4A7C15ull;
        return static_cast<std::size_t>((h ^ (h >> 29)) % starts);
    }

    // Expected bytes at message offsets [off, off + n) for off >= head.
    const unsigned char* tail_at(std::uint64_t v, std::size_t off) const { return pool.data() + off + start(v); }

    void fill(std::uint64_t v, unsigned char* out) const
    {
        head_bytes(v, out);
        if (size > head) std::memcpy(out + head, tail_at(v, head), size - head);
    }

    bool matches(std::uint64_t v, std::size_t off, const unsigned char* p, std::size_t n) const
    {
        if (off + n > size) return false;
        if (off < head) {
            unsigned char h[16];
            head_bytes(v, h);
            std::size_t k = std::min(n, head - off);
            if (std::memcmp(p, h + off, k) != 0) return false;
            p += k; off += k; n -= k;
        }
        return n == 0 || std::memcmp(p, tail_at(v, off), n) == 0;
    }
};

void mask_in_place(unsigned char* p, std::size_t n, const unsigned char key[4])
{
    std::uint64_t wide;
    unsigned char k8[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
    std::memcpy(&wide, k8, 8);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        w ^= wide;
        std::memcpy(p + i, &w, 8);
    }
    for (; i < n; ++i) p[i] ^= key[i % 4];
}

// A growable byte buffer that does not zero what it is about to overwrite
// (std::vector::resize would memset every 1 MiB message first).
struct byte_buffer {
    std::unique_ptr<unsigned char[]> data;
    std::size_t begin = 0, end = 0, capacity = 0;

    std::size_t size() const { return end - begin; }
    const unsigned char* front() const { return data.get() + begin; }
    void consume(std::size_t n)
    {
        begin += n;
        if (begin == end) begin = end = 0;
    }
    unsigned char* extend(std::size_t n)
    {
        if (end + n > capacity) {
            std::size_t live = size();
            if (begin != 0 && live + n <= capacity && begin >= live) {
                std::memmove(data.get(), front(), live);   // reuse the consumed front
            } else {
                std::size_t cap = std::max<std::size_t>({256, capacity * 2, live + n});
                std::unique_ptr<unsigned char[]> bigger(new unsigned char[cap]);
                if (live) std::memcpy(bigger.get(), front(), live);
                data = std::move(bigger);
                capacity = cap;
            }
            begin = 0;
            end = live;
        }
        unsigned char* out = data.get() + end;
        end += n;
        return out;
    }
};

// Writes one client frame (FIN set, masked) into out.
void append_frame(byte_buffer& out, unsigned opcode, const unsigned char* payload, std::size_t n, xorshift& rng,
                  const payload_pattern* pattern = nullptr, std::uint64_t value = 0, bool rsv1 = false)
{
    unsigned char header[14];
    std::size_t h = 0;
    header[h++] = static_cast<unsigned char>(0x80 | (rsv1 ? 0x40 : 0) | opcode);
    if (n < 126) {
        header[h++] = static_cast<unsigned char>(0x80 | n);
    } else if (n <= 0xFFFF) {
        header[h++] = 0x80 | 126;
        header[h++] = static_cast<unsigned char>(n >> 8);
        header[h++] = static_cast<unsigned char>(n);
    } else {
        header[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; --i) header[h++] = static_cast<unsigned char>(std::uint64_t{n} >> (8 * i));
    }
    std::uint64_t r = rng.next();
    unsigned char* key = header + h;
    for (int i = 0; i < 4; ++i) header[h++] = static_cast<unsigned char>(r >> (8 * i));
    unsigned char* dst = out.extend(h + n);
    std::memcpy(dst, header, h);
    if (pattern) pattern->fill(value, dst + h);
    else if (n) std::memcpy(dst + h, payload, n);
    mask_in_place(dst + h, n, dst + (key - header));
}

// ---------------------------------------------------------------- frame parser (server -> client)
//
// Streaming: payload bytes are handed out as they arrive, so a 1 MiB echo is
// verified chunk by chunk from the shared read buffer and never copied.

struct frame_sink {
    virtual ~frame_sink() = default;
    // A data chunk of the current message at message offset `off`.
    virtual void on_data(const unsigned char* p, std::size_t n, std::size_t off) = 0;
    // The final frame of a message (opcode 1 or 2) ended; `length` = total payload.
    virtual void on_message_end(unsigned opcode, std::size_t length) = 0;
    virtual void on_control(unsigned opcode, const unsigned char* p, std::size_t n) = 0;
};

struct frame_parser {
    unsigned char header[14];
    std::size_t header_len = 0;
    std::size_t header_need = 2;
    bool in_payload = false;
    std::uint64_t payload_left = 0;
    unsigned frame_opcode = 0;
    bool frame_fin = false;
    bool in_message = false;
    unsigned message_opcode = 0;
    std::size_t message_len = 0;
    unsigned char control[125];
    std::size_t control_len = 0;
    bool allow_rsv1 = false;          // permessage-deflate was agreed
    bool message_compressed = false;  // RSV1 on the current message's first frame

    // Returns nullptr on success, or what the server did wrong.
    const char* feed(const unsigned char* p, std::size_t n, frame_sink& sink)
    {
        while (n > 0) {
            if (!in_payload) {
                std::size_t take = std::min(n, header_need - header_len);
                std::memcpy(header + header_len, p, take);
                header_len += take; p += take; n -= take;
                if (header_len < header_need) continue;
                if (header_len == 2) {
                    if (header[1] & 0x80) return "masked frame from the server";
                    unsigned len7 = header[1] & 0x7F;
                    header_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
                    if (header_len < header_need) continue;
                }
                if (const char* err = start_frame()) return err;
                if (payload_left == 0) {
                    if (const char* err = end_frame(sink)) return err;
                }
                continue;
            }
            std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, payload_left));
            if (frame_opcode >= 8) {
                std::memcpy(control + control_len, p, take);
                control_len += take;
            } else {
                sink.on_data(p, take, message_len);
                message_len += take;
            }
            p += take; n -= take; payload_left -= take;
            if (payload_left == 0) {
                if (const char* err = end_frame(sink)) return err;
            }
        }
        return nullptr;
    }

private:
    const char* start_frame()
    {
        frame_fin = (header[0] & 0x80) != 0;
        frame_opcode = header[0] & 0x0F;
        if (header[0] & 0x30) return "RSV2/RSV3 set (no extension defines them)";
        const bool rsv1 = (header[0] & 0x40) != 0;
        if (rsv1 && !allow_rsv1) return "reserved bits set (no extension was negotiated)";
        // RFC 7692 6.1: RSV1 marks the first frame of a compressed message only.
        if (rsv1 && (frame_opcode == 0 || frame_opcode >= 8)) return "RSV1 on a control or continuation frame";
        unsigned len7 = header[1] & 0x7F;
        std::uint64_t len = len7;
        if (len7 == 126) len = (std::uint64_t{header[2]} << 8) | header[3];
        if (len7 == 127) {
            len = 0;
            for (int i = 2; i < 10; ++i) len = (len << 8) | header[i];
            if (len >> 63) return "64-bit length with the top bit set";
        }
        if (frame_opcode >= 8) {
            if (frame_opcode > 10) return "reserved control opcode";
            if (!frame_fin) return "fragmented control frame";
            if (len > 125) return "control frame longer than 125 bytes";
            control_len = 0;
        } else if (frame_opcode == 0) {
            if (!in_message) return "continuation frame without a message";
        } else if (frame_opcode <= 2) {
            if (in_message) return "new data frame inside a fragmented message";
            in_message = true;
            message_opcode = frame_opcode;
            message_len = 0;
            message_compressed = rsv1;
        } else {
            return "reserved data opcode";
        }
        payload_left = len;
        in_payload = true;
        header_len = 0;
        header_need = 2;
        return nullptr;
    }

    const char* end_frame(frame_sink& sink)
    {
        in_payload = false;
        if (frame_opcode >= 8) {
            sink.on_control(frame_opcode, control, control_len);
        } else if (frame_fin) {
            in_message = false;
            sink.on_message_end(message_opcode, message_len);
        }
        return nullptr;
    }
};

// ---------------------------------------------------------------- permessage-deflate (RFC 7692)
//
// The client's own zlib use, written from the RFC rather than shared with
// wsx, for the same reason as the framing code: a wrong trailer or a missed
// reset in wsx must show up as a mismatch here.

#if WSX_LOADGEN_DEFLATE
struct pmd_deflater {
    z_stream z{};
    bool ready = false;
    bool no_context_takeover = false;

    bool init(int window_bits, bool no_context)
    {
        no_context_takeover = no_context;
        // zlib cannot make a raw stream with a 256-byte window; a 512-byte
        // window never emits distances above 250, so it is valid for a peer
        // that asked for 8 bits.
        ready = deflateInit2(&z, 6, Z_DEFLATED, -std::max(9, window_bits), 8, Z_DEFAULT_STRATEGY) == Z_OK;
        return ready;
    }
    ~pmd_deflater()
    {
        if (ready) deflateEnd(&z);
    }

    // out = the compressed payload of one message: deflate with a sync
    // flush, then the flush's empty stored block (00 00 ff ff) removed
    // (RFC 7692 7.2.1). Returns false on a zlib error.
    bool compress(const unsigned char* p, std::size_t n, std::vector<unsigned char>& out)
    {
        out.resize(std::max<std::size_t>(out.size(), deflateBound(&z, static_cast<uLong>(n)) + 16));
        z.next_in = const_cast<unsigned char*>(p);
        z.avail_in = static_cast<uInt>(n);
        std::size_t produced = 0;
        for (;;) {
            z.next_out = out.data() + produced;
            z.avail_out = static_cast<uInt>(out.size() - produced);
            int r = deflate(&z, Z_SYNC_FLUSH);
            if (r != Z_OK && r != Z_BUF_ERROR) return false;
            produced = out.size() - z.avail_out;
            if (z.avail_out != 0) break;
            out.resize(out.size() * 2);
        }
        static const unsigned char tail[4] = {0x00, 0x00, 0xff, 0xff};
        if (produced < 4 || std::memcmp(out.data() + produced - 4, tail, 4) != 0) return false;
        out.resize(produced - 4);
        if (no_context_takeover) deflateReset(&z);
        return true;
    }
};

struct pmd_inflater {
    z_stream z{};
    bool ready = false;
    bool no_context_takeover = false;
    bool stream_ended = false;   // the peer set BFINAL: the next message starts a new stream

    bool init(bool no_context)
    {
        no_context_takeover = no_context;
        // 15 bits decodes whatever window the server compressed with.
        ready = inflateInit2(&z, -15) == Z_OK;
        return ready;
    }
    ~pmd_inflater()
    {
        if (ready) inflateEnd(&z);
    }

    // Inflates n bytes of a compressed message, calling out(bytes, count) for
    // each piece produced. Returns false if the data is not valid deflate.
    template <class Out>
    bool feed(const unsigned char* p, std::size_t n, unsigned char* scratch, std::size_t scratch_size, Out&& out)
    {
        z.next_in = const_cast<unsigned char*>(p);
        z.avail_in = static_cast<uInt>(n);
        for (;;) {
            if (stream_ended) return z.avail_in == 0;   // bytes after BFINAL within one message
            z.next_out = scratch;
            z.avail_out = static_cast<uInt>(scratch_size);
            int r = inflate(&z, Z_SYNC_FLUSH);
            if (r == Z_STREAM_END) stream_ended = true;
            else if (r != Z_OK && r != Z_BUF_ERROR) return false;
            std::size_t produced = scratch_size - z.avail_out;
            if (produced) out(scratch, produced);
            if (z.avail_in == 0 && z.avail_out != 0) return true;
            if (produced == 0 && r == Z_BUF_ERROR) return true;
        }
    }

    // The end of a message: the stripped 00 00 ff ff goes back in (RFC 7692 7.2.2).
    template <class Out>
    bool finish(unsigned char* scratch, std::size_t scratch_size, Out&& out)
    {
        static const unsigned char tail[4] = {0x00, 0x00, 0xff, 0xff};
        bool ok = stream_ended || feed(tail, sizeof tail, scratch, scratch_size, out);
        if (stream_ended || no_context_takeover) {
            inflateReset(&z);
            stream_ended = false;
        }
        return ok;
    }
};
#endif

// ---------------------------------------------------------------- /proc readers

struct server_sample {
    bool ok = false;
    std::uint64_t cpu_us = 0;   // utime + stime, all threads
    long rss_kb = -1;
};

// The server's CPU time is utime + stime of the whole process. The process
// CPU clock (clock_getcpuclockid) gives exactly that in nanoseconds;
// /proc/PID/stat gives it in clock ticks (10 ms), too coarse for a per-
// handshake figure over a few hundred connections, so it is only the fallback.
server_sample sample_server(long pid)
{
    server_sample s;
    if (pid <= 0) return s;
    clockid_t clock;
    timespec ts{};
    if (clock_getcpuclockid(static_cast<pid_t>(pid), &clock) == 0 && clock_gettime(clock, &ts) == 0) {
        s.cpu_us = static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
        s.ok = true;
    }
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (FILE* f = s.ok ? nullptr : std::fopen(path, "r")) {
        char buf[1024];
        std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        buf[n] = '\0';
        // The command name may contain spaces and parentheses; fields resume after the last ')'.
        if (const char* p = std::strrchr(buf, ')')) {
            unsigned long long utime = 0, stime = 0;
            // fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
            if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) == 2) {
                static const long ticks = sysconf(_SC_CLK_TCK);
                s.cpu_us = (utime + stime) * 1000000ull / static_cast<unsigned long long>(ticks);
                s.ok = true;
            }
        }
    }
    std::snprintf(path, sizeof path, "/proc/%ld/status", pid);
    if (FILE* f = std::fopen(path, "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, f)) {
            if (std::strncmp(line, "VmRSS:", 6) == 0) {
                s.rss_kb = std::strtol(line + 6, nullptr, 10);
                break;
            }
        }
        std::fclose(f);
    }
    return s;
}

// CPU time all processes spent on all cores (/proc/stat), to tell how much
// of the window went to processes other than the server and this program: a
// compile running beside the benchmark shows up here instead of silently
// lowering the throughput columns.
std::uint64_t machine_busy_us()
{
    std::uint64_t busy = 0;
    if (FILE* f = std::fopen("/proc/stat", "r")) {
        unsigned long long v[8] = {};
        // cpu  user nice system idle iowait irq softirq steal (guest time is already in user)
        if (std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                        &v[6], &v[7]) == 8) {
            static const long ticks = sysconf(_SC_CLK_TCK);
            busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000000ull / static_cast<unsigned long long>(ticks);
        }
        std::fclose(f);
    }
    return busy;
}

std::uint64_t self_cpu_us()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto us = [](const timeval& tv) {
        return static_cast<std::uint64_t>(tv.tv_sec) * 1000000u + static_cast<std::uint64_t>(tv.tv_usec);
    };
    return us(ru.ru_utime) + us(ru.ru_stime);
}

// ---------------------------------------------------------------- latency histogram

// 100 ns buckets up to 100 ms, one overflow bucket: exact enough for p50/p99
// of loopback round trips, and fixed memory with no allocation while measuring.
// Fan-out takes 10 µs buckets up to 10 s: one message to 10,000 connections
// takes a few hundred milliseconds to reach the last one.
struct histogram {
    std::uint64_t bucket_ns = 100;
    static constexpr std::size_t buckets = 1000000;
    std::vector<std::uint32_t> counts = std::vector<std::uint32_t>(buckets + 1, 0);
    std::uint64_t total = 0;
    std::uint64_t max_ns = 0;

    void add(std::uint64_t ns)
    {
        std::size_t b = static_cast<std::size_t>(std::min<std::uint64_t>(ns / bucket_ns, buckets));
        ++counts[b];
        ++total;
        max_ns = std::max(max_ns, ns);
    }

    double percentile_us(double q) const
    {
        if (total == 0) return 0;
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
        std::uint64_t seen = 0;
        for (std::size_t b = 0; b <= buckets; ++b) {
            seen += counts[b];
            if (seen >= rank) {
                if (b == buckets) return static_cast<double>(max_ns) / 1000.0;
                return (static_cast<double>(b) + 0.5) * static_cast<double>(bucket_ns) / 1000.0;   // bucket midpoint
            }
        }
        return static_cast<double>(max_ns) / 1000.0;
    }
};

// ---------------------------------------------------------------- the client

enum class conn_state : unsigned char { idle, connecting, tls_handshaking, handshaking, open, closed };
enum class run_phase : unsigned char { connecting, warmup, measure, draining, idle_hold, idle_check, closing, done };

struct connection;

struct loadgen {
    options opt;
    payload_pattern pattern;
    unsigned opcode;
    std::vector<connection> conns;
    std::vector<std::uint64_t> stamps;   // send times, `inflight` slots per connection
    histogram hist;
    xorshift rng;
    int epfd = -1;
    sockaddr_in addr{};
    std::unique_ptr<unsigned char[]> rbuf;
    static constexpr std::size_t rbuf_size = 256 * 1024;
#if WSX_LOADGEN_TLS
    SSL_CTX* ssl_ctx = nullptr;
    std::string tls_info;               // version and cipher of the first connection
#endif
#if WSX_LOADGEN_DEFLATE
    std::vector<unsigned char> plain;   // the message being compressed
    std::vector<unsigned char> packed;  // ... and its compressed payload
    std::unique_ptr<unsigned char[]> zout;
    static constexpr std::size_t zout_size = 64 * 1024;
    std::uint64_t wire_bytes = 0;       // compressed payload bytes sent in the window
    std::uint64_t wire_msgs = 0;
#endif
    std::string extension;              // the first connection's agreed extension

    run_phase phase = run_phase::connecting;
    std::size_t next_to_connect = 0;
    std::size_t pending = 0;          // connecting or handshaking
    std::size_t open_count = 0;
    std::uint64_t last_progress = 0;
    std::uint64_t outstanding = 0;    // sent, not yet echoed (all connections)

    // Counters for the measured window.
    std::uint64_t window_msgs = 0;
    std::uint64_t mismatches = 0;
    std::uint64_t idle_echoes = 0;
    std::size_t closed = 0;           // connections the server has closed after our close frame
    std::size_t closed_clean = 0;     // ... and answered with a close frame first

    // Fan-out (--fanout): the last connection publishes; every connection
    // receives. Message `seq` is complete once all of them have it; the
    // publisher keeps at most `inflight` messages not complete.
    std::size_t publisher = 0;
    bool publishing = false;
    std::uint64_t complete = 0;                 // messages every connection has received
    std::vector<std::uint32_t> round_counts;    // receipts of message seq, at seq % inflight
    std::vector<std::uint64_t> pub_stamps;      // send time of message seq, at seq % inflight
    std::uint64_t window_complete = 0;          // messages completed in the window

    std::string failure;
    int failure_code = exit_ok;

    loadgen(const options& o);
    ~loadgen();
    loadgen(const loadgen&) = delete;
    loadgen& operator=(const loadgen&) = delete;
    bool init_tls();
#if WSX_LOADGEN_TLS
    void tls_handshake(connection& c, std::uint64_t now);
#endif
    bool consume(connection& c, const unsigned char* p, std::size_t len, std::uint64_t now);
    void drop(connection& c);
    void fail(int code, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
    bool start_connect(std::size_t i);
    void on_event(connection& c, std::uint32_t events, std::uint64_t now);
    void on_connected(connection& c, std::uint64_t now);
    void on_readable(connection& c, bool peer_closed);
    bool on_handshake_bytes(connection& c, const unsigned char* p, std::size_t n, std::uint64_t now);
    void on_open(connection& c, std::uint64_t now);
    void send_message(connection& c, std::uint64_t now);
    void on_delivery(connection& c, unsigned op, std::size_t length);
    void publish_more(std::uint64_t now);
    void flush(connection& c);
    void start_closing();
    void on_server_eof(connection& c);
    void close_all();
};

struct connection final : frame_sink {
    loadgen* gen = nullptr;
    std::size_t index = 0;
    int fd = -1;
    conn_state state = conn_state::idle;
    std::string key_accept;       // expected Sec-WebSocket-Accept
    std::string http;             // handshake response so far
    byte_buffer out;
    frame_parser parser;
    std::uint64_t sent = 0;       // messages sent
    std::uint64_t received = 0;   // echoes completed
    bool bad = false;             // current echo differs from what was sent
    bool close_received = false;
    std::uint64_t now = 0;        // time the bytes being parsed were read
#if WSX_LOADGEN_TLS
    SSL* ssl = nullptr;
#endif
#if WSX_LOADGEN_DEFLATE
    std::unique_ptr<pmd_deflater> deflater;
    std::unique_ptr<pmd_inflater> inflater;
    std::size_t inflated = 0;     // bytes of the current compressed echo inflated so far
#endif

    void check(const unsigned char* p, std::size_t n, std::size_t off)
    {
        if (bad) return;
        // Echo: our own messages. Fan-out: the publisher's, on every connection.
        const connection& from = gen->opt.fanout ? gen->conns[gen->publisher] : *this;
        if (received >= from.sent) { bad = true; return; }   // a message nobody sent
        bad = !gen->pattern.matches(payload_pattern::value(from.index, received), off, p, n);
    }

    void on_data(const unsigned char* p, std::size_t n, std::size_t off) override
    {
#if WSX_LOADGEN_DEFLATE
        if (parser.message_compressed) {
            auto verify = [this](const unsigned char* q, std::size_t k) {
                check(q, k, inflated);
                inflated += k;
            };
            if (!inflater || !inflater->feed(p, n, gen->zout.get(), gen->zout_size, verify)) bad = true;
            return;
        }
#endif
        check(p, n, off);
    }

    void on_message_end(unsigned op, std::size_t length) override
    {
        if (gen->opt.fanout) {
            gen->on_delivery(*this, op, length);
            return;
        }
        if (received >= sent) {
            gen->fail(exit_failure, "connection %zu: server sent a message that was never sent to it", index);
            return;
        }
#if WSX_LOADGEN_DEFLATE
        if (parser.message_compressed) {
            auto verify = [this](const unsigned char* q, std::size_t k) {
                check(q, k, inflated);
                inflated += k;
            };
            if (!inflater || !inflater->finish(gen->zout.get(), gen->zout_size, verify)) bad = true;
            length = inflated;
            inflated = 0;
        } else if (gen->opt.deflate && length > 0) {
            // Allowed by RFC 7692 (a server may send any message uncompressed),
            // but then this row would not measure compression: say so.
            static bool told = false;
            if (!told) std::fprintf(stderr, "wsx_loadgen: note: the server echoed a message uncompressed\n");
            told = true;
        }
#endif
        if (op != gen->opcode || length != gen->pattern.size) bad = true;
        std::uint64_t sent_at = gen->stamps[index * gen->opt.inflight + received % gen->opt.inflight];
        ++received;
        --gen->outstanding;
        if (bad) {
            if (gen->mismatches == 0)
                std::fprintf(stderr, "wsx_loadgen: connection %zu: echo #%" PRIu64 " differs from what was sent (opcode %u, %zu bytes)\n",
                             index, received - 1, op, length);
            ++gen->mismatches;
            bad = false;
        }
        switch (gen->phase) {
        case run_phase::measure:
            ++gen->window_msgs;
            gen->hist.add(now - sent_at);
            [[fallthrough]];
        case run_phase::warmup:
        case run_phase::connecting:
            if (!gen->opt.idle) gen->send_message(*this, now);
            break;
        case run_phase::idle_check:
            ++gen->idle_echoes;
            break;
        default:
            break;
        }
    }

    void on_control(unsigned op, const unsigned char* p, std::size_t n) override
    {
        if (op == 9) {   // ping: answer, as RFC 6455 5.5.2 requires
            append_frame(out, 10, p, n, gen->rng);
        } else if (op == 8) {
            if (gen->phase == run_phase::closing) {
                close_received = true;
                return;
            }
            unsigned code = n >= 2 ? (unsigned{p[0]} << 8 | p[1]) : 1005;
            gen->fail(exit_failure, "connection %zu: server sent close (code %u) during the run", index, code);
        }
    }
};

loadgen::loadgen(const options& o)
    : opt(o), pattern(o.size, o.json), opcode(o.binary ? 2u : 1u), conns(o.connections),
      stamps(o.connections * o.inflight), rng{now_ns() ^ (static_cast<std::uint64_t>(getpid()) << 32) ^ 0x9E3779B97F4A7C15ull},
      rbuf(new unsigned char[rbuf_size])
{
    for (std::size_t i = 0; i < conns.size(); ++i) {
        conns[i].gen = this;
        conns[i].index = i;
    }
    if (opt.fanout) {
        hist.bucket_ns = 10000;
        publisher = conns.size() - 1;
        round_counts.assign(opt.inflight, 0);
        pub_stamps.assign(opt.inflight, 0);
    }
#if WSX_LOADGEN_DEFLATE
    if (opt.deflate) {
        plain.resize(opt.size);
        zout.reset(new unsigned char[zout_size]);
    }
#endif
}

loadgen::~loadgen()
{
    close_all();
#if WSX_LOADGEN_TLS
    if (ssl_ctx) SSL_CTX_free(ssl_ctx);
#endif
}

bool loadgen::init_tls()
{
#if WSX_LOADGEN_TLS
    if (!opt.tls) return true;
    ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!ssl_ctx) return false;
    SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
    // The byte_buffer may move between a write that wants to be retried and
    // the retry; the bytes stay the same.
    SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // A server that closes TCP after its close frame without close_notify is
    // normal at the end of a run; it is an EOF, not an error.
    SSL_CTX_set_options(ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (opt.ca_file.empty()) {
        // Benchmark only: without --ca-file the server's certificate is not
        // verified at all. That is fine on 127.0.0.1 against servers we
        // started ourselves; it measures the same cryptography either way.
        SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, nullptr);
    } else {
        if (SSL_CTX_load_verify_locations(ssl_ctx, opt.ca_file.c_str(), nullptr) != 1) {
            std::fprintf(stderr, "wsx_loadgen: cannot load CA file %s\n", opt.ca_file.c_str());
            return false;
        }
        SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, nullptr);
        // --host is an IPv4 address, so the certificate must name that IP.
        X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ssl_ctx), opt.host.c_str());
    }
#endif
    return true;
}

void loadgen::fail(int code, const char* fmt, ...)
{
    if (failure_code != exit_ok) return;   // keep the first cause
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    failure = msg;
    failure_code = code;
    std::fprintf(stderr, "wsx_loadgen: %s\n", msg);
}

bool loadgen::start_connect(std::size_t i)
{
    connection& c = conns[i];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(exit_connect, "socket() for connection %zu: %s (raise ulimit -n?)", i, std::strerror(errno));
        return false;
    }
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = i;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
        fail(exit_failure, "epoll_ctl: %s", std::strerror(errno));
        return false;
    }
    c.state = conn_state::connecting;
    ++pending;
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
        fail(exit_connect, "connect() for connection %zu: %s", i, std::strerror(errno));
        return false;
    }
    return true;
}

void loadgen::on_event(connection& c, std::uint32_t events, std::uint64_t now)
{
    if (c.fd < 0) return;
    if (c.state == conn_state::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(exit_connect, "connection %zu: connect: %s (%zu of %zu connections were open)", c.index,
                 std::strerror(err), open_count, conns.size());
            return;
        }
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
#if WSX_LOADGEN_TLS
        if (opt.tls) {
            c.ssl = SSL_new(ssl_ctx);
            if (!c.ssl || SSL_set_fd(c.ssl, c.fd) != 1) {
                fail(exit_connect, "connection %zu: SSL_new failed", c.index);
                return;
            }
            SSL_set_connect_state(c.ssl);
            c.state = conn_state::tls_handshaking;
        } else
#endif
        {
            on_connected(c, now);
        }
        if (failure_code) return;
    }
#if WSX_LOADGEN_TLS
    if (c.state == conn_state::tls_handshaking) {
        tls_handshake(c, now);
        if (failure_code || c.state == conn_state::tls_handshaking) return;
    }
#endif
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c, (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
    if (failure_code || c.fd < 0) return;
    flush(c);
}

#if WSX_LOADGEN_TLS
void loadgen::tls_handshake(connection& c, std::uint64_t now)
{
    int r = SSL_do_handshake(c.ssl);
    if (r == 1) {
        if (tls_info.empty()) tls_info = std::string(SSL_get_version(c.ssl)) + "/" + SSL_get_cipher_name(c.ssl);
        on_connected(c, now);
        return;
    }
    int e = SSL_get_error(c.ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;   // the next edge resumes it
    char why[256] = "";
    ERR_error_string_n(ERR_get_error(), why, sizeof why);
    long verify = SSL_get_verify_result(c.ssl);
    fail(exit_connect, "connection %zu: TLS handshake failed: %s%s%s", c.index, why[0] ? why : "connection closed",
         verify != X509_V_OK ? "; certificate: " : "", verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "");
}
#endif

void loadgen::on_connected(connection& c, std::uint64_t now)
{
    last_progress = now;
    unsigned char nonce[16];
    std::uint64_t a = rng.next(), b = rng.next();
    std::memcpy(nonce, &a, 8);
    std::memcpy(nonce + 8, &b, 8);
    std::string key = base64(nonce, sizeof nonce);
    c.key_accept = accept_key_for(key);
    char req[512];
    int n = std::snprintf(req, sizeof req,
                          "GET / HTTP/1.1\r\n"
                          "Host: %s:%d\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Key: %s\r\n"
                          "Sec-WebSocket-Version: 13\r\n"
                          "%s"
                          "\r\n",
                          opt.host.c_str(), opt.port, key.c_str(),
                          !opt.deflate ? ""
                          : opt.deflate_no_context
                              ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; "
                                "client_no_context_takeover; server_no_context_takeover\r\n"
                              : "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
    std::memcpy(c.out.extend(static_cast<std::size_t>(n)), req, static_cast<std::size_t>(n));
    c.state = conn_state::handshaking;
}

// Bytes read from the server (after TLS, if any). False: stop reading.
bool loadgen::consume(connection& c, const unsigned char* p, std::size_t len, std::uint64_t now)
{
    last_progress = now;
    if (c.state == conn_state::handshaking) return on_handshake_bytes(c, p, len, now);
    c.now = now;
    if (const char* err = c.parser.feed(p, len, c)) {
        fail(exit_failure, "connection %zu: protocol error from the server: %s", c.index, err);
        return false;
    }
    return failure_code == exit_ok;
}

void loadgen::on_readable(connection& c, bool peer_closed)
{
#if WSX_LOADGEN_TLS
    if (c.ssl) {
        // SSL_read returns one record at a time, so a short read says
        // nothing about the socket: read until OpenSSL wants more, which
        // means the socket is drained and the next data raises a new edge.
        for (;;) {
            int n = SSL_read(c.ssl, rbuf.get(), static_cast<int>(rbuf_size));
            if (n > 0) {
                if (!consume(c, rbuf.get(), static_cast<std::size_t>(n), now_ns())) return;
                continue;
            }
            int e = SSL_get_error(c.ssl, n);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
            if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && (errno == 0 || phase == run_phase::closing)) ||
                phase == run_phase::closing) {
                on_server_eof(c);
                return;
            }
            char why[256] = "";
            ERR_error_string_n(ERR_get_error(), why, sizeof why);
            fail(exit_failure, "connection %zu: TLS read: %s", c.index, why[0] ? why : std::strerror(errno));
            return;
        }
    }
#endif
    for (;;) {
        ssize_t n = recv(c.fd, rbuf.get(), rbuf_size, 0);
        if (n > 0) {
            auto len = static_cast<std::size_t>(n);
            if (!consume(c, rbuf.get(), len, now_ns())) return;
            // Edge-triggered: a short read means the data is drained and
            // anything arriving later raises a new edge, which saves a recv()
            // per event. Not so for a FIN that came with this edge: only
            // another recv() returns its 0.
            if (len < rbuf_size && !peer_closed) return;
            continue;
        }
        if (n == 0 || (phase == run_phase::closing && errno == ECONNRESET)) {
            on_server_eof(c);
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        fail(exit_failure, "connection %zu: recv: %s", c.index, std::strerror(errno));
        return;
    }
}

bool header_is(std::string_view line, std::string_view name, std::string_view& value)
{
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
    value = line.substr(name.size() + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    return true;
}

bool contains_token_ci(std::string_view value, std::string_view token)
{
    std::string lower(value);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return lower.find(token) != std::string::npos;
}

// The server's answer to our permessage-deflate offer (RFC 7692 7.1):
// exactly one permessage-deflate, each parameter at most once, only
// parameters we may receive. A malformed answer fails the run.
bool parse_deflate_response(std::string_view v, bool& server_no_context, bool& client_no_context, int& client_window)
{
    auto trim = [](std::string_view t) {
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
        return t;
    };
    auto lower = [](std::string_view t) {
        std::string out(t);
        for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return out;
    };
    if (v.find(',') != std::string_view::npos) return false;   // more than one extension
    bool first = true, seen_snc = false, seen_cnc = false, seen_smw = false, seen_cmw = false;
    while (true) {
        std::size_t semi = v.find(';');
        std::string_view part = trim(v.substr(0, semi));
        if (first) {
            if (lower(part) != "permessage-deflate") return false;
            first = false;
        } else {
            std::size_t eq = part.find('=');
            std::string name = lower(trim(part.substr(0, eq)));
            std::string_view value = eq == std::string_view::npos ? std::string_view{} : trim(part.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
            auto bits = [&](bool& seen) {
                if (seen || value.empty() || value.size() > 2) return -1;
                int b = 0;
                for (char ch : value) {
                    if (ch < '0' || ch > '9') return -1;
                    b = b * 10 + (ch - '0');
                }
                seen = true;
                return b >= 8 && b <= 15 ? b : -1;
            };
            if (name == "server_no_context_takeover" && !seen_snc && value.empty()) server_no_context = seen_snc = true;
            else if (name == "client_no_context_takeover" && !seen_cnc && value.empty()) client_no_context = seen_cnc = true;
            else if (name == "server_max_window_bits") { if (bits(seen_smw) < 0) return false; }   // we inflate with 15 anyway
            else if (name == "client_max_window_bits") { if ((client_window = bits(seen_cmw)) < 0) return false; }
            else return false;
        }
        if (semi == std::string_view::npos) return true;
        v.remove_prefix(semi + 1);
    }
}

bool loadgen::on_handshake_bytes(connection& c, const unsigned char* p, std::size_t n, std::uint64_t now)
{
    std::size_t old = c.http.size();
    c.http.append(reinterpret_cast<const char*>(p), n);
    std::size_t end = c.http.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
    if (end == std::string::npos) {
        if (c.http.size() > 16384) {
            fail(exit_connect, "connection %zu: handshake response larger than 16 KiB", c.index);
            return false;
        }
        return true;
    }
    std::string_view head(c.http.data(), end + 2);
    std::size_t eol = head.find("\r\n");
    std::string_view status = head.substr(0, eol);
    if (status.substr(0, 13) != "HTTP/1.1 101 " && status != "HTTP/1.1 101") {
        fail(exit_connect, "connection %zu: handshake refused: %.*s", c.index, static_cast<int>(status.size()),
             status.data());
        return false;
    }
    bool upgrade = false, connection_upgrade = false, accept_ok = false, deflate_ok = false;
    bool server_no_context = false, client_no_context = false;
    int client_window = 15;
    std::size_t pos = eol + 2;
    while (pos < head.size()) {
        std::size_t e = head.find("\r\n", pos);
        std::string_view line = head.substr(pos, e - pos);
        pos = e + 2;
        std::string_view v;
        if (header_is(line, "upgrade", v)) upgrade = contains_token_ci(v, "websocket");
        else if (header_is(line, "connection", v)) connection_upgrade = contains_token_ci(v, "upgrade");
        else if (header_is(line, "sec-websocket-accept", v)) accept_ok = v == c.key_accept;
        else if (header_is(line, "sec-websocket-extensions", v)) {
            if (!opt.deflate || deflate_ok || !parse_deflate_response(v, server_no_context, client_no_context, client_window)) {
                fail(exit_connect, "connection %zu: server accepted an extension that was not offered: %.*s", c.index,
                     static_cast<int>(v.size()), v.data());
                return false;
            }
            deflate_ok = true;
            if (extension.empty())
                for (char ch : v)
                    if (ch != ' ') extension += ch;
        }
    }
    if (opt.deflate && !deflate_ok) {
        fail(exit_connect, "connection %zu: the server did not accept permessage-deflate (no Sec-WebSocket-Extensions "
             "in its 101), so this run would not measure compression", c.index);
        return false;
    }
#if WSX_LOADGEN_DEFLATE
    if (deflate_ok) {
        if (opt.deflate_no_context) client_no_context = true;   // we offered to reset, so we do
        c.deflater.reset(new pmd_deflater);
        c.inflater.reset(new pmd_inflater);
        if (!c.deflater->init(client_window, client_no_context) || !c.inflater->init(server_no_context)) {
            fail(exit_failure, "connection %zu: zlib init failed", c.index);
            return false;
        }
        c.parser.allow_rsv1 = true;
    }
#endif
    if (!upgrade || !connection_upgrade || !accept_ok) {
        fail(exit_connect, "connection %zu: bad 101 response (upgrade=%d connection=%d accept=%d)", c.index, upgrade,
             connection_upgrade, accept_ok);
        return false;
    }
    std::string rest = c.http.substr(end + 4);
    std::string().swap(c.http);
    std::string().swap(c.key_accept);
    on_open(c, now);
    if (!rest.empty()) {
        c.now = now;
        if (const char* err = c.parser.feed(reinterpret_cast<const unsigned char*>(rest.data()), rest.size(), c)) {
            fail(exit_failure, "connection %zu: protocol error from the server: %s", c.index, err);
            return false;
        }
    }
    return failure_code == exit_ok;
}

void loadgen::on_open(connection& c, std::uint64_t now)
{
    c.state = conn_state::open;
    --pending;
    ++open_count;
    if (!opt.idle && !opt.fanout) {
        for (std::size_t k = 0; k < opt.inflight; ++k) send_message(c, now);
    }
    if (next_to_connect < conns.size()) start_connect(next_to_connect++);
}

void loadgen::send_message(connection& c, std::uint64_t now)
{
    stamps[c.index * opt.inflight + c.sent % opt.inflight] = now;
#if WSX_LOADGEN_DEFLATE
    if (c.deflater) {
        pattern.fill(payload_pattern::value(c.index, c.sent), plain.data());
        if (!c.deflater->compress(plain.data(), plain.size(), packed)) {
            fail(exit_failure, "connection %zu: deflate failed", c.index);
            return;
        }
        append_frame(c.out, opcode, packed.data(), packed.size(), rng, nullptr, 0, true);
        if (phase == run_phase::measure) {
            wire_bytes += packed.size();
            ++wire_msgs;
        }
        ++c.sent;
        ++outstanding;
        return;
    }
#endif
    append_frame(c.out, opcode, nullptr, pattern.size, rng, &pattern, payload_pattern::value(c.index, c.sent));
    ++c.sent;
    ++outstanding;
}

// Fan-out: connection c received a whole message; it must be the
// publisher's message number c.received.
void loadgen::on_delivery(connection& c, unsigned op, std::size_t length)
{
    if (c.received >= conns[publisher].sent) {
        fail(exit_failure, "connection %zu: server sent a message that was never published", c.index);
        return;
    }
    if (op != opcode || length != pattern.size) c.bad = true;
    const std::uint64_t seq = c.received++;
    --outstanding;
    if (c.bad) {
        if (mismatches == 0)
            std::fprintf(stderr, "wsx_loadgen: connection %zu: message #%" PRIu64 " differs from what was published (opcode %u, %zu bytes)\n",
                         c.index, seq, op, length);
        ++mismatches;
        c.bad = false;
    }
    const std::size_t slot = static_cast<std::size_t>(seq % opt.inflight);
    if (phase == run_phase::measure) {
        ++window_msgs;
        hist.add(c.now - pub_stamps[slot]);
    }
    // Each connection receives in order, so messages complete in order.
    if (++round_counts[slot] < conns.size()) return;
    round_counts[slot] = 0;
    ++complete;
    if (phase == run_phase::measure) ++window_complete;
    publish_more(c.now);
}

// Fan-out: the publisher sends until `inflight` messages are not complete.
void loadgen::publish_more(std::uint64_t now)
{
    if (!publishing) return;
    connection& p = conns[publisher];
    const std::uint64_t before = p.sent;
    while (p.sent < complete + opt.inflight) {
        pub_stamps[static_cast<std::size_t>(p.sent % opt.inflight)] = now;
        append_frame(p.out, opcode, nullptr, pattern.size, rng, &pattern, payload_pattern::value(p.index, p.sent));
        ++p.sent;
        outstanding += conns.size();
    }
    if (p.sent != before) flush(p);
}

void loadgen::flush(connection& c)
{
#if WSX_LOADGEN_TLS
    if (c.state == conn_state::tls_handshaking) return;   // the request waits for the handshake
    if (c.ssl) {
        while (c.out.size() > 0) {
            int n = SSL_write(c.ssl, c.out.front(), static_cast<int>(std::min<std::size_t>(c.out.size(), 1u << 30)));
            if (n > 0) {
                c.out.consume(static_cast<std::size_t>(n));
                continue;
            }
            int e = SSL_get_error(c.ssl, n);
            if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) return;   // the next edge calls again
            char why[256] = "";
            ERR_error_string_n(ERR_get_error(), why, sizeof why);
            fail(exit_failure, "connection %zu: TLS write: %s", c.index, why[0] ? why : std::strerror(errno));
            return;
        }
        return;
    }
#endif
    while (c.out.size() > 0) {
        ssize_t n = send(c.fd, c.out.front(), c.out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            c.out.consume(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;   // EPOLLOUT edge will call again
        fail(exit_failure, "connection %zu: send: %s", c.index, std::strerror(errno));
        return;
    }
}

// The run ends with the close handshake on every connection, so servers see
// a normal end (not a reset to log) and their closing code is exercised too.
// Measurements were taken before this.
void loadgen::start_closing()
{
    phase = run_phase::closing;
    static const unsigned char normal[2] = {0x03, 0xE8};   // 1000
    for (auto& c : conns) {
        if (c.state != conn_state::open) continue;
        append_frame(c.out, 8, normal, sizeof normal, rng);
        flush(c);
    }
}

void loadgen::on_server_eof(connection& c)
{
    if (phase != run_phase::closing) {
        fail(exit_failure, "connection %zu: server closed the TCP connection (%zu of %zu were open)", c.index,
             open_count, conns.size());
        return;
    }
    ++closed;
    if (c.close_received) ++closed_clean;
    drop(c);
    c.state = conn_state::closed;
}

void loadgen::drop(connection& c)
{
#if WSX_LOADGEN_TLS
    if (c.ssl) SSL_free(c.ssl);
    c.ssl = nullptr;
#endif
    if (c.fd >= 0) close(c.fd);   // also removes it from the epoll set
    c.fd = -1;
}

void loadgen::close_all()
{
    for (auto& c : conns) drop(c);
    if (epfd >= 0) close(epfd);
    epfd = -1;
}

// ---------------------------------------------------------------- run

void raise_fd_limit(std::size_t wanted)
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < wanted + 16)
        std::fprintf(stderr, "wsx_loadgen: warning: open-file limit %llu is below %zu connections\n",
                     static_cast<unsigned long long>(rl.rlim_cur), wanted);
}

std::string fmt(const char* f, double v)
{
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

// One key=value line; keys are stable so run.sh (and people) can grep them.
struct result_line {
    std::string text;
    void add(const char* key, const std::string& value)
    {
        if (!text.empty()) text += ' ';
        text += key;
        text += '=';
        text += value;
    }
    void add(const char* key, std::uint64_t v) { add(key, std::to_string(v)); }
    void add(const char* key, long v) { add(key, std::to_string(v)); }
    void add(const char* key, const char* f, double v) { add(key, fmt(f, v)); }
};

int run(const options& opt)
{
    raise_fd_limit(opt.connections);
    auto gen_ptr = std::make_unique<loadgen>(opt);
    loadgen& g = *gen_ptr;
    g.addr.sin_family = AF_INET;
    g.addr.sin_port = htons(static_cast<std::uint16_t>(opt.port));
    if (inet_pton(AF_INET, opt.host.c_str(), &g.addr.sin_addr) != 1) {
        std::fprintf(stderr, "wsx_loadgen: --host must be an IPv4 address: %s\n", opt.host.c_str());
        return exit_usage;
    }
    if (!g.init_tls()) {
        std::fprintf(stderr, "wsx_loadgen: TLS setup failed\n");
        return exit_usage;
    }
    g.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (g.epfd < 0) {
        std::fprintf(stderr, "wsx_loadgen: epoll_create1: %s\n", std::strerror(errno));
        return exit_failure;
    }

    const std::uint64_t t_start = now_ns();
    const server_sample s_start = sample_server(opt.server_pid);
    if (opt.server_pid > 0 && !s_start.ok) {
        std::fprintf(stderr, "wsx_loadgen: cannot read /proc/%ld/stat (is the server running?)\n", opt.server_pid);
        return exit_usage;
    }
    g.last_progress = t_start;
    const std::uint64_t timeout_ns = seconds_to_ns(opt.timeout);
    // Connecting is bounded as a whole too, so a server that accepts one
    // connection every few seconds cannot keep the run alive for hours.
    const std::uint64_t close_wait_ns = seconds_to_ns(std::min(opt.timeout, 2.0));
    const std::uint64_t connect_deadline = t_start + seconds_to_ns(std::max(60.0, 6 * opt.timeout));

    while (g.next_to_connect < std::min(opt.connect_batch, opt.connections) && g.failure_code == exit_ok)
        g.start_connect(g.next_to_connect++);

    std::uint64_t t_open = 0, t_w0 = 0, t_w1 = 0, deadline = 0, self0 = 0, self1 = 0, busy0 = 0, busy1 = 0;
    std::uint64_t publish_at = 0;   // fan-out: the first message
    server_sample s_open, s_w0, s_w1;
    std::vector<epoll_event> events(1024);

    while (g.phase != run_phase::done && g.failure_code == exit_ok) {
        std::uint64_t now = now_ns();
        switch (g.phase) {
        case run_phase::connecting:
            if (g.open_count == g.conns.size()) {
                t_open = now;
                s_open = sample_server(opt.server_pid);
                if (opt.idle) {
                    g.phase = run_phase::idle_hold;
                    deadline = now + seconds_to_ns(opt.duration);
                } else if (opt.fanout) {
                    // The server subscribes a connection as it opens it; a
                    // moment of quiet lets the last subscribe land before the
                    // first message is published.
                    g.phase = run_phase::warmup;
                    publish_at = now + seconds_to_ns(fanout_settle_s);
                    deadline = publish_at + seconds_to_ns(opt.warmup);
                } else {
                    g.phase = run_phase::warmup;
                    deadline = now + seconds_to_ns(opt.warmup);
                }
                continue;
            }
            if (now > connect_deadline) {
                g.fail(exit_timeout, "only %zu of %zu connections open after %.0f s", g.open_count, g.conns.size(),
                       static_cast<double>(now - t_start) / 1e9);
                continue;
            }
            break;
        case run_phase::warmup:
            if (opt.fanout && !g.publishing && now >= publish_at) {
                g.publishing = true;
                g.last_progress = now;
                g.publish_more(now);
            }
            if (now >= deadline) {
                g.phase = run_phase::measure;
                s_w0 = sample_server(opt.server_pid);
                self0 = self_cpu_us();
                busy0 = machine_busy_us();
                t_w0 = now_ns();
                deadline = t_w0 + seconds_to_ns(opt.duration);
                continue;
            }
            break;
        case run_phase::measure:
            if (now >= deadline) {
                t_w1 = now;
                self1 = self_cpu_us();
                busy1 = machine_busy_us();
                s_w1 = sample_server(opt.server_pid);
                if (opt.fanout) {
                    // Every message published must still arrive.
                    g.publishing = false;
                    g.phase = run_phase::draining;
                    continue;
                }
                g.start_closing();
                deadline = now_ns() + close_wait_ns;
                continue;
            }
            break;
        case run_phase::draining:
            if (g.outstanding == 0) {
                g.start_closing();
                deadline = now_ns() + close_wait_ns;
                continue;
            }
            break;
        case run_phase::idle_hold:
            if (now >= deadline) {
                t_w1 = now;
                s_w1 = sample_server(opt.server_pid);   // before any message: idle connections only
                g.phase = run_phase::idle_check;
                g.last_progress = now;
                for (auto& c : g.conns) {
                    g.send_message(c, now);
                    g.flush(c);
                }
                continue;
            }
            break;
        case run_phase::idle_check:
            if (g.idle_echoes == g.conns.size()) {
                g.start_closing();
                deadline = now_ns() + close_wait_ns;
                continue;
            }
            break;
        case run_phase::closing:
            if (g.closed == g.open_count || now >= deadline) {
                g.phase = run_phase::done;
                continue;
            }
            break;
        case run_phase::done:
            break;
        }

        if (g.phase == run_phase::draining && now - g.last_progress > timeout_ns) {
            g.fail(exit_timeout, "timeout: %" PRIu64 " deliveries of published messages missing after %.1f s without progress",
                   g.outstanding, opt.timeout);
            break;
        }
        const bool expecting = g.phase != run_phase::idle_hold && g.phase != run_phase::closing && (g.pending > 0 || g.outstanding > 0);
        if (expecting && now - g.last_progress > timeout_ns) {
            g.fail(exit_timeout, "timeout: no progress from the server for %.1f s (%zu of %zu connections open, %" PRIu64
                   " echoes outstanding)", opt.timeout, g.open_count, g.conns.size(), g.outstanding);
            break;
        }

        int wait_ms = 100;
        if (g.phase == run_phase::warmup || g.phase == run_phase::measure || g.phase == run_phase::idle_hold ||
            g.phase == run_phase::closing) {
            std::uint64_t left = deadline > now ? deadline - now : 0;
            wait_ms = static_cast<int>(std::min<std::uint64_t>(100, (left + 999999) / 1000000));
        }
        int n = epoll_wait(g.epfd, events.data(), static_cast<int>(events.size()), wait_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            g.fail(exit_failure, "epoll_wait: %s", std::strerror(errno));
            break;
        }
        now = now_ns();
        for (int i = 0; i < n && g.failure_code == exit_ok; ++i)
            g.on_event(g.conns[events[static_cast<std::size_t>(i)].data.u64], events[static_cast<std::size_t>(i)].events, now);
    }
    g.close_all();

    // ---- report
    result_line r;
    r.add("mode", opt.idle ? "idle" : opt.fanout ? "fanout" : "load");
    if (!opt.label.empty()) r.add("label", opt.label);
    r.add("conns", std::uint64_t{opt.connections});
    if (opt.fanout) r.add("subscribers", std::uint64_t{opt.fanout});
    if (!opt.idle) r.add("inflight", std::uint64_t{opt.inflight});
    r.add("size", std::uint64_t{opt.size});
    r.add("type", opt.binary ? "binary" : "text");
    if (opt.json) r.add("payload", "json");
#if WSX_LOADGEN_TLS
    if (opt.tls) r.add("tls", g.tls_info.empty() ? std::string("none") : g.tls_info);
#endif
    if (opt.deflate) r.add("extension", g.extension.empty() ? std::string("none") : g.extension);
    const bool have_server = opt.server_pid > 0;
    // The window's CPU: the server's and ours per `unit` (msg or delivery),
    // and what other processes took (a disturbed cell is re-run).
    auto add_window_cpu = [&](double window_s, double count, const char* unit) {
        if (have_server && s_w0.ok && s_w1.ok && count > 0) {
            const double cpu = static_cast<double>(s_w1.cpu_us - s_w0.cpu_us);
            r.add(("server_cpu_us_per_" + std::string(unit)).c_str(), "%.3f", cpu / count);
            r.add("server_cpu_pct", "%.1f", cpu / (window_s * 1e4));
        }
        r.add("loadgen_cpu_pct", "%.1f", static_cast<double>(self1 - self0) / (window_s * 1e4));
        if (count > 0)
            r.add(("loadgen_cpu_us_per_" + std::string(unit)).c_str(), "%.3f", static_cast<double>(self1 - self0) / count);
        if (have_server && s_w0.ok && s_w1.ok && busy1 > busy0) {
            double others = static_cast<double>(busy1 - busy0) - static_cast<double>(s_w1.cpu_us - s_w0.cpu_us) -
                            static_cast<double>(self1 - self0);
            r.add("other_cpu_pct", "%.1f", std::max(0.0, others) / (window_s * 1e4));
        }
    };

    if (g.failure_code == exit_ok && g.mismatches == 0 && opt.fanout) {
        const double window_s = static_cast<double>(t_w1 - t_w0) / 1e9;
        const double deliveries = static_cast<double>(g.window_msgs);
        const double receivers = static_cast<double>(opt.connections);
        r.add("window_s", "%.3f", window_s);
        r.add("published", g.window_complete);
        r.add("deliveries", g.window_msgs);
        r.add("published_per_s", "%.0f", static_cast<double>(g.window_complete) / window_s);
        r.add("deliveries_per_s", "%.0f", deliveries / window_s);
        r.add("mb_per_s", "%.2f", deliveries * static_cast<double>(opt.size) / window_s / 1e6);
        r.add("p50_us", "%.1f", g.hist.percentile_us(0.50));
        r.add("p99_us", "%.1f", g.hist.percentile_us(0.99));
        r.add("max_us", "%.1f", static_cast<double>(g.hist.max_ns) / 1000.0);
        add_window_cpu(window_s, deliveries, "delivery");
        if (have_server && s_start.ok && s_open.ok && s_w1.ok) {
            r.add("server_rss_start_kb", s_start.rss_kb);
            r.add("server_rss_open_kb", s_open.rss_kb);
            r.add("server_rss_kb", s_w1.rss_kb);
            r.add("rss_per_sub_open_bytes", "%.0f", static_cast<double>(s_open.rss_kb - s_start.rss_kb) * 1024.0 / receivers);
            r.add("rss_per_sub_bytes", "%.0f", static_cast<double>(s_w1.rss_kb - s_start.rss_kb) * 1024.0 / receivers);
        }
    } else if (g.failure_code == exit_ok && g.mismatches == 0) {
        if (!opt.idle) {
            const double window_s = static_cast<double>(t_w1 - t_w0) / 1e9;
            const double msgs = static_cast<double>(g.window_msgs);
            r.add("window_s", "%.3f", window_s);
            r.add("msgs", g.window_msgs);
            r.add("msgs_per_s", "%.0f", msgs / window_s);
            r.add("mb_per_s", "%.2f", msgs * static_cast<double>(opt.size) / window_s / 1e6);
#if WSX_LOADGEN_DEFLATE
            if (g.wire_msgs > 0)
                r.add("wire_bytes_per_msg", "%.1f", static_cast<double>(g.wire_bytes) / static_cast<double>(g.wire_msgs));
#endif
            r.add("p50_us", "%.1f", g.hist.percentile_us(0.50));
            r.add("p99_us", "%.1f", g.hist.percentile_us(0.99));
            r.add("p999_us", "%.1f", g.hist.percentile_us(0.999));
            r.add("max_us", "%.1f", static_cast<double>(g.hist.max_ns) / 1000.0);
            add_window_cpu(window_s, msgs, "msg");
            if (have_server && s_w0.ok && s_w1.ok && g.window_msgs > 0) r.add("server_rss_kb", s_w1.rss_kb);
        } else {
            const double connect_s = static_cast<double>(t_open - t_start) / 1e9;
            const double conns = static_cast<double>(opt.connections);
            r.add("connect_s", "%.3f", connect_s);
            r.add("handshakes_per_s", "%.0f", conns / connect_s);
            if (have_server && s_start.ok && s_open.ok && s_w1.ok) {
                r.add("server_rss_start_kb", s_start.rss_kb);
                r.add("server_rss_kb", s_w1.rss_kb);
                r.add("rss_per_conn_bytes", "%.0f", static_cast<double>(s_w1.rss_kb - s_start.rss_kb) * 1024.0 / conns);
                r.add("server_cpu_us_per_handshake", "%.2f",
                      static_cast<double>(s_open.cpu_us - s_start.cpu_us) / conns);
                r.add("server_cpu_idle_pct", "%.2f",
                      static_cast<double>(s_w1.cpu_us - s_open.cpu_us) / (static_cast<double>(t_w1 - t_open) / 1e3) * 100.0);
            }
            r.add("idle_echo_ok", g.idle_echoes);
        }
    }
    r.add("closed_clean", std::uint64_t{g.closed_clean});
    if (opt.fanout) r.add("missing", g.outstanding);   // deliveries of published messages that never came
    r.add("mismatches", g.mismatches);
    int code = g.failure_code != exit_ok ? g.failure_code : g.mismatches ? exit_failure : exit_ok;
    r.add("status", code == exit_ok ? "ok" : g.failure_code == exit_ok ? "mismatch" : "fail");
    r.add("exit", std::uint64_t(static_cast<unsigned>(code)));
    if (!g.failure.empty()) r.add("reason", "\"" + g.failure + "\"");
    std::printf("%s\n", r.text.c_str());
    std::fflush(stdout);
    return code;
}

// ---------------------------------------------------------------- self test
//
// The client checks the servers, so it is checked first: RFC vectors for the
// handshake, and the frame parser fed every way the network may split bytes.

struct collecting_sink final : frame_sink {
    std::string data;
    std::vector<std::pair<unsigned, std::size_t>> messages;
    std::vector<unsigned> controls;
    bool offsets_ok = true;
    void on_data(const unsigned char* p, std::size_t n, std::size_t off) override
    {
        std::size_t before = data.size();
        data.append(reinterpret_cast<const char*>(p), n);
        std::size_t start_of_message = 0;
        for (auto& m : messages) start_of_message += m.second;
        if (off != before - start_of_message) offsets_ok = false;
    }
    void on_message_end(unsigned op, std::size_t len) override { messages.emplace_back(op, len); }
    void on_control(unsigned op, const unsigned char*, std::size_t) override { controls.push_back(op); }
};

std::string server_frame(bool fin, unsigned op, const std::string& payload)
{
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0) | op);
    if (payload.size() < 126) {
        f += static_cast<char>(payload.size());
    } else if (payload.size() <= 0xFFFF) {
        f += static_cast<char>(126);
        f += static_cast<char>(payload.size() >> 8);
        f += static_cast<char>(payload.size() & 0xFF);
    } else {
        f += static_cast<char>(127);
        for (int i = 7; i >= 0; --i) f += static_cast<char>((std::uint64_t{payload.size()} >> (8 * i)) & 0xFF);
    }
    return f + payload;
}

int self_test()
{
    int failures = 0;
    auto check = [&](bool ok, const char* what) {
        if (!ok) {
            std::fprintf(stderr, "self-test FAILED: %s\n", what);
            ++failures;
        }
    };
    auto hex = [](const std::array<unsigned char, 20>& d) {
        std::string out;
        char b[3];
        for (unsigned char x : d) {
            std::snprintf(b, sizeof b, "%02x", x);
            out += b;
        }
        return out;
    };
    check(hex(sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d", "SHA-1 of \"abc\" (FIPS 180 vector)");
    check(hex(sha1("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709", "SHA-1 of the empty string");
    check(hex(sha1(std::string(1000, 'a'))) == "291e9a6c66994949b57ba5e650361e98fc36b1ba", "SHA-1 of 1000 'a' (multi-block)");
    check(accept_key_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "RFC 6455 1.3 accept key");
    const unsigned char b64in[] = {'f', 'o', 'o', 'b'};
    check(base64(b64in, 4) == "Zm9vYg==" && base64(b64in, 3) == "Zm9v", "base64 padding (RFC 4648 vectors)");

    // A masked client frame unmasks to the pattern, for every length encoding.
    xorshift rng{12345};
    for (std::size_t size : {std::size_t{0}, std::size_t{5}, std::size_t{16}, std::size_t{125}, std::size_t{126},
                             std::size_t{65535}, std::size_t{65536}, std::size_t{100003}}) {
        payload_pattern pat(size);
        byte_buffer out;
        append_frame(out, 2, nullptr, size, rng, &pat, payload_pattern::value(7, 99));
        const unsigned char* f = out.front();
        std::size_t h = 2 + ((f[1] & 0x7F) == 126 ? 2 : (f[1] & 0x7F) == 127 ? 8 : 0);
        std::vector<unsigned char> body(f + h + 4, f + out.size());
        mask_in_place(body.data(), body.size(), f + h);
        check(f[0] == 0x82 && (f[1] & 0x80) && out.size() == h + 4 + size, "client frame header");
        check(pat.matches(payload_pattern::value(7, 99), 0, body.data(), body.size()), "masked payload round trip");
        if (size > 0)
            check(!pat.matches(payload_pattern::value(7, 98), 0, body.data(), body.size()), "neighbour message differs");
        if (size > 3)
            check(pat.matches(payload_pattern::value(7, 99), 3, body.data() + 3, size - 3), "match at an offset");
    }

    // Server frames: a fragmented text message with a ping in the middle, a
    // 64-bit length binary message, an empty message; parsed whole, byte by
    // byte, and at every two-way split.
    std::string big(70000, 'x');
    std::string stream = server_frame(false, 1, "hel") + server_frame(false, 0, "") + server_frame(true, 9, "pi") +
                         server_frame(true, 0, "lo") + server_frame(true, 2, big) + server_frame(true, 1, "");
    auto parse_in_pieces = [&](const std::vector<std::size_t>& cuts) {
        frame_parser parser;
        collecting_sink sink;
        std::size_t from = 0;
        for (std::size_t cut : cuts) {
            if (parser.feed(reinterpret_cast<const unsigned char*>(stream.data()) + from, cut - from, sink)) return false;
            from = cut;
        }
        if (parser.feed(reinterpret_cast<const unsigned char*>(stream.data()) + from, stream.size() - from, sink))
            return false;
        return sink.data == "hello" + big && sink.messages.size() == 3 && sink.messages[0] == std::make_pair(1u, std::size_t{5}) &&
               sink.messages[1] == std::make_pair(2u, big.size()) && sink.messages[2] == std::make_pair(1u, std::size_t{0}) &&
               sink.controls == std::vector<unsigned>{9} && sink.offsets_ok;
    };
    check(parse_in_pieces({}), "parse whole stream");
    bool all_splits = true;
    for (std::size_t cut = 1; cut < 40; ++cut) all_splits = all_splits && parse_in_pieces({cut});
    for (std::size_t cut = stream.size() - 20; cut < stream.size(); ++cut) all_splits = all_splits && parse_in_pieces({cut});
    check(all_splits, "parse at every split around the headers");
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
    check(parse_in_pieces(every), "parse byte by byte");

    auto rejects = [](const std::string& bytes) {
        frame_parser parser;
        collecting_sink sink;
        return parser.feed(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), sink) != nullptr;
    };
    check(rejects(std::string("\x81\x85\x01\x02\x03\x04hello", 11)), "rejects a masked server frame");
    check(rejects(std::string("\xC1\x00", 2)), "rejects RSV1 without an extension");
    check(rejects(std::string("\x80\x00", 2)), "rejects a continuation without a message");
    check(rejects(std::string("\x09\x00", 2)), "rejects a fragmented ping");
    check(rejects(server_frame(true, 9, std::string(126, 'p'))), "rejects a 126-byte ping");
    check(rejects(std::string("\x83\x00", 2)), "rejects reserved opcode 3");
    check(rejects(server_frame(false, 1, "a") + server_frame(true, 1, "b")), "rejects a new message inside a fragmented one");

    check(rejects(std::string("\xC1\x00", 2)) && rejects(std::string("\xA1\x00", 2)), "rejects RSV1/RSV2 without deflate");
    {
        frame_parser parser;
        parser.allow_rsv1 = true;
        collecting_sink sink;
        const std::string ok_frame("\xC1\x01x", 3), bad_cont = server_frame(false, 1, "a") + std::string("\xC0\x00", 2);
        check(!parser.feed(reinterpret_cast<const unsigned char*>(ok_frame.data()), ok_frame.size(), sink) &&
                  parser.message_compressed, "accepts RSV1 on a data frame once deflate is agreed");
        frame_parser p2;
        p2.allow_rsv1 = true;
        check(p2.feed(reinterpret_cast<const unsigned char*>(bad_cont.data()), bad_cont.size(), sink) != nullptr,
              "rejects RSV1 on a continuation frame");
    }
    {
        bool snc = false, cnc = false;
        int cw = 15;
        check(parse_deflate_response("permessage-deflate; client_max_window_bits=10; server_no_context_takeover", snc, cnc, cw) &&
                  snc && !cnc && cw == 10, "parses a permessage-deflate response");
        check(!parse_deflate_response("permessage-deflate; client_max_window_bits=7", snc, cnc, cw) &&
                  !parse_deflate_response("permessage-deflate; foo", snc, cnc, cw) &&
                  !parse_deflate_response("x-webkit-deflate-frame", snc, cnc, cw),
              "rejects bad permessage-deflate responses");
    }
#if WSX_LOADGEN_DEFLATE
    {
        // RFC 7692 7.2.3.1 and 7.2.3.2: "Hello", then "Hello" again using the shared window.
        pmd_inflater inf;
        inf.init(false);
        std::string got;
        unsigned char scratch[3];   // tiny, so output comes in several pieces
        auto out = [&](const unsigned char* q, std::size_t k) { got.append(reinterpret_cast<const char*>(q), k); };
        const unsigned char hello[] = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
        const unsigned char again[] = {0xf2, 0x00, 0x11, 0x00, 0x00};
        bool ok = true;
        for (unsigned char b : hello) ok = ok && inf.feed(&b, 1, scratch, sizeof scratch, out);
        ok = ok && inf.finish(scratch, sizeof scratch, out) && got == "Hello";
        got.clear();
        ok = ok && inf.feed(again, sizeof again, scratch, sizeof scratch, out) && inf.finish(scratch, sizeof scratch, out) &&
             got == "Hello";
        check(ok, "RFC 7692 7.2.3 inflate vectors, byte by byte and with context takeover");

        // Our compressor against our inflater, several messages per stream,
        // with and without context takeover, on the JSON payload.
        for (bool no_context : {false, true}) {
            for (std::size_t size : {std::size_t{16}, std::size_t{65536}}) {
                payload_pattern pat(size, true);
                pmd_deflater def;
                pmd_inflater in2;
                def.init(15, no_context);
                in2.init(no_context);
                std::vector<unsigned char> plain(size), packed;
                std::vector<unsigned char> scratch_out(4096);
                bool good = true;
                std::size_t wire = 0;
                for (std::uint64_t seq = 0; seq < 4; ++seq) {
                    const std::uint64_t v = payload_pattern::value(3, seq);
                    pat.fill(v, plain.data());
                    good = good && def.compress(plain.data(), size, packed);
                    wire += packed.size();
                    std::size_t off = 0;
                    auto verify = [&](const unsigned char* q, std::size_t k) {
                        good = good && pat.matches(v, off, q, k);
                        off += k;
                    };
                    good = good && in2.feed(packed.data(), packed.size(), scratch_out.data(), scratch_out.size(), verify) &&
                           in2.finish(scratch_out.data(), scratch_out.size(), verify) && off == size;
                }
                check(good, "deflate -> inflate round trip of JSON payloads");
                // Realistic, not degenerate: 64 KiB of records must neither stay
                // as large nor collapse like a run of zeros.
                if (size == 65536)
                    check(wire > 4 * size / 10 && wire < 4 * size * 6 / 10, "JSON payload compresses to 10-60 %");
            }
        }
    }
#endif

    std::fprintf(stderr, "wsx_loadgen self-test: %s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? exit_ok : exit_failure;
}

} // namespace

int main(int argc, char** argv)
{
    options opt;
    if (!parse_options(argc, argv, opt)) {
        print_usage();
        return exit_usage;
    }
    if (opt.self_test) return self_test();
    return run(opt);
}
