# Prints the kernel modules named in `want` (space-separated, '-' or '_') with all their
# dependencies, from modules.dep, in load order: dependencies first, each module once.
# modules.dep lines: "kernel/path/m.ko: kernel/path/dep1.ko kernel/path/dep2.ko"
# Usage: awk -v want="virtio_pci virtio_blk" -f modules-load-order.awk .../modules.dep
{ sub(/:$/, "", $1); file = $1; deps[file] = ""
  for (i = 2; i <= NF; i++) deps[file] = deps[file] " " $i
  base = file; sub(/.*\//, "", base); sub(/\.ko(\.[a-z]+)?$/, "", base)
  gsub(/-/, "_", base); byname[base] = file }
function visit(f,   n, i, d) {
    if (f in seen) return
    seen[f] = 1
    n = split(deps[f], d, " ")
    # modules.dep lists deps deepest-last: visit in reverse so leaves load first.
    for (i = n; i >= 1; i--) visit(d[i])
    print f
}
END {
    n = split(want, w, " ")
    for (i = 1; i <= n; i++) {
        if (!(w[i] in byname)) { print "missing module " w[i] > "/dev/stderr"; exit 1 }
        visit(byname[w[i]])
    }
}
