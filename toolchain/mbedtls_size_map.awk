# toolchain/mbedtls_size_map.awk - from a GNU ld map file, the bytes of
# flash (.text, .rodata, .data input sections kept by the link) that come
# from lwgrpc's TLS objects (liblwgrpc.a(lwg_tls*.o)) and from mbedTLS
# (libmbedtls_lwg.a), and the largest mbedTLS objects.  Used by
# `make tls-size` (toolchain/mbedtls.mk).
function add(sec, size, file,   m) {
    if (sec !~ /^\.(text|rodata|data)/)
        return
    size = strtonum_hex(size)
    if (file ~ /liblwgrpc\.a\(lwg_tls[a-z_]*\.o\)/) {
        tls += size
    } else if (file ~ /libmbedtls_lwg\.a\(/) {
        mbed += size
        m = file
        sub(/^.*\(/, "", m)
        sub(/\)$/, "", m)
        per[m] += size
    }
}
function strtonum_hex(s,   i, c, v) {
    v = 0
    s = tolower(s)
    sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1)) - 1
        v = v * 16 + c
    }
    return v
}
/^Linker script and memory map/ { inmap = 1; next }
!inmap { next }
# " .text.name  0xADDR  0xSIZE  file" or the name alone, the rest next line
/^ \.[a-zA-Z_.]/ {
    if (NF >= 4) { add($1, $3, $4); pending = "" }
    else if (NF == 1) pending = $1
    next
}
pending != "" && /^[ \t]+0x/ {
    if (NF >= 3) add(pending, $2, $3)
    pending = ""
    next
}
{ pending = "" }
END {
    printf "  flash lwg_tls*.o %6d bytes, mbedTLS objects %6d bytes\n", tls, mbed
    n = 0
    for (m in per) { names[++n] = m }
    # largest first (simple selection sort; a few dozen objects)
    for (i = 1; i <= n; i++)
        for (j = i + 1; j <= n; j++)
            if (per[names[j]] > per[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
    line = "  largest:"
    for (i = 1; i <= n && i <= 8; i++)
        line = line sprintf(" %s %d,", names[i], per[names[i]])
    sub(/,$/, "", line)
    print line
}
