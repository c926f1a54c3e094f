// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#include <wsx/router.hpp>

#include "wsx_catch.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using wsx::path_params;
using wsx::path_template;

namespace {

using pairs = std::vector<std::pair<std::string, std::string>>;

pairs to_pairs(const path_params& p) { return pairs(p.begin(), p.end()); }

// Matches and returns the captures, or a single ("<no match>", "") pair.
pairs captures(const path_template& t, std::string_view path) {
    path_params p;
    if (!t.match(path, p)) {
        CHECK(p.size() == 0);
        return {{"<no match>", ""}};
    }
    return to_pairs(p);
}

const pairs no_match{{"<no match>", ""}};

void check_bad_template(const std::string& pattern, const std::string& problem) {
    INFO("pattern: " << pattern);
    try {
        path_template t{pattern};
        FAIL("the pattern was accepted");
    } catch (const std::system_error& e) {
        CHECK(e.code() == wsx::error::bad_argument);
        std::string what = e.what();
        INFO("what(): " << what);
        CHECK(what.find("\"" + pattern + "\"") != std::string::npos);
        CHECK(what.find(problem) != std::string::npos);
    }
}

} // namespace

TEST_CASE("split_target separates path and query at the first '?'") {
    auto t = wsx::split_target("/chat/lobby?user=bob&x=1");
    CHECK(t.path == "/chat/lobby");
    CHECK(t.query == "user=bob&x=1");

    t = wsx::split_target("/chat");
    CHECK(t.path == "/chat");
    CHECK(t.query.empty());

    t = wsx::split_target("/chat?");
    CHECK(t.path == "/chat");
    CHECK(t.query.empty());

    t = wsx::split_target("/a?b?c=d");
    CHECK(t.path == "/a");
    CHECK(t.query == "b?c=d");

    t = wsx::split_target("?x");
    CHECK(t.path.empty());
    CHECK(t.query == "x");

    t = wsx::split_target("");
    CHECK(t.path.empty());
    CHECK(t.query.empty());

    // Views into the argument, not copies.
    std::string target = "/p?q";
    t = wsx::split_target(target);
    CHECK(t.path.data() == target.data());
    CHECK(t.query.data() == target.data() + 3);
}

TEST_CASE("percent_decode") {
    bool ok = false;
    CHECK(wsx::percent_decode("plain", false, ok) == "plain");
    CHECK(ok);
    CHECK(wsx::percent_decode("", false, ok).empty());
    CHECK(ok);
    CHECK(wsx::percent_decode("%41%62c", false, ok) == "Abc");
    CHECK(ok);
    CHECK(wsx::percent_decode("caf%C3%A9", false, ok) == "caf\xC3\xA9");
    CHECK(ok);
    CHECK(wsx::percent_decode("caf%c3%a9", false, ok) == "caf\xC3\xA9");
    CHECK(ok);
    CHECK(wsx::percent_decode("a%2Fb", false, ok) == "a/b");
    CHECK(ok);
    CHECK(wsx::percent_decode("%25", false, ok) == "%");
    CHECK(ok);
    CHECK(wsx::percent_decode("%2541", false, ok) == "%41"); // decoded once, not twice
    CHECK(ok);

    std::string nul = wsx::percent_decode("a%00b", false, ok);
    CHECK(ok);
    CHECK(nul == std::string("a\0b", 3));

    SECTION("'+' is a space only when asked") {
        CHECK(wsx::percent_decode("a+b", true, ok) == "a b");
        CHECK(ok);
        CHECK(wsx::percent_decode("a+b", false, ok) == "a+b");
        CHECK(ok);
        CHECK(wsx::percent_decode("a%2Bb", true, ok) == "a+b");
        CHECK(ok);
        CHECK(wsx::percent_decode("%20", true, ok) == " ");
        CHECK(ok);
    }

    SECTION("invalid escapes fail and yield nothing") {
        for (const char* bad : {"%", "%4", "%G1", "%4G", "abc%", "abc%4", "%%41", "%41%", "% 41", "%-1", "%\xC3\xA9"}) {
            INFO(bad);
            ok = true;
            CHECK(wsx::percent_decode(bad, false, ok).empty());
            CHECK_FALSE(ok);
            ok = true;
            CHECK(wsx::percent_decode(bad, true, ok).empty());
            CHECK_FALSE(ok);
        }
    }
}

TEST_CASE("parse_query decodes pairs in order") {
    CHECK(wsx::parse_query("").empty());
    CHECK(wsx::parse_query("a=1&b=x+y&c") == pairs{{"a", "1"}, {"b", "x y"}, {"c", ""}});
    CHECK(wsx::parse_query("a=1&a=2") == pairs{{"a", "1"}, {"a", "2"}});
    CHECK(wsx::parse_query("&a=1&&b=2&") == pairs{{"a", "1"}, {"b", "2"}});
    CHECK(wsx::parse_query("a=b=c") == pairs{{"a", "b=c"}});
    CHECK(wsx::parse_query("=v") == pairs{{"", "v"}});
    CHECK(wsx::parse_query("a=") == pairs{{"a", ""}});
    CHECK(wsx::parse_query("n%61me=%E2%9C%93") == pairs{{"name", "\xE2\x9C\x93"}});
    CHECK(wsx::parse_query("a%26b=c%3Dd") == pairs{{"a&b", "c=d"}});
    CHECK(wsx::parse_query("q=1%2B1") == pairs{{"q", "1+1"}});
    CHECK(wsx::parse_query("my+name=a+b+c") == pairs{{"my name", "a b c"}});

    SECTION("a pair with an invalid escape is dropped, the others kept") {
        CHECK(wsx::parse_query("bad=%zz&ok=1") == pairs{{"ok", "1"}});
        CHECK(wsx::parse_query("%zz=1&ok=2") == pairs{{"ok", "2"}});
        CHECK(wsx::parse_query("ok=1&bad=100%") == pairs{{"ok", "1"}});
        CHECK(wsx::parse_query("%").empty());
    }
}

TEST_CASE("query_value finds the first decoded match") {
    CHECK(wsx::query_value("user=bob&room=lobby", "room") == std::optional<std::string>("lobby"));
    CHECK(wsx::query_value("a=1&a=2", "a") == std::optional<std::string>("1"));
    CHECK(wsx::query_value("a=1", "b") == std::nullopt);
    CHECK(wsx::query_value("", "a") == std::nullopt);
    CHECK(wsx::query_value("flag", "flag") == std::optional<std::string>(""));
    CHECK(wsx::query_value("my%20name=x+y", "my name") == std::optional<std::string>("x y"));
    CHECK(wsx::query_value("my+name=1", "my name") == std::optional<std::string>("1"));
    CHECK(wsx::query_value("a=%zz&a=2", "a") == std::optional<std::string>("2"));
    CHECK(wsx::query_value("a=%zz", "a") == std::nullopt);
    CHECK(wsx::query_value("ab=1", "a") == std::nullopt);
}

TEST_CASE("path_params") {
    path_params p;
    CHECK(p.size() == 0);
    CHECK(p.empty());
    CHECK(p.get("x").empty());
    CHECK_FALSE(p.has("x"));
    CHECK(p.begin() == p.end());

    p.add("room", "lobby");
    p.add("id", "");
    CHECK(p.size() == 2);
    CHECK(p.get("room") == "lobby");
    CHECK(p.has("id"));
    CHECK(p.get("id").empty()); // present but empty differs from absent only through has()
    CHECK_FALSE(p.has("Room"));
    CHECK(to_pairs(p) == pairs{{"room", "lobby"}, {"id", ""}});

    p.clear();
    CHECK(p.empty());
    CHECK_FALSE(p.has("room"));
}

TEST_CASE("path_template: literals") {
    path_template root{"/"};
    CHECK(root.pattern() == "/");
    CHECK(captures(root, "/") == pairs{});
    CHECK(captures(root, "") == no_match);
    CHECK(captures(root, "/a") == no_match);
    CHECK(captures(root, "//") == no_match);

    path_template chat{"/chat"};
    CHECK(chat.pattern() == "/chat");
    CHECK(captures(chat, "/chat") == pairs{});
    CHECK(captures(chat, "/chat/") == no_match); // a trailing slash is significant
    CHECK(captures(chat, "/chatx") == no_match);
    CHECK(captures(chat, "/cha") == no_match);
    CHECK(captures(chat, "/chat/a") == no_match);
    CHECK(captures(chat, "/Chat") == no_match); // paths are case-sensitive
    CHECK(captures(chat, "chat") == no_match);
    CHECK(captures(chat, "//chat") == no_match);

    path_template slash{"/chat/"};
    CHECK(captures(slash, "/chat/") == pairs{});
    CHECK(captures(slash, "/chat") == no_match);
    CHECK(captures(slash, "/chat//") == no_match);

    path_template deep{"/a/b/c"};
    CHECK(captures(deep, "/a/b/c") == pairs{});
    CHECK(captures(deep, "/a/b") == no_match);
    CHECK(captures(deep, "/a/b/c/d") == no_match);
    CHECK(captures(deep, "/a//b/c") == no_match);
}

TEST_CASE("path_template: literals compare after percent-decoding") {
    for (const char* pattern : {"/caf\xC3\xA9", "/caf%C3%A9", "/caf%c3%a9"}) {
        INFO(pattern);
        path_template t{pattern};
        CHECK(t.pattern() == pattern);
        CHECK(captures(t, "/caf%C3%A9") == pairs{});
        CHECK(captures(t, "/caf%c3%a9") == pairs{});
        CHECK(captures(t, "/caf\xC3\xA9") == pairs{});
        CHECK(captures(t, "/caf%C3") == no_match);
        CHECK(captures(t, "/caf%C3%A9x") == no_match);
    }
    path_template abc{"/%61bc"};
    CHECK(captures(abc, "/abc") == pairs{});
    CHECK(captures(abc, "/%61bc") == pairs{});
    CHECK(captures(abc, "/%61%62%63") == pairs{});
    CHECK(captures(abc, "/%61b") == no_match);

    // An encoded slash is data, never a separator.
    path_template enc{"/a%2Fb"};
    CHECK(captures(enc, "/a%2Fb") == pairs{});
    CHECK(captures(enc, "/a%2fb") == pairs{});
    CHECK(captures(enc, "/a/b") == no_match);
    path_template two{"/a/b"};
    CHECK(captures(two, "/a%2Fb") == no_match);

    path_template pct{"/100%25"};
    CHECK(captures(pct, "/100%25") == pairs{});
    CHECK(captures(pct, "/100%") == no_match); // invalid escape in the path: no match
    CHECK(captures(pct, "/100%2") == no_match);

    path_template plus{"/a+b"};
    CHECK(captures(plus, "/a+b") == pairs{});
    CHECK(captures(plus, "/a%2Bb") == pairs{});
    CHECK(captures(plus, "/a%20b") == no_match); // '+' is not a space in a path
}

TEST_CASE("path_template: parameters") {
    path_template t{"/chat/{room}"};
    CHECK(captures(t, "/chat/lobby") == pairs{{"room", "lobby"}});
    CHECK(captures(t, "/chat/x") == pairs{{"room", "x"}});
    CHECK(captures(t, "/chat/") == no_match); // a parameter needs a non-empty segment
    CHECK(captures(t, "/chat") == no_match);
    CHECK(captures(t, "/chat/a/b") == no_match);
    CHECK(captures(t, "/chat/lobby/") == no_match);
    CHECK(captures(t, "/chats/lobby") == no_match);

    SECTION("captured values are percent-decoded") {
        CHECK(captures(t, "/chat/caf%C3%A9") == pairs{{"room", "caf\xC3\xA9"}});
        CHECK(captures(t, "/chat/a%2Fb") == pairs{{"room", "a/b"}});
        CHECK(captures(t, "/chat/a%20b") == pairs{{"room", "a b"}});
        CHECK(captures(t, "/chat/a+b") == pairs{{"room", "a+b"}});
        CHECK(captures(t, "/chat/%2E%2E") == pairs{{"room", ".."}});
        CHECK(captures(t, "/chat/%00") == pairs{{"room", std::string(1, '\0')}});
    }
    SECTION("an invalid escape in a captured segment is no match") {
        CHECK(captures(t, "/chat/%zz") == no_match);
        CHECK(captures(t, "/chat/%") == no_match);
        CHECK(captures(t, "/chat/%4") == no_match);
        CHECK(captures(t, "/chat/ok%") == no_match);
    }

    path_template two{"/a/{x}/b/{y}"};
    CHECK(captures(two, "/a/1/b/2") == pairs{{"x", "1"}, {"y", "2"}});
    CHECK(captures(two, "/a/1/c/2") == no_match);
    CHECK(captures(two, "/a/1/b/") == no_match);
    CHECK(captures(two, "/a//b/2") == no_match);
    CHECK(captures(two, "/a/1/b/%zz") == no_match);

    path_template first{"/{x}"};
    CHECK(captures(first, "/") == no_match);
    CHECK(captures(first, "/v") == pairs{{"x", "v"}});
    CHECK(captures(first, "/v/") == no_match);

    path_template adjacent{"/{a}/{b}/{c}"};
    CHECK(captures(adjacent, "/1/2/3") == pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}});
    CHECK(captures(adjacent, "/1/2") == no_match);

    path_template names{"/{room_id}/{user-name}/{v1.2}/{X}"};
    CHECK(captures(names, "/a/b/c/d") == pairs{{"room_id", "a"}, {"user-name", "b"}, {"v1.2", "c"}, {"X", "d"}});

    path_template slash{"/u/{id}/"};
    CHECK(captures(slash, "/u/7/") == pairs{{"id", "7"}});
    CHECK(captures(slash, "/u/7") == no_match);
}

TEST_CASE("path_template: catch-all") {
    path_template all{"/*"};
    CHECK(captures(all, "/") == pairs{{"*", ""}});
    CHECK(captures(all, "/a") == pairs{{"*", "a"}});
    CHECK(captures(all, "/a/b/") == pairs{{"*", "a/b/"}});
    CHECK(captures(all, "//x") == pairs{{"*", "/x"}});
    CHECK(captures(all, "/%41/%42") == pairs{{"*", "A/B"}});
    CHECK(captures(all, "/a/%zz") == no_match);
    CHECK(captures(all, "") == no_match);
    CHECK(captures(all, "a") == no_match);
    CHECK(captures(all, "*") == no_match);

    path_template files{"/files/*"};
    CHECK(captures(files, "/files") == pairs{{"*", ""}}); // zero segments
    CHECK(captures(files, "/files/") == pairs{{"*", ""}});
    CHECK(captures(files, "/files/a") == pairs{{"*", "a"}});
    CHECK(captures(files, "/files/a/b/c.txt") == pairs{{"*", "a/b/c.txt"}});
    CHECK(captures(files, "/files/a%2Fb") == pairs{{"*", "a/b"}});
    CHECK(captures(files, "/filesx") == no_match);
    CHECK(captures(files, "/file") == no_match);
    CHECK(captures(files, "/") == no_match);
    CHECK(captures(files, "/Files/a") == no_match);

    path_template mixed{"/a/{x}/*"};
    CHECK(captures(mixed, "/a/1") == pairs{{"x", "1"}, {"*", ""}});
    CHECK(captures(mixed, "/a/1/2/3") == pairs{{"x", "1"}, {"*", "2/3"}});
    CHECK(captures(mixed, "/a") == no_match);
    CHECK(captures(mixed, "/a/") == no_match);
}

TEST_CASE("path_template: match clears the output") {
    path_template t{"/chat/{room}"};
    path_params p;
    p.add("stale", "value");
    REQUIRE(t.match("/chat/one", p));
    CHECK(to_pairs(p) == pairs{{"room", "one"}});
    REQUIRE(t.match("/chat/two", p));
    CHECK(to_pairs(p) == pairs{{"room", "two"}});

    // A failure after a capture was made leaves nothing behind.
    path_template two{"/a/{x}/b"};
    CHECK_FALSE(two.match("/a/1/c", p));
    CHECK(p.empty());
    p.add("stale", "value");
    CHECK_FALSE(two.match("/a/%zz/b", p));
    CHECK(p.empty());
}

TEST_CASE("path_template: malformed patterns throw bad_argument naming the pattern") {
    check_bad_template("", "must start with '/'");
    check_bad_template("chat", "must start with '/'");
    check_bad_template("{room}", "must start with '/'");
    check_bad_template("*", "must start with '/'");
    check_bad_template("//", "empty segment");
    check_bad_template("/a//b", "empty segment");
    check_bad_template("/a//", "empty segment");
    check_bad_template("/{}", "empty parameter name");
    check_bad_template("/a/{}/b", "empty parameter name");
    check_bad_template("/{a}/{a}", "duplicate parameter name \"a\"");
    check_bad_template("/{a}/x/{b}/{a}", "duplicate parameter name \"a\"");
    check_bad_template("/*/a", "must be the last segment");
    check_bad_template("/*/", "must be the last segment");
    check_bad_template("/*/*", "must be the last segment");
    check_bad_template("/a*", "must be a whole segment");
    check_bad_template("/*a", "must be a whole segment");
    check_bad_template("/a/b*c", "must be a whole segment");
    check_bad_template("/{a", "unbalanced '{'");
    check_bad_template("/{a/b}", "unbalanced '{'");
    check_bad_template("/{a{b}", "unbalanced '{'");
    check_bad_template("/a}", "unbalanced '}'");
    check_bad_template("/}", "unbalanced '}'");
    check_bad_template("/a{b}", "'{' in the middle of a segment");
    check_bad_template("/a{b", "'{' in the middle of a segment");
    check_bad_template("/{a}b", "text after '}'");
    check_bad_template("/{a}}", "text after '}'");
    check_bad_template("/{a b}", "parameter name \"a b\" may only contain");
    check_bad_template("/{a*}", "parameter name \"a*\" may only contain");
    check_bad_template("/{*}", "parameter name \"*\" may only contain");
    check_bad_template("/{a%20}", "parameter name \"a%20\" may only contain");
    check_bad_template("/a?b", "'?' or '#'");
    check_bad_template("/a?", "'?' or '#'");
    check_bad_template("/a#b", "'?' or '#'");
    check_bad_template("/a b", "space or control character");
    check_bad_template("/a\tb", "space or control character");
    check_bad_template("/a\x7f", "space or control character");
    check_bad_template("/a%zz", "invalid percent-escape");
    check_bad_template("/a%2", "invalid percent-escape");
    check_bad_template("/%", "invalid percent-escape");
}

TEST_CASE("router: an empty router matches nothing") {
    wsx::router<int> r;
    CHECK(r.size() == 0);
    CHECK(r.empty());
    path_params p;
    p.add("stale", "x");
    CHECK(r.match("/", p) == nullptr);
    CHECK(p.empty());
}

TEST_CASE("router: literal beats parameter, in either registration order") {
    for (bool literal_first : {true, false}) {
        INFO("literal_first: " << literal_first);
        wsx::router<std::string> r;
        if (literal_first) {
            r.add("/chat/admin", "admin");
            r.add("/chat/{room}", "room");
        } else {
            r.add("/chat/{room}", "room");
            r.add("/chat/admin", "admin");
        }
        CHECK(r.size() == 2);
        path_params p;
        const std::string* v = r.match("/chat/admin", p);
        REQUIRE(v != nullptr);
        CHECK(*v == "admin");
        CHECK(p.empty());

        v = r.match("/chat/%61dmin", p); // the literal matches after decoding
        REQUIRE(v != nullptr);
        CHECK(*v == "admin");

        v = r.match("/chat/lobby", p);
        REQUIRE(v != nullptr);
        CHECK(*v == "room");
        CHECK(p.get("room") == "lobby");

        p.add("stale", "x");
        CHECK(r.match("/other", p) == nullptr);
        CHECK(p.empty());
    }
}

TEST_CASE("router: specificity rule") {
    // Every route below is registered in every order; the winner for each
    // path must not change.
    const std::array<const char*, 9> patterns{
        "/*", "/", "/a", "/a/*", "/a/{y}", "/{x}/b", "/a/b", "/files/*", "/files/{name}",
    };
    struct expectation {
        const char* path;
        const char* winner;
        pairs params;
    };
    const std::vector<expectation> expected{
        {"/", "/", {}},
        {"/zzz", "/*", {{"*", "zzz"}}},
        {"/zzz/q/r", "/*", {{"*", "zzz/q/r"}}},
        {"/a", "/a", {}},                           // ends here beats catch-all
        {"/a/", "/a/*", {{"*", ""}}},               // "/a/{y}" needs a non-empty segment
        {"/a/b", "/a/b", {}},                       // all literal
        {"/a/c", "/a/{y}", {{"y", "c"}}},           // parameter beats catch-all
        {"/c/b", "/{x}/b", {{"x", "c"}}},           // only one matches besides "/*"
        {"/a/c/d", "/a/*", {{"*", "c/d"}}},         // literal "a" beats catch-all at position 0
        {"/files", "/files/*", {{"*", ""}}},
        {"/files/x", "/files/{name}", {{"name", "x"}}},
        {"/files/x/y", "/files/*", {{"*", "x/y"}}},
        {"/%61/b", "/a/b", {}},
        {"/a/%zz", nullptr, {}},                    // an invalid escape fails "/a/*" and "/*" too
        {"a", nullptr, {}},
        {"", nullptr, {}},
    };

    std::array<int, patterns.size()> order{};
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    int permutations = 0;
    bool more = true;
    while (more) {
        wsx::router<std::string> r;
        for (int i : order) r.add(patterns[static_cast<std::size_t>(i)], patterns[static_cast<std::size_t>(i)]);
        REQUIRE(r.size() == patterns.size());
        for (const auto& e : expected) {
            INFO("path " << e.path);
            path_params p;
            p.add("stale", "x");
            const std::string* v = r.match(e.path, p);
            if (e.winner == nullptr) {
                CHECK(v == nullptr);
                CHECK(p.empty());
                continue;
            }
            REQUIRE(v != nullptr);
            CHECK(*v == e.winner);
            CHECK(to_pairs(p) == e.params);
        }
        ++permutations;
        // All 9! orders would be slow for a unit test; every 97th is a
        // spread sample of a few thousand.
        for (int skip = 0; skip < 97 && more; ++skip) more = std::next_permutation(order.begin(), order.end());
    }
    CHECK(permutations > 3000);
}

TEST_CASE("router: the leftmost differing segment decides") {
    wsx::router<int> r;
    r.add("/{x}/b", 1);
    r.add("/a/{y}", 2);
    path_params p;
    const int* v = r.match("/a/b", p);
    REQUIRE(v != nullptr);
    CHECK(*v == 2); // literal "a" at position 0 beats "{x}"
    CHECK(to_pairs(p) == pairs{{"y", "b"}});

    v = r.match("/c/b", p);
    REQUIRE(v != nullptr);
    CHECK(*v == 1);

    wsx::router<int> r2;
    r2.add("/{x}", 1);
    r2.add("/{x}/*", 2);
    v = r2.match("/q", p);
    REQUIRE(v != nullptr);
    CHECK(*v == 1); // ending here beats a catch-all of zero segments
    v = r2.match("/q/", p);
    REQUIRE(v != nullptr);
    CHECK(*v == 2);
}

TEST_CASE("router: registering the same route twice throws") {
    wsx::router<int> r;
    r.add("/chat/{room}", 1);
    r.add("/a", 2);
    r.add("/files/*", 3);

    auto check_dup = [&](const char* pattern, const char* existing) {
        INFO(pattern);
        try {
            r.add(pattern, 9);
            FAIL("accepted");
        } catch (const std::system_error& e) {
            CHECK(e.code() == wsx::error::bad_argument);
            std::string what = e.what();
            CHECK(what.find("\"" + std::string(pattern) + "\"") != std::string::npos);
            CHECK(what.find("\"" + std::string(existing) + "\"") != std::string::npos);
        }
        CHECK(r.size() == 3);
    };
    check_dup("/chat/{room}", "/chat/{room}");
    check_dup("/chat/{name}", "/chat/{room}"); // other name, same route
    check_dup("/%61", "/a");                   // same literal after decoding
    check_dup("/files/*", "/files/*");

    // Different routes, though similar.
    r.add("/a/", 4);
    r.add("/chat/{room}/", 5);
    r.add("/chat/*", 6);
    r.add("/A", 7);
    CHECK(r.size() == 7);
}

TEST_CASE("router: a malformed pattern throws and adds nothing") {
    wsx::router<int> r;
    r.add("/ok", 1);
    CHECK_THROWS_AS(r.add("no-slash", 2), std::system_error);
    CHECK_THROWS_AS(r.add("/{a}/{a}", 2), std::system_error);
    CHECK(r.size() == 1);
}

TEST_CASE("router: pointers stay valid across add; values may be move-only") {
    wsx::router<std::unique_ptr<int>> r;
    r.add("/z", std::make_unique<int>(26));
    path_params p;
    std::unique_ptr<int>* z = r.match("/z", p);
    REQUIRE(z != nullptr);
    // Routes sorted before and after it.
    r.add("/*", std::make_unique<int>(0));
    r.add("/a", std::make_unique<int>(1));
    r.add("/{x}", std::make_unique<int>(2));
    CHECK(r.match("/z", p) == z);
    CHECK(**z == 26);

    // The non-const overload gives write access.
    **r.match("/a", p) = 100;
    const auto& cr = r;
    const std::unique_ptr<int>* a = cr.match("/a", p);
    REQUIRE(a != nullptr);
    CHECK(**a == 100);
    CHECK(**cr.match("/q", p) == 2);
    CHECK(p.get("x") == "q");
    CHECK(**cr.match("/q/r", p) == 0);
    CHECK(p.get("*") == "q/r");
}

TEST_CASE("router: every prefix of a path is handled") {
    wsx::router<int> r;
    r.add("/chat/{room}", 1);
    r.add("/files/*", 2);
    r.add("/", 3);
    const std::string path = "/files/a%2Fb/%C3%A9/chat/x";
    for (std::size_t n = 0; n <= path.size(); ++n) {
        path_params p;
        const int* v = r.match(std::string_view(path).substr(0, n), p);
        INFO(path.substr(0, n));
        if (n == 0) {
            CHECK(v == nullptr);
        } else if (n == 1) {
            REQUIRE(v != nullptr);
            CHECK(*v == 3);
        } else if (n >= 6) { // "/files" onward, except prefixes ending in a broken escape
            std::string_view prefix = std::string_view(path).substr(0, n);
            std::size_t pct = prefix.rfind('%');
            bool broken = pct != std::string_view::npos && prefix.size() - pct < 3;
            if (broken) {
                CHECK(v == nullptr);
            } else {
                REQUIRE(v != nullptr);
                CHECK(*v == 2);
            }
        } else {
            CHECK(v == nullptr);
        }
    }
}
