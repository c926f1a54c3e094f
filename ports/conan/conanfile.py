# Conan 2 recipe for wsx, kept in the wsx repository (ports/conan/) next to
# the vcpkg port. From the repository root:
#
#   conan create ports/conan                              # plain ws://
#   conan create ports/conan -o "wsx/*:tls=True" -o "wsx/*:deflate=True" -o "wsx/*:json=True" -o "wsx/*:redis=True"
#
# The sources are the repository itself (export_sources reaches two folders
# up), and the version is read from CMakeLists.txt's project(VERSION), the
# one place that holds it.
import os
import re

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir

required_conan_version = ">=2.0"


class WsxConan(ConanFile):
    name = "wsx"
    description = ("Header-only C++17 WebSocket library on standalone Asio: browser- and "
                   "servlet-shaped handlers, RFC 6455 and RFC 7692.")
    license = "BSL-1.0"
    topics = ("websocket", "asio", "header-only", "rfc6455", "networking")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "tls": [True, False],      # wss:// over OpenSSL: target wsx::tls
        "deflate": [True, False],  # permessage-deflate over zlib: target wsx::deflate
        "json": [True, False],     # objects as JSON messages over nlohmann/json: target wsx::json
        "redis": [True, False],    # topics across nodes over Redis (hiredis): target wsx::redis
    }
    default_options = {
        "tls": False,
        "deflate": False,
        "json": False,
        "redis": False,
    }
    no_copy_source = True

    @property
    def _root(self):
        return os.path.join(self.recipe_folder, os.pardir, os.pardir)

    def set_version(self):
        text = load(self, os.path.join(self._root, "CMakeLists.txt"))
        m = re.search(r"project\(\s*wsx\s+VERSION\s+([0-9]+\.[0-9]+\.[0-9]+)", text)
        if not m:
            raise ValueError("wsx: no project(wsx VERSION x.y.z) in CMakeLists.txt")
        self.version = m.group(1)

    def export_sources(self):
        for pattern in ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*"):
            copy(self, pattern, self._root, self.export_sources_folder)

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        # transitive_headers: wsx's headers include asio, OpenSSL, zlib,
        # nlohmann/json and hiredis headers, so a consumer compiles against them too.
        self.requires("asio/[>=1.22 <2]", transitive_headers=True)
        if self.options.tls:
            self.requires("openssl/[>=1.1 <4]", transitive_headers=True)
        if self.options.deflate:
            self.requires("zlib/[>=1.2.11 <2]", transitive_headers=True)
        if self.options.json:
            self.requires("nlohmann_json/[>=3.2 <4]", transitive_headers=True)
        if self.options.redis:
            self.requires("hiredis/[>=0.14 <2]", transitive_headers=True)

    def package_id(self):
        # The package is the same headers whatever the options: tls, deflate,
        # json and redis only decide which dependencies and targets a consumer gets.
        self.info.clear()

    def generate(self):
        CMakeDeps(self).generate()
        tc = CMakeToolchain(self)
        # The same options as the vcpkg port, minus the optional parts: the
        # installed headers do not depend on them, and Conan's CMakeDeps, not
        # wsx's own CMake config, gives consumers their targets (package_info).
        tc.cache_variables["WSX_BUILD_TESTS"] = False
        tc.cache_variables["WSX_BUILD_EXAMPLES"] = False
        tc.cache_variables["WSX_BUILD_BENCH"] = False
        tc.cache_variables["WSX_BUILD_FUZZ"] = False
        tc.cache_variables["WSX_INSTALL"] = True
        tc.cache_variables["WSX_WITH_TLS"] = False
        tc.cache_variables["WSX_WITH_DEFLATE"] = False
        tc.cache_variables["WSX_WITH_JSON"] = False
        tc.cache_variables["WSX_WITH_REDIS"] = False
        tc.generate()

    def build(self):
        # Nothing to compile; configuring generates wsx/version.hpp.
        cmake = CMake(self)
        cmake.configure()

    def package(self):
        cmake = CMake(self)
        cmake.install()
        # Conan's CMakeDeps writes the CMake config from package_info().
        rmdir(self, os.path.join(self.package_folder, "share", "wsx"))
        rmdir(self, os.path.join(self.package_folder, "share", "doc"))
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))

    def package_info(self):
        # The same names as wsx's own installed config:
        #   find_package(wsx CONFIG REQUIRED [COMPONENTS tls deflate json redis])
        #   target_link_libraries(app PRIVATE wsx::wsx [wsx::tls] [wsx::deflate] [wsx::json] [wsx::redis])
        # wsx::wsx is CMakeDeps' aggregate of the components below, so with
        # an option on it links that part's dependency (OpenSSL, zlib,
        # nlohmann/json, hiredis) as well; wsx::tls, wsx::deflate, wsx::json
        # and wsx::redis are what wsx's own config exports.
        self.cpp_info.set_property("cmake_file_name", "wsx")
        self.cpp_info.set_property("cmake_target_name", "wsx::wsx")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "wsx::core")
        core.bindirs = []
        core.libdirs = []
        core.requires = ["asio::asio"]
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]

        if self.options.tls:
            tls = self.cpp_info.components["tls"]
            tls.set_property("cmake_target_name", "wsx::tls")
            tls.bindirs = []
            tls.libdirs = []
            tls.requires = ["core", "openssl::ssl", "openssl::crypto"]
        if self.options.deflate:
            deflate = self.cpp_info.components["deflate"]
            deflate.set_property("cmake_target_name", "wsx::deflate")
            deflate.bindirs = []
            deflate.libdirs = []
            deflate.requires = ["core", "zlib::zlib"]
        if self.options.json:
            json = self.cpp_info.components["json"]
            json.set_property("cmake_target_name", "wsx::json")
            json.bindirs = []
            json.libdirs = []
            json.requires = ["core", "nlohmann_json::nlohmann_json"]
        if self.options.redis:
            redis = self.cpp_info.components["redis"]
            redis.set_property("cmake_target_name", "wsx::redis")
            redis.bindirs = []
            redis.libdirs = []
            redis.requires = ["core", "hiredis::hiredis"]
