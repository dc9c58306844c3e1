# Vigil front door. `make demo` and `make test` are the two commands a newcomer runs: each installs
# what is missing (deps), builds, then runs the demo or every test. CI (.ci/run) runs `make format-check`,
# `make test` and `make sanitize`; docs/build.md says what each costs.

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=

# Exactly the Debian packages the build, the tests, the benchmarks and the checks need: clang and its
# runtimes for libFuzzer and the sanitizers, clang-format for format-check, numpy/scipy/sklearn for the
# benchmark peers.
DEB_PACKAGES := cmake make g++ pkg-config git \
	libfftw3-dev libmatio-dev zlib1g-dev \
	libcli11-dev nlohmann-json3-dev libfmt-dev libeigen3-dev libtomlplusplus-dev \
	libtorch-dev libonnx-dev libopencv-dev libssl-dev \
	libgtest-dev libbenchmark-dev \
	libsqlite3-dev \
	libpq-dev postgresql \
	libboost-dev python3 \
	libmosquitto-dev mosquitto openssl libmodbus-dev mbpoll python3-pymodbus python3-serial-asyncio \
	clang libclang-rt-14-dev clang-format \
	python3-numpy python3-scipy python3-sklearn \
	python3-paho-mqtt python3-protobuf \
	protobuf-compiler libprotobuf-dev nodejs \
	libboost-dev \
	chromium
# xz-utils: the data tests unpack the full-cadence FEMTO archives (tar -xJf).
DEB_PACKAGES += xz-utils

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps configure build compile web test bench demo fuzz models format format-check sanitize tidy clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing" $$missing; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@[ -d tests/interop/node_modules ] || { echo "deps: npm ci in tests/interop"; \
	  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q npm; \
	  cd tests/interop && npm ci --no-audit --no-fund; }
	@[ -d web/node_modules ] || { echo "deps: npm ci in web"; \
	  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q npm; \
	  cd web && npm ci --no-audit --no-fund; }

# The benchmarks are not part of the everyday build (`make bench` turns them on in the same build folder).
# -g1 (line tables: backtraces and profiles keep file:line) instead of -g: the same -O2 code, ~25 % less
# compile time per file and a fifth of the object size (docs/build.md).
$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DVIGIL_BUILD_BENCH=OFF \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"

configure: $(BUILD_DIR)/CMakeCache.txt

compile: $(BUILD_DIR)/CMakeCache.txt web
	cmake --build $(BUILD_DIR) -j $(JOBS)

build: deps web
	@$(MAKE) --no-print-directory compile

# The web dashboard (web/dist, served by vigil-hub at / from [api] web_dir; docs/dashboard.md): npm ci when
# the lockfile changed, the bundle when a source changed; nothing when both are up to date.
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
web: web/dist/index.html
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	@command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q npm
	cd web && npm ci --no-audit --no-fund
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

# The README's pictures of the fleet and the degrading asset (docs/images/fleet.png, asset.png), taken by
# Chromium from the demo's live plant once its story is told.
.PHONY: screenshots
screenshots: build
	@[ -f $(BUILD_DIR)/models/classifier.vigil ] || $(MAKE) --no-print-directory models
	node scripts/demo/demo.mjs --build $(BUILD_DIR) --seconds 300 --port 0 --dir $(BUILD_DIR)/demo-screenshots \
	  --screenshots docs/images

# deps, configure, build, then ctest (every label); prints the wall time of each phase at the end. The fuzz
# targets run in `make sanitize` (and `make fuzz`).
test:
	@MAKE="$(MAKE)" BUILD_DIR="$(BUILD_DIR)" JOBS="$(JOBS)" CTEST_ARGS="$(CTEST_ARGS)" scripts/test.sh

bench: deps configure
	cmake -S . -B $(BUILD_DIR) -DVIGIL_BUILD_BENCH=ON >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)
	scripts/bench.sh $(BUILD_DIR)

# The live plant (scripts/demo/demo.mjs; docs/demo.md): until Ctrl-C, or headless for at most DEMO_SECONDS
# seconds, exiting 0 only when the degrading bearing's story was told end to end. The default models are
# trained on the first run (make models trains them again).
DEMO_SECONDS ?=
demo: build
	@[ -f $(BUILD_DIR)/models/classifier.vigil ] || $(MAKE) --no-print-directory models
	node scripts/demo/demo.mjs --build $(BUILD_DIR) $(if $(DEMO_SECONDS),--seconds $(DEMO_SECONDS))

# Default model bundles, trained reproducibly from ../shared/data (or VIGIL_DATA_DIR) into build/models/.
DATA_DIR ?= $(if $(VIGIL_DATA_DIR),$(VIGIL_DATA_DIR),../shared/data)
models: build
	@mkdir -p $(BUILD_DIR)/models
	@if [ -f "$(DATA_DIR)/cwru/catalog.csv" ]; then \
	  $(BUILD_DIR)/bin/vigil train anomaly "$(DATA_DIR)/cwru/catalog.csv" --out $(BUILD_DIR)/models/anomaly.vigil && \
	  $(BUILD_DIR)/bin/vigil train classifier "$(DATA_DIR)/cwru/catalog.csv" --out $(BUILD_DIR)/models/classifier.vigil; \
	else \
	  echo "models: no CWRU catalog at $(DATA_DIR)/cwru/catalog.csv; anomaly and classifier not trained"; \
	fi
	@if [ -d "$(DATA_DIR)/femto/Learning_set" ]; then \
	  $(BUILD_DIR)/bin/vigil train rul "$(DATA_DIR)/femto/Learning_set" --out $(BUILD_DIR)/models/rul.vigil; \
	else \
	  echo "models: no FEMTO learning set at $(DATA_DIR)/femto/Learning_set; RUL model not trained"; \
	fi

fuzz: deps
	scripts/fuzz.sh run

# Every C++ source and header of ours; `make format` rewrites them, `make format-check` only reports.
FORMAT_DIRS := src apps tests bench fuzz
FORMAT_FILES = find $(FORMAT_DIRS) -name '*.[ch]pp' -print0 | sort -z

format: deps
	$(FORMAT_FILES) | xargs -0 clang-format -i

# Fails when clang-format would change any file, and names those files.
format-check: deps
	@out=$$($(FORMAT_FILES) | xargs -0 clang-format --dry-run -Werror 2>&1); status=$$?; \
	bad=$$(printf '%s\n' "$$out" | sed -n 's/^\(.*\.[ch]pp\):[0-9]*:[0-9]*: error: .*/\1/p' | sort -u); \
	if [ -n "$$bad" ]; then \
	  echo "format-check: $$(printf '%s\n' "$$bad" | wc -l) files are not clang-format clean (make format fixes them):"; \
	  printf '  %s\n' $$bad; exit 1; \
	elif [ $$status -ne 0 ]; then \
	  printf '%s\n' "$$out"; echo "format-check: clang-format failed (exit $$status)"; exit 1; \
	fi; \
	echo "format-check: $$($(FORMAT_FILES) | tr -cd '\0' | wc -c) files clang-format clean"

# The unit tests (ctest label `unit`) under AddressSanitizer + UBSan, halting on the first error, built in the
# `asan` preset's folder (-O1 -g1, assertions on); first the short fuzz smoke run, whose targets are always
# built with ASan + UBSan (scripts/fuzz.sh).
SANITIZE_DIR := build-asan
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
sanitize: deps
	@[ -f $(SANITIZE_DIR)/CMakeCache.txt ] || cmake --preset asan
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target unit_tests
	scripts/fuzz.sh smoke
	cd $(SANITIZE_DIR) && $(SANITIZE_ENV) ctest -L unit --output-on-failure -j $(JOBS) $(CTEST_ARGS)

tidy: $(BUILD_DIR)/CMakeCache.txt
	find src apps -name '*.cpp' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) build-fuzz
