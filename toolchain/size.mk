# size rules: see toolchain/size.sh (written next)
