# Programs built on the host runtime: generated code (nanopb +
# protoc-gen-lwgrpc), the interop binaries (gRPC's interop test programs),
# the generator's end-to-end test, the examples and the demo.  Included by
# the top-level Makefile.
#
#   make interop        build/host/bin/interop_{server,client}, run the matrix
#   make examples       build/host/bin/{helloworld,route_guide}_{server,client}
#   make gen-e2e        build/host/bin/gen_e2e (tests/check_gen_e2e.sh runs it)
#   make demo           examples/demo.sh: the route guide against grpcio
#
# The interop binaries and gen_e2e are test programs: they are built with
# AddressSanitizer and UBSan so every run against a standard peer also
# checks memory safety.  The examples are normal -O2 programs.

# ---- generated code ----------------------------------------------------------
# A program lists its protos by path without ".proto", relative to the
# proto root (proto/, or tests/gen/ for the generator's own test protos).
# One protoc run turns <p>.proto into, under build/gen/c/:
#   <p>.pb.{c,h}          nanopb: the messages
#   <p>.lwgrpc.{c,h}      protoc-gen-lwgrpc: method descriptors, typed
#                         asynchronous clients, the server's handler table
#   <p>.lwgrpc_posix.h    typed blocking clients on the POSIX port
# Generated files are never committed.

GEN_C         := build/gen/c
LWGRPC_PLUGIN := proto/protoc-gen-lwgrpc
PROTO_ROOTS   := proto tests/gen
PROTO_ALL     := $(foreach r,$(PROTO_ROOTS),$(wildcard $(r)/*.proto $(r)/*/*.proto \
                   $(r)/*/*/*.proto $(r)/*/*/*/*.proto))
PROTO_OPTS    := $(PROTO_ALL:.proto=.options)
PROTO_OPTS    := $(wildcard $(PROTO_OPTS))
GEN_SUFFIXES  := .pb.c .pb.h .lwgrpc.c .lwgrpc.h .lwgrpc_posix.h

# $(call protoc_gen,ROOT,FILE.proto)
protoc_gen = protoc -I$(1) --plugin=protoc-gen-lwgrpc=$(LWGRPC_PLUGIN) \
             --nanopb_opt=-I$(1) --nanopb_out=$(GEN_C) \
             --lwgrpc_opt=-I$(1) --lwgrpc_out=$(GEN_C) $(2)
# $(call gen_files,PROTOS): every generated file of PROTOS
gen_files = $(foreach p,$(1),$(addprefix $(GEN_C)/$(p),$(GEN_SUFFIXES)))
# $(call gen_objs,PROTOS,OBJDIR): the objects of PROTOS' generated code
gen_objs  = $(foreach p,$(1),$(2)/gen/$(p).pb.o $(2)/gen/$(p).lwgrpc.o)

# (Any .proto or .options change regenerates: C names of imported types
# come from the imported file and its options.)
$(foreach s,$(GEN_SUFFIXES),$(GEN_C)/%$(s)) &: proto/%.proto $(PROTO_ALL) $(PROTO_OPTS) $(LWGRPC_PLUGIN)
	@mkdir -p $(GEN_C)
	$(call protoc_gen,proto,$<)
$(foreach s,$(GEN_SUFFIXES),$(GEN_C)/%$(s)) &: tests/gen/%.proto $(PROTO_ALL) $(PROTO_OPTS) $(LWGRPC_PLUGIN)
	@mkdir -p $(GEN_C)
	$(call protoc_gen,tests/gen,$<)

.PHONY: gen
gen: $(call gen_files,$(patsubst proto/%.proto,%,$(filter proto/%,$(PROTO_ALL))))

# ---- test programs (ASan + UBSan) --------------------------------------------
APP_BIN    := build/host/bin
APP_OBJ    := build/host/app
APP_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# TLS on (mbedTLS from Debian's source package, the same build as the TLS
# unit tests' "tls" flavour, toolchain/mbedtls_test.mk), with an arena big
# enough for an interop server's connections.
APP_TLS    := $(if $(MBEDTLS_SRC),$(filter-out -DLWG_TLS_ARENA_SIZE=%,$(TLS_TEST_BASE_DEFS)) \
                -DLWG_TLS_ARENA_SIZE=4194304 $(MBEDTLS_INC))
APP_TLS_LIB := $(if $(MBEDTLS_SRC),$(tls_MBED_LIB))
APP_CFLAGS := -std=c11 -O1 -g $(APP_SAN) -Wall -Wextra -Wshadow -Werror -D_GNU_SOURCE \
              -I. -I$(GEN_C) -Iexamples/config/host $(APP_TLS)
APP_RT_SRCS := $(wildcard port/*.c transport/*.c core/*.c port/posix/*.c)
APP_RT_OBJS := $(APP_RT_SRCS:%.c=$(APP_OBJ)/%.o)

# objects are rebuilt when the flags change (e.g. TLS on or off)
APP_FLAGS_FILE := $(APP_OBJ)/flags.txt
APP_FLAGS_NOW  := $(TEST_CC) $(APP_CFLAGS)
ifneq ($(filter-out clean distclean deps test print-%,$(or $(MAKECMDGOALS),all)),)
ifneq ($(APP_FLAGS_NOW),$(if $(wildcard $(APP_FLAGS_FILE)),$(file <$(APP_FLAGS_FILE))))
$(shell mkdir -p $(APP_OBJ))
$(file >$(APP_FLAGS_FILE),$(APP_FLAGS_NOW))
endif
endif

$(APP_OBJ)/%.o: %.c $(APP_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_CFLAGS) -MMD -MP -c $< -o $@
$(APP_OBJ)/gen/%.o: $(GEN_C)/%.c $(APP_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_CFLAGS) -MMD -MP -c $< -o $@
-include $(APP_RT_OBJS:.o=.d)

# interop: grpc.testing, from the generated stubs
INTEROP_PROTOS   := grpc/testing/empty grpc/testing/messages grpc/testing/test
INTEROP_OBJS     := $(call gen_objs,$(INTEROP_PROTOS),$(APP_OBJ)) \
                    $(APP_OBJ)/tests/interop/interop_common.o
INTEROP_SRC_OBJS := $(addprefix $(APP_OBJ)/tests/interop/,interop_common.o interop_server.o \
                      interop_client.o)
# generated headers must exist before the sources that include them compile
$(INTEROP_SRC_OBJS): $(call gen_files,$(INTEROP_PROTOS))
# every object's header dependencies (a core/ or transport/ struct that
# changes rebuilds the generated code that uses it)
-include $(INTEROP_SRC_OBJS:.o=.d) $(patsubst %.o,%.d,$(call gen_objs,$(INTEROP_PROTOS),$(APP_OBJ)))

$(APP_BIN)/interop_server: $(APP_OBJ)/tests/interop/interop_server.o $(INTEROP_OBJS) $(APP_RT_OBJS) $(APP_TLS_LIB)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_SAN) $^ -lprotobuf-nanopb -o $@
$(APP_BIN)/interop_client: $(APP_OBJ)/tests/interop/interop_client.o $(INTEROP_OBJS) $(APP_RT_OBJS) $(APP_TLS_LIB)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_SAN) $^ -lprotobuf-nanopb -o $@

.PHONY: interop interop-bins
interop-bins: $(APP_BIN)/interop_server $(APP_BIN)/interop_client
interop: interop-bins
	tests/interop/run_matrix.py

# gen_e2e: the generator's edge-case protos, a call of each kind
GEN_E2E_PROTOS := edge_common edge mangled
$(APP_OBJ)/tests/gen/gen_e2e.o: $(call gen_files,$(GEN_E2E_PROTOS))
-include $(APP_OBJ)/tests/gen/gen_e2e.d \
         $(patsubst %.o,%.d,$(call gen_objs,$(GEN_E2E_PROTOS),$(APP_OBJ)))
$(APP_BIN)/gen_e2e: $(APP_OBJ)/tests/gen/gen_e2e.o $(call gen_objs,$(GEN_E2E_PROTOS),$(APP_OBJ)) \
                    $(APP_RT_OBJS) $(APP_TLS_LIB)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_SAN) $^ -lprotobuf-nanopb -o $@
.PHONY: gen-e2e
gen-e2e: $(APP_BIN)/gen_e2e

# ---- unit tests on generated messages ----------------------------------------
# A unit test (toolchain/test.mk) that needs nanopb messages: test_pb
# (core/lwg_pb.h) on tests/gen/pbclear{,3}.proto.  The generated .pb.c is
# compiled as the unit tests are (build/test/<config>/obj/build/gen/c/).
TEST_PB_PROTOS := pbclear pbclear3
TEST_PB_OBJS   := $(foreach p,$(TEST_PB_PROTOS),$(TEST_BUILD)/obj/$(GEN_C)/$(p).pb.o)
$(TEST_BUILD)/obj/tests/unit/test_pb.o: $(call gen_files,$(TEST_PB_PROTOS))
$(TEST_BUILD)/obj/tests/unit/test_pb.o: TEST_CFLAGS += -I$(GEN_C)
$(TEST_BUILD)/bin/test_pb: $(TEST_PB_OBJS)
-include $(TEST_PB_OBJS:.o=.d)

# ---- examples (-O2, no sanitizers) -------------------------------------------
# Built with a device-sized sample config (examples/config/server: two
# connections of eight streams, 2 KiB messages) to show it is enough.
EX_CC      ?= gcc
EX_CONFIG  ?= server
EX_OBJ     := build/host/ex
EX_CFLAGS  := -std=c11 -O2 -g -Wall -Wextra -Wshadow -Werror -D_GNU_SOURCE \
              -I. -I$(GEN_C) -Iexamples/config/$(EX_CONFIG)
EX_RT_OBJS := $(APP_RT_SRCS:%.c=$(EX_OBJ)/%.o)

$(EX_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(EX_CC) $(EX_CFLAGS) -MMD -MP -c $< -o $@
$(EX_OBJ)/gen/%.o: $(GEN_C)/%.c
	@mkdir -p $(dir $@)
	$(EX_CC) $(EX_CFLAGS) -MMD -MP -c $< -o $@
-include $(EX_RT_OBJS:.o=.d)

HELLO_PROTOS := helloworld/helloworld
ROUTE_PROTOS := route_guide/route_guide
HELLO_SRCS   := examples/helloworld/greeter_server.c examples/helloworld/greeter_client.c
ROUTE_SRCS   := examples/route_guide/route_guide_server.c \
                examples/route_guide/route_guide_client.c examples/route_guide/route_guide_db.c
$(HELLO_SRCS:%.c=$(EX_OBJ)/%.o): $(call gen_files,$(HELLO_PROTOS))
$(ROUTE_SRCS:%.c=$(EX_OBJ)/%.o): $(call gen_files,$(ROUTE_PROTOS))
-include $(HELLO_SRCS:%.c=$(EX_OBJ)/%.d) $(ROUTE_SRCS:%.c=$(EX_OBJ)/%.d) \
         $(patsubst %.o,%.d,$(call gen_objs,$(HELLO_PROTOS) $(ROUTE_PROTOS),$(EX_OBJ)))

# $(call ex_link,OBJS...)
ex_link = @mkdir -p $(dir $@); $(EX_CC) $^ -lprotobuf-nanopb -lm -o $@

HELLO_DEPS := $(call gen_objs,$(HELLO_PROTOS),$(EX_OBJ)) $(EX_RT_OBJS)
ROUTE_DEPS := $(call gen_objs,$(ROUTE_PROTOS),$(EX_OBJ)) $(EX_OBJ)/examples/route_guide/route_guide_db.o \
              $(EX_RT_OBJS)
$(APP_BIN)/helloworld_server: $(EX_OBJ)/examples/helloworld/greeter_server.o $(HELLO_DEPS)
	$(ex_link)
$(APP_BIN)/helloworld_client: $(EX_OBJ)/examples/helloworld/greeter_client.o $(HELLO_DEPS)
	$(ex_link)
$(APP_BIN)/route_guide_server: $(EX_OBJ)/examples/route_guide/route_guide_server.o $(ROUTE_DEPS)
	$(ex_link)
$(APP_BIN)/route_guide_client: $(EX_OBJ)/examples/route_guide/route_guide_client.o $(ROUTE_DEPS)
	$(ex_link)

EXAMPLE_BINS := $(addprefix $(APP_BIN)/,helloworld_server helloworld_client \
                  route_guide_server route_guide_client)
.PHONY: examples
examples: $(EXAMPLE_BINS)

# The README's first command: see examples/demo.sh
demo:
	@examples/demo.sh
