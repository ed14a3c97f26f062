# Sourced by the layers' install.sh scripts (bash): `layer_main "STEP..." "$@"` reads the common
# arguments FOLDER MODE [STEP...] into $ctx, $mode and $user (CLOUDTIK_NODE_USER, default ubuntu)
# and runs the function step_<name> of each step asked for (default: all of them, in order),
# printing `cloudtik-step-done NAME MS` after each.
# The base layer installs this file into /usr/local/libexec/cloudtik/ for the layers above it.
layer_main() {
    local all=$1 step
    shift
    ctx=${1:?usage: install.sh FOLDER MODE [STEP...]}
    mode=${2:?usage: install.sh FOLDER MODE [STEP...]}
    shift 2
    user=${CLOUDTIK_NODE_USER:-ubuntu}
    [ "$mode" = image ] || [ "$mode" = host ] || { echo "install.sh: MODE must be image or host" >&2; exit 2; }
    # shellcheck disable=SC2086
    [ $# -gt 0 ] || set -- $all
    for step in "$@"; do
        case " $all " in *" $step "*) ;; *) echo "install.sh: unknown step $step (steps: $all)" >&2; exit 2 ;; esac
    done
    local t0
    for step in "$@"; do
        t0=$(date +%s%N)
        "step_$step"
        # A line `cloudtik` reads as the step's progress and time on bare hosts (src/core/host/install.ts).
        echo "cloudtik-step-done $step $((($(date +%s%N) - t0) / 1000000))"
    done
}

# Stop and disable services a package just installed: cloudtik starts them, never the system.
disable_services() {
    if [ "$mode" = host ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        systemctl disable --now "$@" >/dev/null 2>&1 || true
    fi
}

# Whether the install is for a node that may run head-only services (the state store, the
# Prometheus server): every image is, a bare host when CLOUDTIK_NODE_KIND is not `worker`.
for_head() {
    [ "$mode" = image ] || [ "${CLOUDTIK_NODE_KIND:-head}" != worker ]
}

# The modification time host installs give the jars they copy (2000-01-01 UTC), the same on every host.
JAR_TIME=946684800
