# Thin wrapper over CMake. Every target installs missing Debian packages
# first (scripts/deps.sh), so each works on a fresh machine.
#
#   make            build the CLI (build/tinyforge) and the tests
#   make test       every test: the normal build, then again under ASan+UBSan
#   make demo       build MobileNetV2 1.0@224, show its memory profile, run it, write its report;
#                   then classify Fashion-MNIST test images with the model tinyforge trained (models/)
#   make demo-tflite  info, plan and run TFLM's person detector from ../shared/models
#   make bench      memory and instruction-count tables against TFLM
#   make bench-train  training speed and memory against PyTorch (installs python3-torch)
#   make bench-search TinyNAS at 8-64 KB of SRAM against its baselines (hours; resumable)
#   make bench-flash  the flash the search predicts against bench's Cortex-M4 ELFs (N=12 subnets per budget)
#   make flash-table  measure the runtime's flash on the Cortex-M4 again (src/codegen/flash_m4.c)
#   make fuzz       libFuzzer over reader, validator and planner (FUZZ_SECONDS=60)
#   make format     clang-format every C source and header in the tree
#   make format-check  fail (listing the files) where clang-format would change something

JOBS ?= 2
FUZZ_SECONDS ?= 60
BUILD := build
ASAN_BUILD := build-asan

.PHONY: all deps build test test-fast test-asan demo demo-tflite demo-detect bench bench-train bench-search bench-flash flash-table \
	fuzz format format-check clean

all: build

deps:
	@scripts/deps.sh
	@scripts/deps-targets.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The report test's Chromium screenshots, listed so the log says where they are.
SHOTS = @for f in $(1)/report-screenshots/*.png; do [ -f "$$f" ] && echo "report screenshot: $(CURDIR)/$$f"; done; true

test-fast: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure
	$(call SHOTS,$(BUILD))

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFG_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest -j $(JOBS) --output-on-failure
	$(call SHOTS,$(ASAN_BUILD))

test: test-fast test-asan

demo: build
	@$(BUILD)/tinyforge demo --report $(BUILD)/demo-report.html
	@scripts/demo_trained.sh $(BUILD)/tinyforge

demo-tflite: build
	@scripts/demo.sh $(BUILD)/tinyforge

# Person detection and visual wake words on real photographs, host and QEMU M4 (drawings in build/demo-detect/drawn/).
demo-detect: build
	@scripts/demo_detect.sh $(BUILD)/tinyforge $(BUILD)/demo-detect

# The PyTorch peer is a benchmark dependency only (a large install): not in deps.sh.
bench-train: build
	@/usr/bin/python3 -c "import torch" 2>/dev/null || { [ "$$(id -u)" -eq 0 ] && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch libblis4 >/dev/null; } || true
	@scripts/bench_train.sh $(BUILD)
	@echo; echo "Image resize against PyTorch's F.interpolate (the peer's resize):"
	@/usr/bin/python3 tests/resize_torch.py $(BUILD)/test_images

# Hours per budget: the runs land in build/bench-search/ and resume where they stopped.
bench-search: build
	@scripts/bench_search.sh $(BUILD) $(BUILD)/bench-search

N ?= 12
bench-flash: build
	@scripts/deps-targets.sh
	@scripts/bench_flash.sh $(BUILD) $(N)

# After a change to runtime/ (tests/flash.sh fails until this is run and committed).
flash-table: deps
	@scripts/deps-targets.sh
	@scripts/flash_table.sh

bench: build
	@$(BUILD)/bench_memory
	@$(BUILD)/bench_build
	@$(BUILD)/bench_cost
	@$(BUILD)/bench_rd
	@scripts/bench_speed.sh $(BUILD)/tinyforge
	@scripts/bench_mcu.sh $(BUILD)/tinyforge
	@scripts/bench_patches.sh $(BUILD)/tinyforge

fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# Every tracked C file but the fuzz corpus (binary models that happen to be named .tflite, not C).
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^tests/corpus/')

format: deps
	clang-format -i $(FORMAT_FILES)

format-check: deps
	@clang-format --dry-run -Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files formatted as .clang-format says"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
