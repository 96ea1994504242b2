# The guest's side of a graceful stop, shared by the test image's /init and the postgres image's
# init (both source it; busybox ash). vmmd stops a VM by pressing the ACPI power button (QMP
# system_powerdown) and waits up to spec.terminationGracePeriodSeconds for QEMU to exit. The
# kernel's ACPI button driver (button.ko) turns the press into a KEY_POWER input event, evdev.ko
# makes it readable from /dev/input/event<N>; nothing else (acpid, systemd-logind) runs here.
#   watch_power_button HANDLER   starts one background reader per "Power Button" input device;
#                                the first press runs HANDLER (a shell function), once
#   power_off                    syncs, unmounts what it can (read-only where busy) and powers
#                                off at once: PID 1 is a shell, so poweroff must not signal it
# Console lines: "vmflex-guest: power button watched on <dev>", "vmflex-guest: power button pressed",
# "vmflex-guest: powering off". BB names the busybox binary (default: busybox on PATH).

watch_power_button() {
    handler=$1
    watched=0
    for ev in /sys/class/input/event*; do
        [ -r "$ev/device/name" ] || continue
        read -r devname < "$ev/device/name"
        [ "$devname" = "Power Button" ] || continue
        dev=/dev/input/${ev##*/}
        [ -c "$dev" ] || continue
        (
            # One input_event is 24 bytes on x86_64; the first one is the press.
            ${BB:-busybox} dd if="$dev" of=/dev/null bs=24 count=1 2>/dev/null || exit 0
            # Several devices may report the same press: only the first reader acts.
            mkdir /run/vmflex-power-button 2>/dev/null || exit 0
            echo "vmflex-guest: power button pressed"
            "$handler"
        ) </dev/null &
        echo $! >> /run/vmflex-power-button.pids
        echo "vmflex-guest: power button watched on $dev"
        watched=$((watched + 1))
    done
    [ $watched -gt 0 ] || echo "vmflex-guest: warning: no power button input device; a stop will wait out the grace period"
}

power_off() {
    echo "vmflex-guest: powering off"
    sync
    # Reverse mount order; a busy filesystem is remounted read-only instead.
    ${BB:-busybox} umount -a -r 2>/dev/null
    sync
    ${BB:-busybox} poweroff -f
}
