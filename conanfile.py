# Conan 2 recipe for hardneg, a header-only library.
#
#   conan create . --build=missing
#
# On Debian, the dependencies can come from the system packages instead of
# Conan Center: see docs/install.md (a profile with [platform_requires]).
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout
from conan.tools.scm import Version

required_conan_version = ">=2.0"


class HardnegConan(ConanFile):
    name = "hardneg"
    description = ("Header-only C++20 library for training top-K recommenders from implicit "
                   "feedback with (hard) negative sampling")
    topics = ("recommender-systems", "negative-sampling", "header-only", "simd")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    no_copy_source = True
    exports_sources = "include/*", "cmake/*", "CMakeLists.txt", "LICENSE*"

    # The compilers hardneg is known to build with (C++20 concepts and
    # designated initializers).
    _min_compiler_versions = {"gcc": "12"}

    def set_version(self):
        # One source of truth: include/hardneg/version.hpp (CMake reads it too).
        text = load(self, os.path.join(self.recipe_folder, "include", "hardneg", "version.hpp"))
        parts = [re.search(rf"#define HARDNEG_VERSION_{part}\s+(\d+)", text).group(1)
                 for part in ("MAJOR", "MINOR", "PATCH")]
        self.version = ".".join(parts)

    def layout(self):
        basic_layout(self)

    def requirements(self):
        self.requires("xtensor/0.24.3")
        self.requires("xsimd/8.1.0")
        self.requires("range-v3/0.12.0")

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)
        minimum = self._min_compiler_versions.get(str(self.settings.compiler))
        if minimum and Version(self.settings.compiler.version) < minimum:
            raise ConanInvalidConfiguration(
                f"{self.ref} needs {self.settings.compiler} >= {minimum} (C++20)")

    def build(self):
        pass

    def package(self):
        copy(self, "LICENSE*", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"),
             os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "hardneg")
        self.cpp_info.set_property("cmake_target_name", "hardneg::hardneg")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
