# peer_env.sh: what compare.sh and walk_compare.sh share, sourced by both:
# the PyTorch peer's install, its fair environment and the machine line.
#
# Fair peer: Debian's python3-torch (1.13) on OpenBLAS (pthread build), run
# by /usr/bin/python3 with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (so
# OpenBLAS picks its own kernels and cache sizes for this CPU) and glibc kept
# from returning freed memory to the OS (torch allocates per op; unmapping
# and re-faulting pages is costly on these machines). Where the CPU has
# AVX-512 (F, BW, DQ, VL) torch runs its AVX-512 elementwise kernels
# (ATEN_CPU_CAPABILITY=avx512: torch 1.13 picks AVX2 by default, and its
# GELU and softmax run about 1.7x slower so); PEER_CAPABILITY overrides
# (empty: torch's default).

# peer_install installs the peer's packages when missing (as root or sudo).
peer_install() {
	if /usr/bin/python3 -c 'import torch' 2>/dev/null && [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
		return
	fi
	echo "$(basename "$0"): installing python3-torch and libopenblas0-pthread" >&2
	local sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update >/dev/null
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y python3-torch libopenblas0-pthread >/dev/null
}

if [ -z "${PEER_CAPABILITY+set}" ]; then
	PEER_CAPABILITY=
	_flags=$(grep -m1 '^flags' /proc/cpuinfo)
	if [[ $_flags == *avx512f* && $_flags == *avx512bw* && $_flags == *avx512dq* && $_flags == *avx512vl* ]]; then
		PEER_CAPABILITY=avx512
	fi
fi

# peer_python OPENBLAS_THREADS SCRIPT ARGS... runs a peer script in the fair
# environment.
peer_python() {
	local ob=$1
	shift
	local capenv=()
	[ -n "$PEER_CAPABILITY" ] && capenv=(ATEN_CPU_CAPABILITY="$PEER_CAPABILITY")
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
		GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736 \
		"${capenv[@]}" OPENBLAS_NUM_THREADS="$ob" \
		/usr/bin/python3 "$@"
}

# machine_line prints the CPU, its cores and the load, for the record.
machine_line() {
	echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
}
