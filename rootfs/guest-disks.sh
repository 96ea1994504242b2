# The guest's data disks (spec.disks), shared by the test image's /init and the postgres image's init
# (both source it; busybox ash or dash). The daemon passes them on the kernel command line as
# vmflex.disks=<base64 of one line per mount>:
#   disk <virtio serial> <mount options> <mount path>    an emptyDisk: ext4, made by the daemon
#   tmpfs <size in bytes> <mount path>
#   swap <virtio serial>                                  spec.guest.settings.swap: a blank disk the
#                                                         init formats (mkswap) and enables at every boot
# The path comes last and may hold spaces. A disk is found by its serial (/sys/block/vdX/serial),
# not by its order. One console line per mount:
#   vmflex-guest: disk <serial> on <path>   |   vmflex-guest: tmpfs on <path>
#   vmflex-guest: cannot mount <what> on <path>
#   vmflex-guest: swap <serial> on <device>   |   vmflex-guest: cannot enable swap <serial>
# mount_data_disks returns once every disk is mounted or given up on.

# Sets DATA_DISK_DEV to the block device whose virtio serial is $1; waits up to 10 s for it to appear.
data_disk_device() {
    DATA_DISK_DEV=
    tries=0
    while [ $tries -lt 100 ]; do
        for s in /sys/block/vd*/serial; do
            [ -r "$s" ] || continue
            if [ "$(cat "$s")" = "$1" ]; then
                d=${s%/serial}
                DATA_DISK_DEV=/dev/${d##*/}
                return 0
            fi
        done
        sleep 0.1
        tries=$((tries + 1))
    done
    return 1
}

mount_data_disks() {
    disks_arg=
    for arg in $(cat /proc/cmdline); do
        case $arg in vmflex.disks=*) disks_arg=${arg#vmflex.disks=} ;; esac
    done
    [ -n "$disks_arg" ] || return 0
    mkdir -p /run/vmflex
    if ! echo "$disks_arg" | base64 -d > /run/vmflex/disks 2>/dev/null; then
        echo "vmflex-guest: vmflex.disks is not valid base64, no data disks mounted"
        return 0
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        kind=${line%% *}
        rest=${line#* }
        case $kind in
            disk)
                serial=${rest%% *}
                rest=${rest#* }
                opts=${rest%% *}
                path=${rest#* }
                if data_disk_device "$serial" && mkdir -p "$path" \
                    && mount -t ext4 -o "$opts" "$DATA_DISK_DEV" "$path"; then
                    echo "vmflex-guest: disk $serial on $path"
                else
                    echo "vmflex-guest: cannot mount disk $serial on $path"
                fi
                ;;
            swap)
                # Discard: swap pages the guest frees go back to the host (the drive has discard=unmap).
                if data_disk_device "$rest" && mkswap "$DATA_DISK_DEV" >/dev/null 2>&1 \
                    && { swapon -d "$DATA_DISK_DEV" 2>/dev/null || swapon "$DATA_DISK_DEV"; }; then
                    echo "vmflex-guest: swap $rest on $DATA_DISK_DEV"
                else
                    echo "vmflex-guest: cannot enable swap $rest"
                fi
                ;;
            tmpfs)
                size=${rest%% *}
                path=${rest#* }
                if mkdir -p "$path" && mount -t tmpfs -o "size=$size,mode=0755" tmpfs "$path"; then
                    echo "vmflex-guest: tmpfs on $path"
                else
                    echo "vmflex-guest: cannot mount tmpfs on $path"
                fi
                ;;
        esac
    done < /run/vmflex/disks
}
