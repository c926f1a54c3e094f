// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// wsx_crossnode: the cross-node benchmark of the Redis backplane (issue 17;
// bench/README.md, "Across nodes through Redis"). One program, two roles:
//
//   wsx_crossnode node --port N [--redis HOST:PORT --node-id ID]
//       A wsx server (one thread, as wsx_fanout). A connection to /sub is
//       subscribed to topic "all"; every message received on /pub is
//       published to "all" with server.publish (this node's subscribers at
//       once and, with --redis, every other node through the backplane).
//       The publisher is not subscribed: each message is delivered once per
//       subscriber, not to the sender.
//
//   wsx_crossnode client --pub ws://.../pub --sub ws://.../sub --subscribers N
//       --size S (--rate R | --window W) [--warmup s] [--duration s]
//       [--pid LABEL=PID]...
//       N subscriber connections and one publisher connection (wsx::client,
//       one thread). Each message carries its sequence number and its send
//       time (steady_clock, this process, so both ends read the same clock);
//       each subscriber computes receive - send. --rate R sends R messages
//       per second on a timer (open loop: the offered rate is fixed); --window
//       W keeps at most W messages not yet received by every subscriber
//       (closed loop: as fast as the chain allows). For every --pid it reads
//       the process's CPU time (utime + stime, all threads) at the start and
//       end of the measured window and reports it per delivered message.
//
// Before measuring, the publisher sends probe messages every 20 ms until every
// subscriber got one: a node subscribes on Redis when its first local
// subscriber arrives, and Redis pub/sub keeps nothing for a subscription not
// yet made. After the probes every message must arrive, in order, to every
// subscriber; a gap is counted (missing=) and a message out of order fails the
// run. The client links wsx (unlike wsx_loadgen): the backplane is what is
// measured here, not framing, and the payload checks below catch a message
// corrupted on the way.
//
// Payload (text, so the servers validate UTF-8 as in the fan-out scenarios):
// 6 characters of sequence number and 10 of send time in nanoseconds (base 64,
// URL-safe alphabet), then filler up to --size ('a' + (seq + i) % 26).
// Subscriber 0 checks every byte; the others check the size and the head.

#include <wsx/wsx.hpp>
#if defined(WSX_CROSSNODE_REDIS)
#include <wsx/redis.hpp>
#endif

#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t mib = 1024 * 1024;
constexpr std::size_t head_size = 16;
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int usage(const char* why = nullptr)
{
    if (why) std::fprintf(stderr, "wsx_crossnode: %s\n", why);
    std::fprintf(stderr,
                 "usage: wsx_crossnode node --port N [--host 127.0.0.1] [--redis HOST:PORT --node-id ID]\n"
                 "       wsx_crossnode client --pub URL --sub URL --subscribers N --size S (--rate R | --window W)\n"
                 "                            [--warmup SECONDS] [--duration SECONDS] [--pid LABEL=PID]...\n");
    return 2;
}

// ---------------------------------------------------------------- node

int run_node(int argc, char** argv)
{
    int port = -1;
    std::string host = "127.0.0.1";
    std::string redis_host;
    int redis_port = 0;
    std::string node_id;
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else if (arg == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (arg == "--redis" && i + 1 < argc) {
            std::string v = argv[++i];
            std::size_t colon = v.rfind(':');
            if (colon == std::string::npos) return usage("--redis needs HOST:PORT");
            redis_host = v.substr(0, colon);
            redis_port = std::atoi(v.c_str() + colon + 1);
            if (redis_port <= 0 || redis_port > 65535) return usage("bad --redis port");
        } else if (arg == "--node-id" && i + 1 < argc) {
            node_id = argv[++i];
        } else {
            return usage();
        }
    }
    if (port <= 0 || port > 65535) return usage();

    asio::io_context io;
    wsx::server server{io};
    wsx::session_options& limits = server.default_options();
    limits.max_message_size = 16 * mib;
    limits.max_frame_size = 16 * mib;
    limits.keep_request = false;

#if defined(WSX_CROSSNODE_REDIS)
    std::unique_ptr<wsx::redis_backplane> redis;
    if (!redis_host.empty()) {
        redis = std::make_unique<wsx::redis_backplane>(
            io, wsx::redis_options{redis_host, static_cast<std::uint16_t>(redis_port), "", 0, "bench:", node_id});
        redis->on_state([](wsx::redis_state s, std::error_code ec) {
            std::fprintf(stderr, "wsx_crossnode node: redis %s%s%s\n", wsx::to_string(s), ec ? ": " : "",
                         ec ? ec.message().c_str() : "");
        });
        server.use_backplane(*redis);
    }
#else
    if (!redis_host.empty()) return usage("built without wsx::redis: no --redis");
    (void)redis_port;
    (void)node_id;
#endif

    auto report = [](const char* what) {
        return [what](wsx::session& s, std::error_code ec) {
            std::fprintf(stderr, "wsx_crossnode node: %s session %llu: %s\n", what,
                         static_cast<unsigned long long>(s.id()), ec.message().c_str());
        };
    };
    server.endpoint("/sub").on_open([](wsx::session& s) { s.subscribe("all"); }).on_error(report("sub"));
    server.endpoint("/pub")
        .on_message([&server](wsx::session&, const wsx::message& m) { server.publish("all", m); })
        .on_error(report("pub"));
    try {
        server.listen(host, static_cast<std::uint16_t>(port));
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "wsx_crossnode node: %s\n", e.what());
        return 1;
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int) {
        if (ec) return;
#if defined(WSX_CROSSNODE_REDIS)
        if (redis)
            std::fprintf(stderr, "wsx_crossnode node: redis lost=%llu dropped=%llu\n",
                         static_cast<unsigned long long>(redis->lost()),
                         static_cast<unsigned long long>(redis->dropped()));
#endif
        server.stop();
        io.stop();
    });
    io.run();
    return 0;
}

// ---------------------------------------------------------------- client

using clock_type = std::chrono::steady_clock;

std::uint64_t cpu_us_of(long pid)
{
    clockid_t clock;
    timespec ts{};
    if (clock_getcpuclockid(static_cast<pid_t>(pid), &clock) == 0 && clock_gettime(clock, &ts) == 0)
        return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
    return 0;
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

// Busy CPU time of the whole machine (/proc/stat), to see what other processes took.
std::uint64_t machine_busy_us()
{
    std::uint64_t busy = 0;
    if (FILE* f = std::fopen("/proc/stat", "r")) {
        unsigned long long v[8] = {};
        if (std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                        &v[6], &v[7]) == 8) {
            static const long ticks = sysconf(_SC_CLK_TCK);
            busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000000ull / static_cast<unsigned long long>(ticks);
        }
        std::fclose(f);
    }
    return busy;
}

void put_b64(char* out, std::uint64_t v, int digits)
{
    for (int i = digits - 1; i >= 0; --i) {
        out[i] = alphabet[v & 63];
        v >>= 6;
    }
}

bool get_b64(const char* in, int digits, std::uint64_t& v)
{
    v = 0;
    for (int i = 0; i < digits; ++i) {
        const char* p = std::strchr(alphabet, in[i]);
        if (in[i] == '\0' || p == nullptr) return false;
        v = (v << 6) | static_cast<std::uint64_t>(p - alphabet);
    }
    return true;
}

char filler(std::uint64_t seq, std::size_t i) { return static_cast<char>('a' + (seq + i) % 26); }

struct pid_label {
    std::string label;
    long pid = 0;
    std::uint64_t cpu0 = 0, cpu1 = 0;
};

struct bench {
    // settings
    std::string pub_url, sub_url;
    std::size_t subscribers = 0, size = 0;
    double rate = 0;          // messages per second (open loop), or 0
    std::size_t window = 0;   // messages in flight (closed loop), or 0
    double warmup_s = 1, duration_s = 3;
    std::vector<pid_label> pids;

    // state
    asio::io_context io;
    asio::steady_timer timer{io};
    clock_type::time_point epoch = clock_type::now();
    std::unique_ptr<wsx::client> pub;
    std::vector<std::unique_ptr<wsx::client>> subs;
    std::vector<std::uint64_t> next_seq;   // per subscriber: the sequence number expected next
    std::vector<char> probed;              // per subscriber: a probe arrived
    std::size_t opened = 0, probes_seen = 0;
    enum class phase { connecting, probing, settling, running, draining, done } ph = phase::connecting;
    clock_type::time_point phase_end{}, window_start{}, window_end{}, last_progress{};
    bool in_window = false, window_over = false;
    std::uint64_t sent = 0;                // last sequence number sent (0: none)
    std::uint64_t completed = 0;           // every message up to this one reached every subscriber
    std::vector<std::uint32_t> counts;     // deliveries per sequence number, ring
    std::uint64_t deliveries_in_window = 0, published_in_window = 0, missing = 0, bad = 0;
    std::uint64_t sent_at_window_start = 0;
    std::vector<std::uint32_t> latencies_ns;   // deliveries received in the window
    std::string payload;
    std::string failure;
    std::uint64_t self0 = 0, self1 = 0, busy0 = 0, busy1 = 0;

    std::uint64_t now_ns() const {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - epoch).count());
    }

    void fail(std::string why) {
        if (failure.empty()) failure = std::move(why);
        finish();
    }

    void finish() {
        if (ph == phase::done) return;
        ph = phase::done;
        timer.cancel();
        if (pub) pub->close();
        for (auto& s : subs) s->close();
        // The connections close; io.run() returns when they are gone. A node
        // that does not answer the close is cut by the client's own timeout.
    }

    void send_one(std::uint64_t seq) {
        put_b64(&payload[0], seq, 6);
        put_b64(&payload[6], now_ns(), 10);
        for (std::size_t i = head_size; i < size; ++i) payload[i] = filler(seq, i);
        pub->send(std::string_view(payload));
    }

    void send_next() {
        ++sent;
        if (in_window && !window_over) ++published_in_window;
        send_one(sent);
    }

    void advance_completed() {
        const std::size_t mask = counts.size() - 1;
        while (completed < sent && counts[(completed + 1) & mask] >= subscribers) {
            counts[(completed + 1) & mask] = 0;
            ++completed;
            last_progress = clock_type::now();
        }
        if (window > 0 && ph == phase::running && !window_over)
            while (sent - completed < window) send_next();
        if (ph == phase::draining && completed == sent) finish();
    }

    void on_delivery(std::size_t index, const wsx::message& m) {
        const std::uint64_t t = now_ns();
        std::string_view p = m.text();
        std::uint64_t seq = 0, ts = 0;
        if (!m.is_text() || p.size() != size || !get_b64(p.data(), 6, seq) || !get_b64(p.data() + 6, 10, ts) || ts > t) {
            ++bad;
            return fail("a malformed message");
        }
        if (index == 0)
            for (std::size_t i = head_size; i < size; ++i)
                if (p[i] != filler(seq, i)) return fail("a wrong payload byte");
        if (seq == 0) {   // a probe
            if (!probed[index]) {
                probed[index] = 1;
                ++probes_seen;
            }
            return;
        }
        if (ph == phase::probing || ph == phase::settling || ph == phase::connecting)
            return fail("a numbered message before the run");
        std::uint64_t& expect = next_seq[index];
        if (seq < expect) return fail("a message out of order or twice");
        if (seq > expect) {
            // Missing deliveries (never expected after the probes): count them
            // as delivered for the window's bookkeeping, so it does not stall.
            const std::size_t mask = counts.size() - 1;
            for (std::uint64_t s = expect; s < seq; ++s) ++counts[s & mask];
            missing += seq - expect;
        }
        expect = seq + 1;
        if (in_window && !window_over) {
            ++deliveries_in_window;
            latencies_ns.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(t - ts, UINT32_MAX)));
        }
        ++counts[seq & (counts.size() - 1)];
        advance_completed();
    }

    void start_sampling() {
        for (auto& p : pids) p.cpu0 = cpu_us_of(p.pid);
        self0 = self_cpu_us();
        busy0 = machine_busy_us();
        window_start = clock_type::now();
        sent_at_window_start = sent;
        in_window = true;
    }

    void stop_sampling() {
        window_end = clock_type::now();
        for (auto& p : pids) p.cpu1 = cpu_us_of(p.pid);
        self1 = self_cpu_us();
        busy1 = machine_busy_us();
        window_over = true;
    }

    void tick() {
        if (ph == phase::done) return;
        const auto now = clock_type::now();
        switch (ph) {
        case phase::connecting:
            if (now > phase_end) return fail("connections not open within 10 s");
            break;
        case phase::probing:
            if (probes_seen == subscribers) {
                ph = phase::settling;   // let stray probes arrive before numbering starts
                phase_end = now + std::chrono::milliseconds(200);
            } else if (now > phase_end) {
                return fail("probes did not reach every subscriber within 10 s (is the backplane connected?)");
            } else {
                send_one(0);
            }
            break;
        case phase::settling:
            if (now >= phase_end) {
                ph = phase::running;
                run_start = now;
                last_progress = now;
                window_start = now + std::chrono::duration_cast<clock_type::duration>(
                                         std::chrono::duration<double>(warmup_s));
                phase_end = window_start + std::chrono::duration_cast<clock_type::duration>(
                                               std::chrono::duration<double>(duration_s));
                if (window > 0) advance_completed();
            }
            break;
        case phase::running:
            if (!in_window && now >= window_start) start_sampling();
            if (in_window && now >= phase_end) {
                stop_sampling();
                ph = phase::draining;
                drain_end = now + std::chrono::seconds(5);
                if (completed == sent) return finish();
                break;
            }
            if (rate > 0) {
                const double due = std::chrono::duration<double>(now - run_start).count() * rate;
                while (static_cast<double>(sent) < due) send_next();
            }
            if (now - last_progress > std::chrono::seconds(5) && completed < sent)
                return fail("no delivery completed for 5 s");
            break;
        case phase::draining:
            if (now > drain_end) {
                missing += (sent - completed) * subscribers;   // an upper bound: not every one was missing
                return fail("messages still undelivered 5 s after the window");
            }
            break;
        case phase::done: return;
        }
        const auto period = ph == phase::probing ? std::chrono::milliseconds(20) : std::chrono::milliseconds(1);
        timer.expires_after(period);
        timer.async_wait([this](std::error_code ec) {
            if (!ec) tick();
        });
    }

    clock_type::time_point run_start{}, drain_end{};

    void on_open() {
        if (++opened < subscribers + 1) return;
        ph = phase::probing;
        phase_end = clock_type::now() + std::chrono::seconds(10);
    }

    int run() {
        payload.assign(size, 'x');
        std::size_t ring = 1;
        while (ring < 4 * (window + static_cast<std::size_t>(rate) + 1024)) ring <<= 1;
        counts.assign(ring, 0);
        next_seq.assign(subscribers, 1);
        probed.assign(subscribers, 0);
        auto on_error = [this](wsx::session&, std::error_code ec) {
            if (ph != phase::done) fail("connection error: " + ec.message());
        };
        auto on_close = [this](wsx::session&) {
            if (ph != phase::done) fail("a connection closed during the run");
        };
        for (std::size_t i = 0; i < subscribers; ++i) {
            auto c = std::make_unique<wsx::client>(io);
            c->on_open([this](wsx::session&) { on_open(); })
                .on_message([this, i](wsx::session&, const wsx::message& m) { on_delivery(i, m); })
                .on_error(on_error)
                .on_close(on_close);
            c->connect(sub_url);
            subs.push_back(std::move(c));
        }
        pub = std::make_unique<wsx::client>(io);
        pub->on_open([this](wsx::session&) { on_open(); })
            .on_message([this](wsx::session&, const wsx::message&) { fail("the publisher got a message"); })
            .on_error(on_error)
            .on_close(on_close);
        pub->connect(pub_url);
        phase_end = clock_type::now() + std::chrono::seconds(10);
        tick();
        io.run();
        return report();
    }

    int report() {
        const double secs = std::chrono::duration<double>(window_end - window_start).count();
        std::sort(latencies_ns.begin(), latencies_ns.end());
        auto pct = [&](double q) {
            if (latencies_ns.empty()) return 0.0;
            std::size_t i = static_cast<std::size_t>(q * static_cast<double>(latencies_ns.size() - 1) + 0.5);
            return latencies_ns[i] / 1000.0;
        };
        const double d = static_cast<double>(deliveries_in_window);
        std::printf("subscribers=%zu size=%zu offered=%s", subscribers, size,
                    rate > 0 ? ("rate:" + std::to_string(static_cast<long long>(rate))).c_str()
                             : ("window:" + std::to_string(window)).c_str());
        std::printf(" window_s=%.3f published_per_s=%.0f deliveries_per_s=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f",
                    secs, secs > 0 ? static_cast<double>(published_in_window) / secs : 0.0, secs > 0 ? d / secs : 0.0,
                    pct(0.50), pct(0.99), latencies_ns.empty() ? 0.0 : latencies_ns.back() / 1000.0);
        std::uint64_t measured = 0;
        for (const auto& p : pids) {
            const std::uint64_t cpu = p.cpu1 - p.cpu0;
            measured += cpu;
            std::printf(" cpu_us_per_delivery_%s=%.3f cpu_pct_%s=%.1f", p.label.c_str(),
                        d > 0 ? static_cast<double>(cpu) / d : 0.0, p.label.c_str(),
                        secs > 0 ? static_cast<double>(cpu) / secs / 1e4 : 0.0);
        }
        const std::uint64_t self = self1 - self0;
        measured += self;
        const std::uint64_t busy = busy1 - busy0;
        std::printf(" client_cpu_pct=%.1f other_cpu_pct=%.1f deliveries=%llu missing=%llu result=%s\n",
                    secs > 0 ? static_cast<double>(self) / secs / 1e4 : 0.0,
                    secs > 0 && busy > measured ? static_cast<double>(busy - measured) / secs / 1e4 : 0.0,
                    static_cast<unsigned long long>(deliveries_in_window), static_cast<unsigned long long>(missing),
                    failure.empty() ? "ok" : "FAIL");
        if (!failure.empty()) {
            std::fprintf(stderr, "wsx_crossnode client: %s\n", failure.c_str());
            return 1;
        }
        return missing == 0 ? 0 : 1;
    }
};

int run_client(int argc, char** argv)
{
    auto b = std::make_unique<bench>();
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (i + 1 >= argc) return usage(("no value after " + arg).c_str());
        std::string v = argv[++i];
        if (arg == "--pub") {
            b->pub_url = v;
        } else if (arg == "--sub") {
            b->sub_url = v;
        } else if (arg == "--subscribers") {
            b->subscribers = std::strtoull(v.c_str(), nullptr, 10);
        } else if (arg == "--size") {
            b->size = std::strtoull(v.c_str(), nullptr, 10);
        } else if (arg == "--rate") {
            b->rate = std::strtod(v.c_str(), nullptr);
        } else if (arg == "--window") {
            b->window = std::strtoull(v.c_str(), nullptr, 10);
        } else if (arg == "--warmup") {
            b->warmup_s = std::strtod(v.c_str(), nullptr);
        } else if (arg == "--duration") {
            b->duration_s = std::strtod(v.c_str(), nullptr);
        } else if (arg == "--pid") {
            std::size_t eq = v.find('=');
            if (eq == std::string::npos || eq == 0) return usage("--pid needs LABEL=PID");
            pid_label p;
            p.label = v.substr(0, eq);
            p.pid = std::strtol(v.c_str() + eq + 1, nullptr, 10);
            if (p.pid <= 0 || cpu_us_of(p.pid) == 0) return usage(("cannot read the CPU time of " + v).c_str());
            b->pids.push_back(std::move(p));
        } else {
            return usage(("unknown option " + arg).c_str());
        }
    }
    if (b->pub_url.empty() || b->sub_url.empty()) return usage("--pub and --sub are required");
    if (b->subscribers == 0) return usage("--subscribers must be at least 1");
    if (b->size < head_size) return usage("--size must be at least 16");
    if ((b->rate > 0) == (b->window > 0)) return usage("give one of --rate and --window");
    if (b->duration_s <= 0 || b->warmup_s < 0) return usage("bad --warmup or --duration");
    return b->run();
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && std::strcmp(argv[1], "node") == 0) return run_node(argc, argv);
    if (argc >= 2 && std::strcmp(argv[1], "client") == 0) return run_client(argc, argv);
    return usage();
}
