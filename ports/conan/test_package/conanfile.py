import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class WsxTestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "VirtualRunEnv"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        # Exercise the optional parts the tested package was built with.
        wsx = self.dependencies["wsx"]
        tc = CMakeToolchain(self)
        tc.cache_variables["WSX_TEST_TLS"] = bool(wsx.options.tls)
        tc.cache_variables["WSX_TEST_DEFLATE"] = bool(wsx.options.deflate)
        tc.cache_variables["WSX_TEST_JSON"] = bool(wsx.options.json)
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")
