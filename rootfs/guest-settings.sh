# spec.guest.settings applied by the guest's init before its workload starts, shared by the test
# image's /init and the postgres image's init (both source it; busybox ash). vmmd passes the sysctl
# lines as vmflex.sysctl=<base64 of "name = value" lines> on the kernel command line (validated at
# apply: name = value, no ".." in the name). Console: "vmflex-guest: sysctl <name> = <value>" per
# line applied, "vmflex-guest: sysctl failed: <line>" per line the kernel refused.
# BB names the busybox binary (default: busybox on PATH).

apply_sysctl() {
    for arg in $(cat /proc/cmdline); do
        case $arg in
            vmflex.sysctl=*)
                echo "${arg#vmflex.sysctl=}" | ${BB:-busybox} base64 -d > /run/vmflex.sysctl 2>/dev/null \
                    || { echo "vmflex-guest: vmflex.sysctl is not valid base64, ignored"; return 0; }
                ;;
        esac
    done
    [ -s /run/vmflex.sysctl ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        [ -n "$line" ] || continue
        name=${line%%=*}
        value=${line#*=}
        # Trim the blanks around '=' (sysctl.conf style); the value's inner blanks stay.
        name=$(echo "$name" | ${BB:-busybox} sed 's/[[:space:]]*$//')
        value=$(echo "$value" | ${BB:-busybox} sed 's/^[[:space:]]*//')
        if ${BB:-busybox} sysctl -w "$name=$value" >/dev/null 2>&1; then
            echo "vmflex-guest: sysctl $name = $value"
        else
            echo "vmflex-guest: sysctl failed: $line"
        fi
    done < /run/vmflex.sysctl
}
