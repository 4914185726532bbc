# The front door (README quick start): `make demo` and `make check`.
# Each installs what is missing, configures meson in build/ and builds.
# check also builds a sanitizer (address + undefined) configuration in
# build/sanitize, runs every test suite there, and fuzzes every decoder.

BUILD := build

.PHONY: all deps build check demo clean

all: build

deps:
	@packaging/install-deps

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	ninja -C $(BUILD)

check: build
	tests/run_checks.sh $(BUILD)

demo: build
	tests/demo/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
