# spec.enableSSH in the guest, shared by the test image's /init and the postgres image's init (both
# source it; busybox ash). vmmd passes the VM's public key as vmflex.ssh=<base64 ed25519 key blob> on
# the kernel command line (only with enableSSH); without it nothing here runs. sshd and ssh-keygen are
# Debian's (openssh-server, openssh-client), bundled with the libraries they need outside glibc on the
# monitor disk: /opt/vmflex-monitor/ssh/{sshd,ssh-keygen,lib/,glibc-extra/}. The guest makes its host
# key at each boot (/run is a tmpfs); root logs in with the VM's key only, no password. sshd logs to
# /run/vmflex-ssh/sshd.log.
# Console: "vmflex-guest: sshd listening on port 22" | "vmflex-guest: sshd did not start" |
#          "vmflex-guest: no sshd in this image, SSH disabled".
# SSH_LIBS: the library path the bundle runs with (the image knows where its glibc is).

start_sshd() {
    key=
    for arg in $(cat /proc/cmdline); do
        case $arg in vmflex.ssh=*) key=${arg#vmflex.ssh=} ;; esac
    done
    [ -n "$key" ] || return 0
    case $key in
        *[!A-Za-z0-9+/=]*) echo "vmflex-guest: vmflex.ssh is not a base64 key, SSH disabled"; return 0 ;;
    esac
    bundle=/opt/vmflex-monitor/ssh
    if [ ! -x "$bundle/sshd" ]; then
        echo "vmflex-guest: no sshd in this image, SSH disabled"
        return 0
    fi
    mkdir -p -m 0700 /run/vmflex-ssh
    # sshd's privilege separation directory (Debian's build): root's, not writable by others.
    mkdir -p -m 0755 /run/sshd
    echo "ssh-ed25519 $key vmflex" > /run/vmflex-ssh/authorized_keys
    chmod 0600 /run/vmflex-ssh/authorized_keys
    rm -f /run/vmflex-ssh/host_ed25519_key /run/vmflex-ssh/host_ed25519_key.pub
    # -f /dev/null: OpenSSH's compiled-in defaults (no PAM), then only what is named here.
    if LD_LIBRARY_PATH=$SSH_LIBS "$bundle/ssh-keygen" -q -t ed25519 -N "" -f /run/vmflex-ssh/host_ed25519_key \
            >/dev/null 2>&1 \
        && LD_LIBRARY_PATH=$SSH_LIBS "$bundle/sshd" -f /dev/null -h /run/vmflex-ssh/host_ed25519_key \
            -o AuthorizedKeysFile=/run/vmflex-ssh/authorized_keys -o PermitRootLogin=prohibit-password \
            -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
            -o PidFile=/run/vmflex-ssh/sshd.pid -E /run/vmflex-ssh/sshd.log; then
        echo "vmflex-guest: sshd listening on port 22"
    else
        echo "vmflex-guest: sshd did not start"
    fi
}
