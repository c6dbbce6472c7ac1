# Size rules.  Included by the top-level Makefile.
#
#   make size      for every cross target x sample config: link the minimal
#                  program toolchain/size_main.c against the runtime and an
#                  empty baseline, and write the flash/RAM table to
#                  build/size.md (toolchain/size.sh prints it too)
#
# size.sh calls `size-image` once per pair in a sub-make:
#   make TARGET=t CONFIG=c BUILD=build/cfg/t/c size-image
# which leaves in build/size/<t>/<c>/:
#   image.elf baseline.elf (+ .map)  the two linked programs
#   sizes.txt                        Berkeley `size` of image and baseline
#   lib.txt                          `size -t` total over the archive's objects
#   sizeof.txt                       `nm -S` of size_sizeof.o (struct sizes)
#   symbols.txt                      `nm` of image.elf (which entry points linked)

SIZE_TARGETS := $(CROSS_TARGETS)
# The host config is for Linux (tens of MB of message buffers); device
# images are measured with the device configs.
SIZE_CONFIGS := tiny-client server
SIZE_DIR     := build/size/$(TARGET)/$(CONFIG)
SIZE_CFLAGS  := $(ARCH_CFLAGS) $(OPT_CFLAGS) $(WARN_CFLAGS) \
                -I. -Iexamples/config/$(CONFIG) $(EXTRA_CFLAGS)
SIZE_LINK     = $(CC) $(ARCH_CFLAGS) $(1) $(RT_LIB) $(NANOPB_LIB) $(SIZE_LDFLAGS) \
                -Wl,-Map=$(2).map -o $(2)

.PHONY: size size-image
size:
	+@SIZE_TARGETS="$(SIZE_TARGETS)" SIZE_CONFIGS="$(SIZE_CONFIGS)" \
	    MAKE="$(MAKE)" toolchain/size.sh

# Always recompiled (three tiny files): what they include depends on which
# headers exist (__has_include), which dependency files cannot record.
.PHONY: size-force
$(SIZE_DIR)/client.o: toolchain/size_main.c size-force
	@mkdir -p $(dir $@)
	$(CC) $(SIZE_CFLAGS) -DLWG_SIZE_CLIENT -c $< -o $@
$(SIZE_DIR)/server.o: toolchain/size_main.c size-force
	@mkdir -p $(dir $@)
	$(CC) $(SIZE_CFLAGS) -DLWG_SIZE_SERVER -c $< -o $@
$(SIZE_DIR)/baseline.o: toolchain/size_main.c size-force
	@mkdir -p $(dir $@)
	$(CC) $(SIZE_CFLAGS) -c $< -o $@
$(SIZE_DIR)/sizeof.o: toolchain/size_sizeof.c size-force
	@mkdir -p $(dir $@)
	$(CC) $(SIZE_CFLAGS) -c $< -o $@

$(SIZE_DIR)/%.elf: $(SIZE_DIR)/%.o $(RT_LIB) $(NANOPB_LIB)
	$(call SIZE_LINK,$<,$@)

size-image: $(SIZE_DIR)/client.elf $(SIZE_DIR)/server.elf $(SIZE_DIR)/baseline.elf $(SIZE_DIR)/sizeof.o
	$(SIZE) $(SIZE_DIR)/client.elf $(SIZE_DIR)/server.elf $(SIZE_DIR)/baseline.elf >$(SIZE_DIR)/sizes.txt
	$(SIZE) -t $(RT_LIB) | tail -n 1 >$(SIZE_DIR)/lib.txt
	$(NM) -S $(SIZE_DIR)/sizeof.o >$(SIZE_DIR)/sizeof.txt
