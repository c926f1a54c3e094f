// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_PROTOCOL_DEFLATE_HPP
#define WSX_PROTOCOL_DEFLATE_HPP

// permessage-deflate compression (RFC 7692 7.2) on zlib raw deflate streams.
// Needs zlib: link wsx::deflate.
//
// deflater compresses one message at a time (Z_SYNC_FLUSH, then the 4-byte
// 00 00 ff ff tail removed, RFC 7692 7.2.1); inflater does the reverse
// (tail appended, 7.2.2). Each keeps its LZ77 window between messages
// ("context takeover") unless its side's no_context_takeover was agreed,
// in which case it resets before each message.
//
// The inflater is where the network's bytes meet memory, so:
// - the inflated size is checked AS it inflates: output goes into bounded
//   steps of a caller-owned buffer, and the byte after max_size stops it
//   with error::message_too_big. A decompression bomb (a few KiB that
//   inflate to gigabytes) costs at most max_size + 1 bytes of buffer and the
//   time to inflate that much;
// - a text message is validated as UTF-8 as it inflates, so garbage fails
//   at the first bad byte (error::invalid_utf8), not after the whole message;
// - input that is not a deflate stream, or ends in the middle of a block,
//   is error::bad_compressed_data.
// Compressed input may come in pieces of any size (begin/update/finish), or
// as one whole message (inflate); the results are the same for any split.
// One exception, harmless: zlib checks a back-reference against the output
// it holds (this call's plus the window), not strictly against the agreed
// window size, so a peer that breaks its *_max_window_bits promise may be
// accepted or refused depending on how the output falls into steps.
// Memory stays bounded by our own window either way.
//
// Both write into a std::vector<std::uint8_t> the caller owns and reuses:
// its capacity is kept, so the steady state allocates nothing.
//
// Neither is thread-safe; one of each per connection (a deflater with
// no_context_takeover holds no state between messages, so one such
// deflater per thread can serve many connections).

#include <wsx/error.hpp>
#include <wsx/protocol/deflate_negotiation.hpp>
#include <wsx/protocol/reader.hpp>
#include <wsx/protocol/utf8.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <system_error>
#include <vector>

namespace wsx::protocol {

namespace detail {

// A z_stream must not move once initialised (zlib keeps a pointer back to
// it), so it lives on the heap and the owners stay movable. zlib allocates
// through zlib_alloc, which counts the bytes, so memory_usage() is exact.
struct zlib_stream {
    z_stream s{};
    std::size_t bytes = 0;
};

inline voidpf zlib_alloc(voidpf opaque, uInt items, uInt size) noexcept {
    const std::size_t n = static_cast<std::size_t>(items) * size;
    // The size is kept in front of the block for zlib_free; 16 bytes keep
    // the block aligned as malloc's.
    void* p = std::malloc(n + 16);
    if (p == nullptr) return Z_NULL;
    std::memcpy(p, &n, sizeof n);
    static_cast<zlib_stream*>(opaque)->bytes += n;
    return static_cast<unsigned char*>(p) + 16;
}

inline void zlib_free(voidpf opaque, voidpf address) noexcept {
    if (address == Z_NULL) return;
    void* p = static_cast<unsigned char*>(address) - 16;
    std::size_t n;
    std::memcpy(&n, p, sizeof n);
    static_cast<zlib_stream*>(opaque)->bytes -= n;
    std::free(p);
}

// Owners of an initialised stream: the deleter ends it, so the classes
// below get their moves and destructor for free.
struct zlib_deflate_end {
    void operator()(zlib_stream* z) const noexcept {
        deflateEnd(&z->s);
        delete z;
    }
};
struct zlib_inflate_end {
    void operator()(zlib_stream* z) const noexcept {
        inflateEnd(&z->s);
        delete z;
    }
};
using deflate_stream_ptr = std::unique_ptr<zlib_stream, zlib_deflate_end>;
using inflate_stream_ptr = std::unique_ptr<zlib_stream, zlib_inflate_end>;

inline std::unique_ptr<zlib_stream> make_zlib_stream() {
    auto z = std::make_unique<zlib_stream>();
    z->s.zalloc = zlib_alloc;
    z->s.zfree = zlib_free;
    z->s.opaque = z.get();
    return z;
}

// zlib counts in uInt; bigger inputs and outputs go in slices of this.
inline constexpr std::size_t zlib_max_slice = std::size_t{1} << 30;

// See deflate_options::server_max_window_bits: zlib refuses a raw window of
// 256 bytes, and 512 is safe for a peer that agreed to 256.
constexpr int zlib_window_bits(int bits) noexcept { return bits < 9 ? 9 : bits; }

inline constexpr std::uint8_t deflate_tail[4] = {0x00, 0x00, 0xff, 0xff};

} // namespace detail

/// The compressing half of permessage-deflate: one zlib raw-deflate stream
/// that turns each message into the payload of a frame with RSV1 set.
class deflater {
public:
    /// window_bits 8..15, level 0..9, mem_level 1..9 (std::system_error
    /// bad_argument otherwise). No memory is taken until the first message.
    explicit deflater(int window_bits = 15, bool no_context_takeover = false, int level = 6, int mem_level = 8)
        : window_bits_(window_bits), level_(level), mem_level_(mem_level), no_context_takeover_(no_context_takeover) {
        if (window_bits < 8 || window_bits > 15 || level < 0 || level > 9 || mem_level < 1 || mem_level > 9)
            throw std::system_error(make_error_code(error::bad_argument),
                                    "wsx: deflater needs window_bits 8..15, level 0..9, mem_level 1..9");
    }

    /// Compresses one whole message into out (cleared first; its capacity is
    /// kept): the payload of a frame with RSV1 set. Throws std::bad_alloc
    /// when zlib cannot get memory.
    void compress(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) {
        out.clear();
        compress_part(data, n, true, out);
    }

    /// Compresses a message given in parts, appending to out. Only the part
    /// with fin set flushes, so the parts before may append nothing; each
    /// part's output may be sent as one fragment (RSV1 on the first only).
    void compress_part(const std::uint8_t* data, std::size_t n, bool fin, std::vector<std::uint8_t>& out);

    /// Forgets the window: the next message starts a fresh stream.
    void reset() noexcept {
        if (z_ && !fresh_) deflateReset(&z_->s);
        fresh_ = true;
        in_message_ = false;
    }

    /// Bytes zlib holds for this stream now (0 before the first message).
    std::size_t memory_usage() const noexcept { return z_ ? z_->bytes : 0; }
    /// The LZ77 window bits in use.
    int window_bits() const noexcept { return window_bits_; }
    /// True when the window is reset after every message.
    bool no_context_takeover() const noexcept { return no_context_takeover_; }

private:
    void init();
    void run(int flush, std::vector<std::uint8_t>& out);

    detail::deflate_stream_ptr z_;
    int window_bits_;
    int level_;
    int mem_level_;
    bool no_context_takeover_;
    bool in_message_ = false;
    bool fresh_ = true;
    uLong total_out_ = 0; // zlib's output count when this message began
};

inline void deflater::init() {
    auto z = detail::make_zlib_stream();
    const int r = deflateInit2(&z->s, level_, Z_DEFLATED, -detail::zlib_window_bits(window_bits_), mem_level_,
                               Z_DEFAULT_STRATEGY);
    if (r == Z_MEM_ERROR) throw std::bad_alloc();
    if (r != Z_OK)
        throw std::system_error(make_error_code(error::bad_argument), "wsx: zlib refused the deflate parameters");
    z_.reset(z.release());
    fresh_ = true;
}

inline void deflater::run(int flush, std::vector<std::uint8_t>& out) {
    z_stream& s = z_->s;
    for (;;) {
        // Room for everything the pending input can become; zlib says
        // when that was not enough (avail_out == 0) and we go round again.
        const std::size_t room = std::min<std::size_t>(deflateBound(&s, s.avail_in) + 16, detail::zlib_max_slice);
        const std::size_t old = out.size();
        if (out.capacity() - old < room) out.reserve(old + std::max(room, old / 2));
        out.resize(old + room);
        s.next_out = out.data() + old;
        s.avail_out = static_cast<uInt>(room);
        const int r = deflate(&s, flush);
        out.resize(old + (room - s.avail_out));
        if (r == Z_STREAM_ERROR) throw std::system_error(make_error_code(error::invalid_state), "wsx: deflate failed");
        // Z_BUF_ERROR: nothing to do, which is fine; Z_OK with room left:
        // all input taken and, for a flush, all output written.
        if (s.avail_out != 0) return;
    }
}

inline void deflater::compress_part(const std::uint8_t* data, std::size_t n, bool fin, std::vector<std::uint8_t>& out) {
    if (!z_) init();
    if (!in_message_) {
        if (no_context_takeover_ && !fresh_) deflateReset(&z_->s);
        in_message_ = true;
        total_out_ = z_->s.total_out;
    }
    fresh_ = false;
    z_stream& s = z_->s;
    do {
        const std::size_t take = std::min(n, detail::zlib_max_slice);
        // zlib does not write through next_in.
        s.next_in = const_cast<Bytef*>(data);
        s.avail_in = static_cast<uInt>(take);
        data += take;
        n -= take;
        run(fin && n == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH, out);
    } while (n != 0);
    s.next_in = Z_NULL;
    if (!fin) return;
    in_message_ = false;
    // A sync flush always ends with an empty stored block: 00 00 ff ff,
    // written by this very flush, which the receiver puts back.
    if (out.size() >= 4 && std::memcmp(out.data() + out.size() - 4, detail::deflate_tail, 4) == 0) {
        out.resize(out.size() - 4);
    } else if (s.total_out == total_out_) {
        // zlib writes nothing for a flush right after a flush (an empty
        // message with context takeover); 0x00 plus the receiver's tail is
        // the empty stored block a payload must still hold (RFC 7692
        // 7.2.3.6).
        out.push_back(0x00);
    }
    total_out_ = s.total_out;
}

/// The decompressing half: inflates received messages with a size limit
/// (the bomb guard) and, for text, UTF-8 validation as the bytes come out.
class inflater {
public:
    /// window_bits 8..15 (std::system_error bad_argument otherwise): the
    /// window the peer compresses with. No memory is taken until the first
    /// message.
    explicit inflater(int window_bits = 15, bool no_context_takeover = false)
        : window_bits_(window_bits), no_context_takeover_(no_context_takeover) {
        if (window_bits < 8 || window_bits > 15)
            throw std::system_error(make_error_code(error::bad_argument), "wsx: inflater needs window_bits 8..15");
    }

    /// Inflates one whole compressed message into out (cleared first; its
    /// capacity is kept). text: validate the result as UTF-8. At most
    /// max_size bytes are produced: one more is error::message_too_big, and
    /// out's capacity then stays within max(capacity before, max_size + 1).
    /// Errors: message_too_big, invalid_utf8, bad_compressed_data. After an
    /// error every call returns it until reset(). Throws std::bad_alloc when
    /// zlib or out cannot get memory.
    std::error_code inflate(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out,
                            std::uint64_t max_size, bool text = false) {
        out.clear();
        begin(max_size, text);
        if (auto ec = update(data, n, out)) return ec;
        return finish(out);
    }

    /// The same in pieces: begin(), update() per piece of compressed bytes
    /// (appending what they inflate to out, which the caller may consume and
    /// clear in between), then finish(). max_size counts the bytes of this
    /// message, whatever out held before.
    void begin(std::uint64_t max_size, bool text = false) noexcept {
        if (state_ == state::failed) return;
        if (no_context_takeover_) restart(false);
        state_ = state::in_message;
        text_ = text;
        max_size_ = max_size;
        size_ = 0;
        in_ = 0;
        utf8_.reset();
    }
    /// Inflates the next part of the current message into `out`.
    std::error_code update(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out);
    /// Ends the current message (adds the RFC 7692 tail) and checks it.
    std::error_code finish(std::vector<std::uint8_t>& out);

    /// Forgets the window and any error.
    void reset() noexcept {
        restart(false);
        state_ = state::idle;
        ec_ = {};
    }

    /// Bytes zlib holds for this stream now (0 before the first message).
    std::size_t memory_usage() const noexcept { return z_ ? z_->bytes : 0; }
    /// The LZ77 window bits in use.
    int window_bits() const noexcept { return window_bits_; }
    /// True when the window is reset after every message.
    bool no_context_takeover() const noexcept { return no_context_takeover_; }
    /// Bytes inflated in the current (or last) message.
    std::uint64_t message_size() const noexcept { return size_; }

private:
    enum class state : std::uint8_t { idle, in_message, failed };

    std::error_code fail(error e) noexcept {
        state_ = state::failed;
        ec_ = make_error_code(e);
        return ec_;
    }
    void init();
    // A fresh stream; keep_window carries the last window over (after a
    // block with BFINAL set ended the previous zlib stream mid-connection).
    void restart(bool keep_window) noexcept;
    std::error_code run(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out, bool tail);
    // After a BFINAL block in the middle of a message: a new zlib stream
    // that goes on with the input s still holds.
    void resume_after_final_block(z_stream& s) noexcept {
        const Bytef* rest = s.next_in;
        const uInt rest_n = s.avail_in;
        restart(!no_context_takeover_);
        s.next_in = const_cast<Bytef*>(rest);
        s.avail_in = rest_n;
    }

    detail::inflate_stream_ptr z_;
    int window_bits_;
    bool no_context_takeover_;
    state state_ = state::idle;
    std::error_code ec_;
    bool text_ = false;
    bool stream_ended_ = false; // a BFINAL block ended the zlib stream; restart before more input
    bool fresh_ = true;
    std::uint64_t max_size_ = 0;
    std::uint64_t size_ = 0;    // bytes produced in this message
    std::uint64_t in_ = 0;      // compressed bytes seen in this message
    utf8_validator utf8_;
};

inline void inflater::init() {
    auto z = detail::make_zlib_stream();
    const int r = inflateInit2(&z->s, -detail::zlib_window_bits(window_bits_));
    if (r == Z_MEM_ERROR) throw std::bad_alloc();
    if (r != Z_OK)
        throw std::system_error(make_error_code(error::bad_argument), "wsx: zlib refused the inflate parameters");
    z_.reset(z.release());
    fresh_ = true;
}

inline void inflater::restart(bool keep_window) noexcept {
    const bool ended = stream_ended_;
    stream_ended_ = false;
    if (!z_ || (fresh_ && !ended)) return;
    if (keep_window) {
        // inflateReset without forgetting the window, in place. A peer may
        // end every two bytes with a BFINAL block, so taking the window out
        // and putting it back (inflateGetDictionary, inflateSetDictionary:
        // 64 KiB of copies per block) would make one 16 MiB message cost
        // seconds of CPU. zlib.h lists inflateResetKeep among its
        // undocumented functions; zlib has exported it since 1.2.5.2, and
        // zlib-ng's compatible build has it too.
        inflateResetKeep(&z_->s);
        fresh_ = false;
    } else {
        inflateReset(&z_->s);
        fresh_ = true;
    }
}

inline std::error_code inflater::update(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) {
    if (state_ == state::failed) return ec_;
    if (state_ != state::in_message)
        throw std::system_error(make_error_code(error::invalid_state), "wsx: inflater::update before begin");
    in_ += n;
    return run(data, n, out, false);
}

inline std::error_code inflater::finish(std::vector<std::uint8_t>& out) {
    if (state_ == state::failed) return ec_;
    if (state_ != state::in_message)
        throw std::system_error(make_error_code(error::invalid_state), "wsx: inflater::finish before begin");
    // An empty compressed payload is an empty message: appending the tail
    // to nothing would leave a stored block header cut in half.
    // A stream that ended (BFINAL) exactly at the end of the payload needs
    // no tail either.
    if (in_ != 0 && !stream_ended_) {
        if (auto ec = run(detail::deflate_tail, sizeof detail::deflate_tail, out, true)) return ec;
        // The tail completes an empty stored block, so a complete message
        // leaves zlib between blocks (data_type bit 7) or past BFINAL.
        // Anything else is a payload cut in the middle of a block.
        if (!stream_ended_ && (z_->s.data_type & 128) == 0) return fail(error::bad_compressed_data);
    }
    if (text_ && !utf8_.complete()) return fail(error::invalid_utf8);
    state_ = state::idle;
    if (stream_ended_) restart(!no_context_takeover_);
    return {};
}

inline std::error_code inflater::run(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out,
                                     bool tail) {
    if (n == 0) return {};
    if (!z_) init();
    z_stream& s = z_->s;
    if (stream_ended_) restart(!no_context_takeover_);
    // Output is offered in steps: the first a guess from this call's input
    // (text inflates ~3-10x), the next ones doubled while zlib fills them.
    // So a big message needs few calls, and every byte zeroed for zlib to
    // write into is either written or bounded by this call's input: a
    // message that comes as many small update() calls (say one empty
    // deflate block each) costs O(its size), not a large step per call.
    std::size_t step = std::clamp<std::size_t>(n * 4, 256, 64 * 1024);
    while (n != 0) {
        const std::size_t take = std::min(n, detail::zlib_max_slice);
        s.next_in = const_cast<Bytef*>(data);
        s.avail_in = static_cast<uInt>(take);
        data += take;
        n -= take;
        for (;;) {
            // Offer at most one byte past the limit: enough to see it
            // broken, never enough to hold a bomb.
            const std::uint64_t left = max_size_ - size_;
            const std::uint64_t budget = left == UINT64_MAX ? left : left + 1;
            std::size_t offer = static_cast<std::size_t>(std::min<std::uint64_t>(step, budget));
            const std::size_t old = out.size();
            const std::size_t spare = out.capacity() - old;
            if (spare != 0) {
                // Fill what the buffer has before growing it: a reused
                // buffer then never grows for a message that fits.
                offer = std::min(offer, spare);
            } else {
                std::size_t cap = old + std::max(offer, old);
                const std::uint64_t hard = old + budget;
                if (cap > hard) cap = static_cast<std::size_t>(hard);
                out.reserve(cap);
            }
            out.resize(old + offer);
            s.next_out = out.data() + old;
            s.avail_out = static_cast<uInt>(offer);
            fresh_ = false;
            int r = ::inflate(&s, Z_SYNC_FLUSH);
            // A block with BFINAL set (RFC 7692 7.2.3.4) ends zlib's stream.
            // Outside the tail more deflate data follows in this message: a
            // new zlib stream (same LZ77 window unless no_context_takeover),
            // inflated into the room that is left, which is already zeroed.
            while (r == Z_STREAM_END && !tail && s.avail_in != 0 && s.avail_out != 0) {
                stream_ended_ = true;
                resume_after_final_block(s);
                r = ::inflate(&s, Z_SYNC_FLUSH);
            }
            const std::size_t produced = offer - s.avail_out;
            out.resize(old + produced);
            // UTF-8 first, over the bytes within the limit only: then the
            // error is the same however the input was split (an invalid
            // byte before the limit wins, else the limit).
            const std::size_t within = static_cast<std::size_t>(std::min<std::uint64_t>(produced, max_size_ - size_));
            if (text_ && within != 0 && utf8_.scan(out.data() + old, within) != within) {
                s.next_in = Z_NULL;
                return fail(error::invalid_utf8);
            }
            size_ += produced;
            if (size_ > max_size_) {
                s.next_in = Z_NULL;
                return fail(error::message_too_big);
            }
            if (step < detail::zlib_max_slice / 2 && s.avail_out == 0) step *= 2;
            if (r == Z_STREAM_END) {
                stream_ended_ = true;
                if (tail) {
                    // The message is over.
                    s.next_in = Z_NULL;
                    s.avail_in = 0;
                    return {};
                }
                if (s.avail_in == 0) break;
                resume_after_final_block(s); // the room is full: go round for more
                continue;
            }
            if (r == Z_MEM_ERROR) throw std::bad_alloc();
            if (r != Z_OK && r != Z_BUF_ERROR) {
                s.next_in = Z_NULL;
                return fail(error::bad_compressed_data);
            }
            if (s.avail_out == 0) continue; // more output may be pending
            if (s.avail_in == 0) break;     // all input taken, all output out
            // Room and input left, yet no progress: cannot happen with a
            // sane zlib; refuse rather than spin.
            s.next_in = Z_NULL;
            return fail(error::bad_compressed_data);
        }
    }
    s.next_in = Z_NULL;
    return {};
}

/// Both directions of one connection, set up from the negotiation's result.
class permessage_deflate final : public deflate_codec {
public:
    /// Both halves, set up for our role from the agreed parameters.
    permessage_deflate(const deflate_params& agreed, role local, const deflate_options& opts = {})
        : deflater_(agreed.local_max_window_bits(local), agreed.local_no_context_takeover(local),
                    opts.compression_level, opts.mem_level),
          level_(opts.compression_level), mem_level_(opts.mem_level),
          inflater_(agreed.peer_max_window_bits(local), agreed.peer_no_context_takeover(local)),
          threshold_(opts.compress_threshold), agreed_(agreed), role_(local) {}

    /// Whether a data message of this size is worth compressing (below the
    /// threshold it goes out uncompressed, RSV1 clear).
    bool should_compress(std::size_t size) const noexcept override { return size >= threshold_; }

    /// Payload for a frame with RSV1 set (see deflater::compress).
    void compress(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) override {
        // Without context takeover nothing is kept between messages, so the
        // thread's compressor does the work and this connection's own is
        // never allocated: ~260 KiB less per connection at the defaults.
        if (deflater_.no_context_takeover()) return compress_detached(data, n, out);
        deflater_.compress(data, n, out);
    }

    /// A received message whose first frame had RSV1 set (see
    /// inflater::inflate).
    std::error_code decompress(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out,
                               std::uint64_t max_size, bool text) override {
        return inflater_.inflate(data, n, out, max_size, text);
    }
    /// A received message in pieces (see inflater::begin, update, finish).
    bool decompress_begin(std::uint64_t max_size, bool text) override {
        inflater_.begin(max_size, text);
        return true;
    }
    std::error_code decompress_part(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) override {
        return inflater_.update(data, n, out);
    }
    std::error_code decompress_end(std::vector<std::uint8_t>& out) override { return inflater_.finish(out); }

    /// The compressing half.
    deflater& sender() noexcept { return deflater_; }
    /// The decompressing half.
    inflater& receiver() noexcept { return inflater_; }
    /// The parameters agreed in the handshake.
    const deflate_params& agreed() const noexcept { return agreed_; }
    /// Our side of the connection.
    role local_role() const noexcept { return role_; }
    std::size_t memory_usage() const noexcept override {
        return deflater_.memory_usage() + inflater_.memory_usage();
    }

    std::uint64_t shared_key() const noexcept override {
        if (!deflater_.no_context_takeover()) return 0;
        // The window zlib really uses (8 compresses as 9), so that peers
        // that agreed 8 and 9 share too; bit 32 keeps the key non-zero.
        return std::uint64_t{1} << 32 | std::uint64_t(detail::zlib_window_bits(deflater_.window_bits())) << 16 |
               std::uint64_t(level_) << 8 | std::uint64_t(mem_level_);
    }

    void compress_detached(const std::uint8_t* data, std::size_t n, std::vector<std::uint8_t>& out) const override {
        // One fresh-per-message deflater per parameter set and thread,
        // kept: zlib's init allocates and clears ~300 KiB, more than
        // compressing a chat message costs. Few sets are ever in use
        // (one per server configuration), so the list stays short; the
        // cap bounds the memory a thread can keep.
        struct entry {
            std::uint64_t key;
            deflater d;
        };
        thread_local std::vector<std::unique_ptr<entry>> cache;
        const std::uint64_t key = shared_key();
        for (auto& e : cache) {
            if (e->key == key) return e->d.compress(data, n, out);
        }
        if (cache.size() == detached_cache_max) cache.erase(cache.begin());
        cache.push_back(std::make_unique<entry>(entry{key, deflater(deflater_.window_bits(), true, level_, mem_level_)}));
        cache.back()->d.compress(data, n, out);
    }

private:
    static constexpr std::size_t detached_cache_max = 4;

    deflater deflater_;
    int level_;
    int mem_level_;
    inflater inflater_;
    std::size_t threshold_;
    deflate_params agreed_;
    role role_;
};

/// The deflate_codec_factory for deflate_options::make_codec.
inline std::unique_ptr<deflate_codec> make_permessage_deflate(const deflate_params& agreed, role local,
                                                              const deflate_options& opts) {
    return std::make_unique<permessage_deflate>(agreed, local, opts);
}

} // namespace wsx::protocol

#endif
