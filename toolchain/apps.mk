# Programs built on the host runtime: generated nanopb code, the interop
# binaries (gRPC's interop test programs), examples.  Included by the
# top-level Makefile.
#
#   make interop   build/host/bin/interop_server, build/host/bin/interop_client
#
# The interop binaries are test programs: they are built with AddressSanitizer
# and UBSan so every run against a standard peer also checks memory safety.

GEN_C      := build/gen/c
PROTO_OPTS := $(wildcard proto/*/*.options proto/*/*/*.options proto/*/*/*/*.options)

# nanopb code for proto/<path>.proto -> build/gen/c/<path>.pb.{c,h}
$(GEN_C)/%.pb.c $(GEN_C)/%.pb.h &: proto/%.proto $(PROTO_OPTS)
	@mkdir -p $(GEN_C)
	protoc -Iproto --nanopb_opt=-Iproto --nanopb_out=$(GEN_C) $<

APP_BIN    := build/host/bin
APP_OBJ    := build/host/app
APP_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
APP_CFLAGS := -std=c11 -O1 -g $(APP_SAN) -Wall -Wextra -Wshadow -Werror -D_GNU_SOURCE \
              -I. -I$(GEN_C) -Iexamples/config/host
APP_RT_SRCS := $(wildcard port/*.c transport/*.c core/*.c port/posix/*.c)
APP_RT_OBJS := $(APP_RT_SRCS:%.c=$(APP_OBJ)/%.o)

$(APP_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_CFLAGS) -MMD -MP -c $< -o $@
$(APP_OBJ)/gen/%.o: $(GEN_C)/%.c
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_CFLAGS) -MMD -MP -c $< -o $@
-include $(APP_RT_OBJS:.o=.d) $(wildcard $(APP_OBJ)/tests/*/*.d $(APP_OBJ)/examples/*/*.d)

INTEROP_PROTOS := grpc/testing/empty grpc/testing/messages grpc/testing/test
INTEROP_GEN    := $(INTEROP_PROTOS:%=$(GEN_C)/%.pb.c)
INTEROP_OBJS   := $(INTEROP_PROTOS:%=$(APP_OBJ)/gen/%.pb.o) $(APP_OBJ)/tests/interop/interop_common.o

# generated headers must exist before the interop sources compile
INTEROP_SRC_OBJS := $(addprefix $(APP_OBJ)/tests/interop/,interop_common.o interop_server.o interop_client.o)
$(INTEROP_SRC_OBJS): $(INTEROP_GEN)

$(APP_BIN)/interop_server: $(APP_OBJ)/tests/interop/interop_server.o $(INTEROP_OBJS) $(APP_RT_OBJS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_SAN) $^ -lprotobuf-nanopb -o $@
$(APP_BIN)/interop_client: $(APP_OBJ)/tests/interop/interop_client.o $(INTEROP_OBJS) $(APP_RT_OBJS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $(APP_SAN) $^ -lprotobuf-nanopb -o $@

.PHONY: interop interop-bins
interop-bins: $(APP_BIN)/interop_server $(APP_BIN)/interop_client
interop: interop-bins
	tests/interop/run_matrix.py
