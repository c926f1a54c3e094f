#!/usr/bin/env python3
# Runs ports/conan/conanfile.py and ports/conan/test_package/ the way
# `conan create ports/conan` would, without Conan (it cannot download here):
# a stand-in for the `conan` module records what the recipe declares and
# does what it asks of CMake for real.
#
#  1. the recipe's attributes: name, package_type, license, options;
#  2. set_version() reads CMakeLists.txt's project(VERSION);
#  3. export_sources() copies what a build needs and nothing else;
#  4. requirements(): asio always, openssl with tls, zlib with deflate,
#     nlohmann_json with json, hiredis with redis;
#  5. package_id() clears the id (one package for every option value);
#  6. generate() + build() + package(): wsx is configured with the recipe's
#     CMake cache variables and installed into a package folder, then
#     trimmed as package() says; the result is checked file by file;
#  7. package_info() is turned into a find_package config the way CMakeDeps
#     writes one (file name, target names, component requirements), with the
#     dependencies mapped onto the system's asio, OpenSSL, zlib and nlohmann/json;
#  8. test_package/ is configured against that, built and run.
#
# What this cannot check: Conan's own resolution of the version ranges, and
# the asio/openssl/zlib/nlohmann_json packages of ConanCenter (the system's stand in).
#
# usage: check_conan_recipe.py --source DIR --work DIR [--options tls,deflate,json]
#        [--cmake PATH] [--generator NAME] [--cxx PATH] [--print-version]
import argparse
import fnmatch
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import types

ARGS = None
sys.dont_write_bytecode = True  # the recipes are imported from the source tree: leave no __pycache__ there


def fail(msg):
    print(f"conan recipe: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, cwd=None):
    print("+ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        fail(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}")
    return p.stdout


# ---- the stand-in `conan` module -------------------------------------------------


class _Options:
    def __init__(self, values):
        self.__dict__.update(values)

    def get_safe(self, name, default=None):
        return self.__dict__.get(name, default)


class _Settings:
    os = "Linux"
    arch = "x86_64"
    compiler = "gcc"
    build_type = "Release"

    def get_safe(self, name, default=None):
        return getattr(self, name, default)


class _Info:
    def __init__(self):
        self.cleared = False

    def clear(self):
        self.cleared = True


class _CppInfo:
    def __init__(self):
        self.properties = {}
        self.requires = []
        self.system_libs = []
        self.defines = []
        self.bindirs = ["bin"]
        self.libdirs = ["lib"]
        self.includedirs = ["include"]
        self.components = _Components()

    def set_property(self, name, value):
        self.properties[name] = value

    def get_property(self, name):
        return self.properties.get(name)


class _Components(dict):
    def __missing__(self, key):
        c = _CppInfo()
        self[key] = c
        return c


class _Dependency:
    def __init__(self, options):
        self.options = _Options(options)


class _Folders:
    def __init__(self, build):
        self.bindir = build


class _Cpp:
    def __init__(self, build):
        self.build = _Folders(build)


class ConanFile:
    def __init__(self):
        self.settings = _Settings()
        self.options = _Options({k: v for k, v in getattr(type(self), "default_options", {}).items()})
        self.info = _Info()
        self.cpp_info = _CppInfo()
        self.requirements_seen = []
        self.toolchain_vars = None
        self.ran = []
        self.dependencies = {}

    def requires(self, ref, **kwargs):
        self.requirements_seen.append((ref, kwargs))

    def run(self, cmd, env=None):
        self.ran.append(run([cmd]))


def _copy(conanfile, pattern, src, dst, keep_path=True):
    copied = []
    for root, _, files in os.walk(src):
        for f in files:
            full = os.path.join(root, f)
            rel = os.path.relpath(full, src)
            # Conan matches the pattern against the path relative to src; '*' crosses folders.
            if fnmatch.fnmatch(rel, pattern):
                out = os.path.join(dst, rel if keep_path else f)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                shutil.copy2(full, out)
                copied.append(out)
    return copied


def _load(conanfile, path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _rmdir(conanfile, path):
    shutil.rmtree(path, ignore_errors=True)


class CMakeToolchain:
    def __init__(self, conanfile):
        self._c = conanfile
        self.cache_variables = {}
        self.variables = {}

    def generate(self):
        self._c.toolchain_vars = dict(self.cache_variables, **self.variables)


class CMakeDeps:
    def __init__(self, conanfile):
        self._c = conanfile

    def generate(self):
        self._c.cmakedeps_generated = True


def _cmake_value(v):
    if isinstance(v, bool):
        return "ON" if v else "OFF"
    return str(v)


class CMake:
    def __init__(self, conanfile):
        self._c = conanfile

    def configure(self, variables=None):
        c = self._c
        defs = dict(c.toolchain_vars or {})
        defs.update(variables or {})
        cmd = [ARGS.cmake, "-S", c.source_folder, "-B", c.build_folder, "-G", ARGS.generator,
               f"-DCMAKE_CXX_COMPILER={ARGS.cxx}", "-DCMAKE_BUILD_TYPE=Release"]
        if getattr(c, "package_folder", None):
            cmd.append(f"-DCMAKE_INSTALL_PREFIX={c.package_folder}")
        if getattr(c, "prefix_path", None):
            cmd.append(f"-DCMAKE_PREFIX_PATH={c.prefix_path}")
        cmd += [f"-D{k}={_cmake_value(v)}" for k, v in defs.items()]
        out = run(cmd)
        if "Manually-specified variables were not used" in out:
            fail("the recipe passes CMake variables wsx does not use:\n" + out)

    def build(self):
        run([ARGS.cmake, "--build", self._c.build_folder])

    def install(self):
        run([ARGS.cmake, "--install", self._c.build_folder, "--prefix", self._c.package_folder])


def _cmake_layout(conanfile, src_folder="."):
    conanfile.layout_called = True


def _can_run(conanfile):
    return True


def install_stand_in():
    conan = types.ModuleType("conan")
    conan.ConanFile = ConanFile
    tools = types.ModuleType("conan.tools")
    cmake = types.ModuleType("conan.tools.cmake")
    cmake.CMake, cmake.CMakeDeps, cmake.CMakeToolchain, cmake.cmake_layout = CMake, CMakeDeps, CMakeToolchain, _cmake_layout
    files = types.ModuleType("conan.tools.files")
    files.copy, files.load, files.rmdir = _copy, _load, _rmdir
    build = types.ModuleType("conan.tools.build")
    build.can_run = _can_run
    conan.tools = tools
    tools.cmake, tools.files, tools.build = cmake, files, build
    sys.modules.update({"conan": conan, "conan.tools": tools, "conan.tools.cmake": cmake,
                        "conan.tools.files": files, "conan.tools.build": build})


def load_recipe(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    classes = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, ConanFile) and v is not ConanFile]
    if len(classes) != 1:
        fail(f"{path} must define exactly one ConanFile class, found {len(classes)}")
    return mod, classes[0]


# ---- what CMakeDeps would write -------------------------------------------------

# The ConanCenter packages' targets, mapped onto what this machine has.
DEPENDENCY_TARGETS = {
    "asio::asio": "wsx_conan_asio",
    "openssl::ssl": "OpenSSL::SSL",
    "openssl::crypto": "OpenSSL::Crypto",
    "zlib::zlib": "ZLIB::ZLIB",
    "nlohmann_json::nlohmann_json": "nlohmann_json::nlohmann_json",
}

# The optional parts: option (= component) name, the ConanCenter package it
# requires, the dependency target its component must require, and the
# CMake option of wsx's CMakeLists.txt that defines it.
PARTS = [
    ("tls", "openssl", "openssl::ssl", "WSX_WITH_TLS"),
    ("deflate", "zlib", "zlib::zlib", "WSX_WITH_DEFLATE"),
    ("json", "nlohmann_json", "nlohmann_json::nlohmann_json", "WSX_WITH_JSON"),
    ("redis", "hiredis", "hiredis::hiredis", "WSX_WITH_REDIS"),
]
PART_NAMES = [p for p, _, _, _ in PARTS]


def write_cmakedeps_config(recipe, package_folder, deps_folder):
    info = recipe.cpp_info
    file_name = info.get_property("cmake_file_name") or recipe.name
    root_target = info.get_property("cmake_target_name") or f"{recipe.name}::{recipe.name}"
    lines = [
        "# Written by tests/packaging/check_conan_recipe.py from the recipe's package_info(),",
        "# the way Conan's CMakeDeps would (targets, components, requirements).",
        "include(CMakeFindDependencyMacro)",
        "find_path(WSX_CONAN_ASIO_DIR asio.hpp REQUIRED)",
        "if(NOT TARGET wsx_conan_asio)",
        "  add_library(wsx_conan_asio INTERFACE IMPORTED)",
        "  set_target_properties(wsx_conan_asio PROPERTIES INTERFACE_INCLUDE_DIRECTORIES \"${WSX_CONAN_ASIO_DIR}\"",
        "    INTERFACE_COMPILE_DEFINITIONS ASIO_STANDALONE)",
        "endif()",
    ]
    needs = {r for c in info.components.values() for r in c.requires}
    if any(r.startswith("openssl::") for r in needs):
        lines.append("find_dependency(OpenSSL)")
    if any(r.startswith("zlib::") for r in needs):
        lines.append("find_dependency(ZLIB)")
    if any(r.startswith("nlohmann_json::") for r in needs):
        lines.append("find_dependency(nlohmann_json 3.2)")
    targets = {}
    for cname, comp in info.components.items():
        targets[cname] = comp.get_property("cmake_target_name") or f"{recipe.name}::{cname}"
    for cname, comp in info.components.items():
        t = targets[cname]
        links = []
        for r in comp.requires:
            if "::" in r:
                if r not in DEPENDENCY_TARGETS:
                    fail(f"component {cname} requires {r}, which no dependency of the recipe provides")
                links.append(DEPENDENCY_TARGETS[r])
            else:
                if r not in targets:
                    fail(f"component {cname} requires the unknown component {r}")
                links.append(targets[r])
        links += comp.system_libs
        lines += [
            f"add_library({t} INTERFACE IMPORTED)",
            f"set_target_properties({t} PROPERTIES",
            f"  INTERFACE_INCLUDE_DIRECTORIES \"{os.path.join(package_folder, 'include')}\"",
            f"  INTERFACE_LINK_LIBRARIES \"{';'.join(links)}\")",
        ]
    if root_target not in targets.values():
        lines += [f"add_library({root_target} INTERFACE IMPORTED)",
                  f"set_target_properties({root_target} PROPERTIES INTERFACE_LINK_LIBRARIES "
                  f"\"{';'.join(targets.values())}\")"]
    os.makedirs(deps_folder, exist_ok=True)
    with open(os.path.join(deps_folder, f"{file_name.lower()}-config.cmake"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return file_name, root_target, targets


# ---- the checks -------------------------------------------------------------------


def project_version(source):
    text = open(os.path.join(source, "CMakeLists.txt"), encoding="utf-8").read()
    m = re.search(r"project\(\s*wsx\s+VERSION\s+([0-9.]+)", text)
    if not m:
        fail("no project(wsx VERSION ...) in CMakeLists.txt")
    return m.group(1)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--work")
    ap.add_argument("--options", default="")
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("--generator", default="Ninja")
    ap.add_argument("--cxx", default="c++")
    ap.add_argument("--print-version", action="store_true")
    ARGS = ap.parse_args()
    source = os.path.abspath(ARGS.source)
    recipe_dir = os.path.join(source, "ports", "conan")
    install_stand_in()
    _, Recipe = load_recipe(os.path.join(recipe_dir, "conanfile.py"), "wsx_conan_recipe")

    recipe = Recipe()
    recipe.recipe_folder = recipe_dir
    recipe.set_version()
    if ARGS.print_version:
        print(recipe.version)
        return
    if recipe.version != project_version(source):
        fail(f"set_version() gives {recipe.version}, CMakeLists.txt says {project_version(source)}")

    # 1. attributes
    expect = {"name": "wsx", "package_type": "header-library", "license": "BSL-1.0", "no_copy_source": True}
    for k, v in expect.items():
        if getattr(Recipe, k, None) != v:
            fail(f"{k} is {getattr(Recipe, k, None)!r}, expected {v!r}")
    opts = getattr(Recipe, "options", {})
    if set(opts) != set(PART_NAMES) or any(set(v) != {True, False} for v in opts.values()):
        fail(f"options must be {', '.join(PART_NAMES)}, each True/False: {opts}")
    if Recipe.default_options != {p: False for p in PART_NAMES}:
        fail(f"default_options must turn every part off (a plain build needs none): {Recipe.default_options}")

    work = os.path.abspath(ARGS.work)
    shutil.rmtree(work, ignore_errors=True)
    wanted = [o for o in ARGS.options.split(",") if o]
    unknown = set(wanted) - set(PART_NAMES)
    if unknown:
        fail(f"asked for options {sorted(unknown)}, which the recipe does not have")
    recipe.options = _Options({p: p in wanted for p in PART_NAMES})

    # 3. export_sources
    recipe.export_sources_folder = os.path.join(work, "export_source")
    recipe.export_sources()
    for f in ["CMakeLists.txt", "LICENSE", "cmake/wsxConfig.cmake.in", "cmake/version.hpp.in",
              "cmake/wsxFindAsio.cmake", "include/wsx/wsx.hpp"]:
        if not os.path.isfile(os.path.join(recipe.export_sources_folder, f)):
            fail(f"export_sources() does not export {f}")
    for d in ["tests", "examples", "bench", "ports", "docs"]:
        if os.path.exists(os.path.join(recipe.export_sources_folder, d)):
            fail(f"export_sources() exports {d}/, which a package build does not need")

    # 4. requirements
    recipe.requirements()
    names = {ref.split("/")[0]: kw for ref, kw in recipe.requirements_seen}
    expected = {"asio"} | {pkg for p, pkg, _, _ in PARTS if p in wanted}
    if set(names) != expected:
        fail(f"with options {wanted or 'none'} the recipe requires {sorted(names)}, expected {sorted(expected)}")
    for n, kw in names.items():
        if not kw.get("transitive_headers"):
            fail(f"{n} must be a transitive_headers requirement: wsx's headers include its headers")

    # 5. package_id
    recipe.package_id()
    if not recipe.info.cleared:
        fail("package_id() must clear the id: a header-only package is the same for every setting and option")

    # 6. generate, build, package
    recipe.layout()
    recipe.source_folder = recipe.export_sources_folder
    recipe.build_folder = os.path.join(work, "build")
    recipe.package_folder = os.path.join(work, "package")
    recipe.generate()
    if not getattr(recipe, "cmakedeps_generated", False):
        fail("generate() must run CMakeDeps (wsx's CMakeLists.txt finds asio through it)")
    if recipe.toolchain_vars is None:
        fail("generate() writes no CMake toolchain")
    for k in ["WSX_BUILD_TESTS", "WSX_BUILD_EXAMPLES", "WSX_BUILD_BENCH"]:
        if recipe.toolchain_vars.get(k) is not False:
            fail(f"the recipe must set {k}=OFF (tests, examples and benchmarks are not part of the package)")
    if recipe.toolchain_vars.get("WSX_INSTALL") is not True:
        fail("the recipe must set WSX_INSTALL=ON")
    # wsx turns its parts on by default when it is the top-level project, as
    # in a package build: each must be set off, or configuring would look for
    # a dependency the package was not given (CMakeDeps gives consumers the
    # parts' targets from package_info(), not wsx's own config).
    for _, _, _, var in PARTS:
        if recipe.toolchain_vars.get(var) is not False:
            fail(f"the recipe must set {var}=OFF (the installed headers are the same; package_info() makes the targets)")
    recipe.build()
    recipe.package()
    pkg = recipe.package_folder
    for f in ["include/wsx/wsx.hpp", "include/wsx/version.hpp", "licenses/LICENSE"]:
        if not os.path.isfile(os.path.join(pkg, f)):
            fail(f"the package has no {f}")
    for d in ["lib", "bin", "share/wsx", "share/doc"]:
        if os.path.exists(os.path.join(pkg, d)):
            fail(f"the package must not contain {d}/ (header-only; CMakeDeps writes the config)")
    version_hpp = open(os.path.join(pkg, "include/wsx/version.hpp"), encoding="utf-8").read()
    if f'"{recipe.version}"' not in version_hpp:
        fail(f"the packaged wsx/version.hpp does not say {recipe.version}")

    # 7. package_info -> CMakeDeps
    recipe.package_info()
    deps = os.path.join(work, "deps")
    file_name, root, targets = write_cmakedeps_config(recipe, pkg, deps)
    if file_name != "wsx" or root != "wsx::wsx":
        fail(f"find_package name / target must be wsx / wsx::wsx like wsx's own config, got {file_name} / {root}")
    want_targets = {"wsx::wsx"} | {f"wsx::{p}" for p in wanted}
    have = set(targets.values()) | {root}
    if not want_targets <= have:
        fail(f"package_info() provides {sorted(have)}, missing {sorted(want_targets - have)}")
    for p in set(PART_NAMES) - set(wanted):
        if f"wsx::{p}" in have:
            fail(f"package_info() provides wsx::{p} although the option is off")
    comps = recipe.cpp_info.components
    for p, _, dep, _ in PARTS:
        if p in wanted and dep not in comps[p].requires:
            fail(f"component {p} must require {dep}")
        if p in wanted and "core" not in comps[p].requires:
            fail(f"component {p} must require core (wsx::{p} is wsx and its dependency)")

    # 8. test_package
    _, TestRecipe = load_recipe(os.path.join(recipe_dir, "test_package", "conanfile.py"), "wsx_conan_test_package")
    t = TestRecipe()
    t.tested_reference_str = f"wsx/{recipe.version}"
    t.requirements()
    if [r for r, _ in t.requirements_seen] != [t.tested_reference_str]:
        fail(f"test_package must require only the tested reference, requires {t.requirements_seen}")
    t.dependencies = {"wsx": _Dependency({p: p in wanted for p in PART_NAMES})}
    t.source_folder = os.path.join(recipe_dir, "test_package")
    t.build_folder = os.path.join(work, "test_package")
    t.prefix_path = deps
    t.cpp = _Cpp(t.build_folder)
    t.layout()
    if hasattr(t, "generate"):
        t.generate()
    t.build()
    t.test()
    if not t.ran:
        fail("test_package's test() ran nothing")
    out = t.ran[-1]
    for p in wanted:
        if not re.search(rf"(^|\n){p}: ", out):
            fail(f"test_package did not exercise {p}:\n{out}")
    if "echo ok" not in out:
        fail(f"test_package did not echo:\n{out}")
    print(f"conan recipe (options: {','.join(wanted) or 'none'}) packaged, consumed and ran:\n{out}")


if __name__ == "__main__":
    main()
