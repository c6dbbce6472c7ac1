# Benchmarks: lwgrpc against standard gRPC peers.  Included by the
# top-level Makefile.  Everything is built under build/bench/.
#
#   make bench          build everything, run the whole benchmark
#                       (bench/run.py), write docs/BENCHMARKS.md + PNGs
#   make bench-smoke    a few seconds: one short round against the lwgrpc
#                       server and one peer (tests/check_bench_smoke.sh)
#   make bench-bins     only build the servers and clients
#
# The peers are built from Debian packages (bench/deps.sh installs what is
# missing): gRPC C++ (libgrpc++-dev, protobuf-compiler-grpc), grpc-go
# (golang-go, golang-google-grpc-dev; GOPATH mode, offline), Python grpcio,
# grpc-js (npm, toolchain/deps.sh npm).

BENCH_DIR   := build/bench
BENCH_BIN   := $(BENCH_DIR)/bin
BENCH_OBJ   := $(BENCH_DIR)/obj
BENCH_PROTO := bench/bench.proto

# ---- lwgrpc server and client (-O2, no sanitizers, bench/config) ------------
# nanopb is compiled from Debian's source package (toolchain/deps.sh
# srcpkgs) with PB_FIELD_32BIT: a 64 KiB chunk is a message over 64 KiB,
# which Debian's prebuilt libprotobuf-nanopb (16-bit field info) refuses.
BENCH_CC     ?= gcc
BENCH_NANOPB := $(NANOPB_SRC)
BENCH_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Wshadow -Werror -D_GNU_SOURCE \
                -DPB_FIELD_32BIT=1 -I$(BENCH_NANOPB) -I. -I$(GEN_C) -Ibench/config
BENCH_RT_SRCS := $(wildcard port/*.c transport/*.c core/*.c port/posix/*.c)
BENCH_RT_OBJS := $(BENCH_RT_SRCS:%.c=$(BENCH_OBJ)/%.o)
BENCH_GEN     := $(addprefix $(GEN_C)/bench/bench,$(GEN_SUFFIXES))
BENCH_GEN_OBJS := $(BENCH_OBJ)/gen/bench/bench.pb.o $(BENCH_OBJ)/gen/bench/bench.lwgrpc.o \
                  $(addprefix $(BENCH_OBJ)/nanopb/,pb_common.o pb_encode.o pb_decode.o)

$(BENCH_OBJ)/nanopb/%.o: $(BENCH_NANOPB)/%.c $(BENCH_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -O2 -g -DPB_FIELD_32BIT=1 -I$(BENCH_NANOPB) -c $< -o $@

$(BENCH_GEN) &: $(BENCH_PROTO) bench/bench.options $(LWGRPC_PLUGIN)
	@mkdir -p $(GEN_C)
	$(call protoc_gen,.,$(BENCH_PROTO))

# Objects depend on the flags they were built with (build/bench/flags.txt,
# rewritten only when they change), so a flag change rebuilds them.
BENCH_FLAGS_FILE := $(BENCH_DIR)/flags.txt
BENCH_FLAGS_NOW  := $(BENCH_CC) $(BENCH_CFLAGS)
ifneq ($(BENCH_FLAGS_NOW),$(if $(wildcard $(BENCH_FLAGS_FILE)),$(file <$(BENCH_FLAGS_FILE))))
$(shell mkdir -p $(BENCH_DIR))
$(file >$(BENCH_FLAGS_FILE),$(BENCH_FLAGS_NOW))
endif

$(BENCH_OBJ)/%.o: %.c $(BENCH_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@
$(BENCH_OBJ)/gen/%.o: $(GEN_C)/%.c $(BENCH_GEN) $(BENCH_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@
$(BENCH_OBJ)/bench/lwg/bench_server.o $(BENCH_OBJ)/bench/lwg/bench_client.o: $(BENCH_GEN)
-include $(BENCH_RT_OBJS:.o=.d) $(BENCH_GEN_OBJS:.o=.d) \
         $(BENCH_OBJ)/bench/lwg/bench_server.d $(BENCH_OBJ)/bench/lwg/bench_client.d

$(BENCH_BIN)/lwg_bench_server: $(BENCH_OBJ)/bench/lwg/bench_server.o $(BENCH_GEN_OBJS) $(BENCH_RT_OBJS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $^ -o $@
$(BENCH_BIN)/lwg_bench_client: $(BENCH_OBJ)/bench/lwg/bench_client.o $(BENCH_GEN_OBJS) $(BENCH_RT_OBJS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $^ -o $@

BENCH_LWG_BINS := $(BENCH_BIN)/lwg_bench_server $(BENCH_BIN)/lwg_bench_client

# ---- gRPC C++ (callback API) ------------------------------------------------
BENCH_CXX_GEN   := $(BENCH_DIR)/cpp/gen
BENCH_CXX_SRCS  := $(BENCH_CXX_GEN)/bench.pb.cc $(BENCH_CXX_GEN)/bench.grpc.pb.cc
BENCH_CXXFLAGS  := -std=c++17 -O2 -g -Wall -I$(BENCH_CXX_GEN)
BENCH_CXX_LIBS  = $(shell pkg-config --libs grpc++ protobuf 2>/dev/null || echo -lgrpc++ -lgrpc -lgpr -lprotobuf) -lpthread

$(BENCH_CXX_SRCS) $(BENCH_CXX_GEN)/bench.pb.h $(BENCH_CXX_GEN)/bench.grpc.pb.h &: $(BENCH_PROTO)
	@mkdir -p $(BENCH_CXX_GEN)
	protoc -Ibench --cpp_out=$(BENCH_CXX_GEN) --grpc_out=$(BENCH_CXX_GEN) \
	    --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin) $(BENCH_PROTO)
$(BENCH_DIR)/cpp/%.o: $(BENCH_CXX_GEN)/%.cc
	$(CXX) $(BENCH_CXXFLAGS) -c $< -o $@
$(BENCH_DIR)/cpp/%.o: bench/peers/cpp/%.cc $(BENCH_CXX_GEN)/bench.grpc.pb.h
	$(CXX) $(BENCH_CXXFLAGS) -c $< -o $@
BENCH_CXX_OBJS := $(BENCH_DIR)/cpp/bench.pb.o $(BENCH_DIR)/cpp/bench.grpc.pb.o
$(BENCH_BIN)/cpp_bench_server: $(BENCH_DIR)/cpp/server.o $(BENCH_CXX_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(BENCH_CXX_LIBS) -o $@
$(BENCH_BIN)/cpp_bench_client: $(BENCH_DIR)/cpp/client.o $(BENCH_CXX_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $^ $(BENCH_CXX_LIBS) -o $@

# ---- grpc-go (GOPATH mode, offline: Debian's /usr/share/gocode) --------------
# protoc-gen-go 1.3 (Debian's github.com/golang/protobuf) is built from
# source and writes messages and the grpc service (plugins=grpc).  The Go
# sources are copied into a GOPATH under build/bench/go.
BENCH_GODIR  := $(BENCH_DIR)/go
BENCH_GOENV  := GO111MODULE=off GOFLAGS= GOPROXY=off \
                GOPATH=/usr/share/gocode:$(abspath $(BENCH_GODIR)) \
                GOCACHE=$(abspath $(BENCH_GODIR))/cache
BENCH_GOSRC  := $(BENCH_GODIR)/src/lwgbench
BENCH_GO_PKG := $(BENCH_GOSRC)/benchpb/bench.pb.go

$(BENCH_GODIR)/bin/protoc-gen-go:
	@mkdir -p $(dir $@)
	$(BENCH_GOENV) go build -o $(abspath $@) github.com/golang/protobuf/protoc-gen-go
$(BENCH_GO_PKG): $(BENCH_PROTO) $(BENCH_GODIR)/bin/protoc-gen-go
	@mkdir -p $(BENCH_GODIR)/gen
	protoc -Ibench --plugin=protoc-gen-go=$(BENCH_GODIR)/bin/protoc-gen-go \
	    --go_out=plugins=grpc:$(BENCH_GODIR)/gen $(BENCH_PROTO)
	@mkdir -p $(dir $@)
	cp $(BENCH_GODIR)/gen/lwgbench/benchpb/bench.pb.go $@
$(BENCH_GOSRC)/%/main.go: bench/peers/go/%/main.go
	@mkdir -p $(dir $@)
	cp $< $@
$(BENCH_BIN)/go_bench_%: $(BENCH_GOSRC)/%/main.go $(BENCH_GO_PKG)
	@mkdir -p $(dir $@)
	$(BENCH_GOENV) go build -o $(abspath $@) lwgbench/$*

# ---- Python grpcio (messages from protoc; the service is wired by hand) ----
BENCH_PY_GEN := $(BENCH_DIR)/py/bench_pb2.py
$(BENCH_PY_GEN): $(BENCH_PROTO)
	@mkdir -p $(BENCH_DIR)/py
	protoc -Ibench --python_out=$(BENCH_DIR)/py $(BENCH_PROTO)

BENCH_PEER_BINS := $(BENCH_BIN)/cpp_bench_server $(BENCH_BIN)/cpp_bench_client \
                   $(BENCH_BIN)/go_bench_server $(BENCH_BIN)/go_bench_client $(BENCH_PY_GEN)

.PHONY: bench bench-smoke bench-bins bench-lwg-bins bench-deps
bench-deps:
	@bench/deps.sh
bench-lwg-bins: $(BENCH_LWG_BINS)
bench-bins: $(BENCH_LWG_BINS) $(BENCH_PEER_BINS)
# The full run rebuilds lwgrpc's objects from scratch, so the figures are
# those of the sources as they are now, whatever was built before.
bench: bench-deps
	rm -rf $(BENCH_OBJ)
	@$(MAKE) --no-print-directory -j2 bench-bins
	@/usr/bin/python3 bench/run.py
bench-smoke:
	@bench/deps.sh smoke
	@$(MAKE) --no-print-directory -j2 $(BENCH_LWG_BINS) $(BENCH_PY_GEN)
	@/usr/bin/python3 bench/run.py --smoke
