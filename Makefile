# Thin wrapper over Meson for the README's commands.  `make V=1` shows commands.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
NINJA_FLAGS := $(if $(V),-v,)

.PHONY: all deps build test unit fuzz-smoke integration demo bench format clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release -Dwerror=true

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) $(NINJA_FLAGS)

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false --buildtype=debug

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false --buildtype=debugoptimized -Ddaemons=true

# All tests: unit tests under ASan+UBSan, fuzz targets over their corpora,
# then the integration suite.
test: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) $(NINJA_FLAGS)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2
	$(MAKE) fuzz-smoke
	$(MAKE) integration

unit: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) $(NINJA_FLAGS)
	meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2

fuzz-smoke: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) $(NINJA_FLAGS)
	tests/fuzz/run.sh $(FUZZ_BUILD) 20

integration: build
	OPENVPC_BUILD=$(abspath $(BUILD)) tests/integration/run.sh

demo: build
	scripts/demo.sh $(BUILD) $(if $(filter 1,$(KEEP)),--keep,)

bench: build
	@for b in bench/*.sh; do echo "== $$b"; $$b $(BUILD) || exit 1; done

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
