#!/usr/bin/env bash
# bench/ipc/run.sh - one run of the IPC bandwidth benchmark, as CSV rows for bench/run.sh:
# ipc_bench moves data from a child to its parent through each mechanism (pipe, socketpair,
# mqueue, shm, tcp, udp) next to a memcpy of the same bytes (each group's baseline: "vs" is
# the ratio to memcpy), for messages of 64 B, 4 KiB and 64 KiB, with the two processes on
# one CPU and on two. Then the reference: the classic pipe bandwidth measurement,
# `dd if=/dev/zero bs=64k | dd of=/dev/null bs=64k` with each dd pinned (taskset), against
# ipc_bench's pipe at 64 KiB with the same placement. MB/s. BENCH_QUICK=1: tiny sizes.
# The latency half is bench/ipc-lat. See bench/ipc/README.md.
set -euo pipefail
prog=${BIN:?BIN must be set (bench/run.sh sets it)}/bench/ipc/ipc_bench
[[ -x $prog ]] || { echo "bench/ipc: $prog is missing: run make first" >&2; exit 1; }
sizes=(64 4096 65536)
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    mib=(1 1 1)
    ref_mib=4
else
    mib=(4 128 512) # MiB per measurement, for each message size
    ref_mib=512
fi
places=("0,0")
(($(getconf _NPROCESSORS_ONLN) >= 2)) && places+=("0,1")

echo "# title: IPC bandwidth between two pinned processes, vs memcpy of the same bytes"
echo "# unit: MB/s"
echo "# better: higher"
echo "# note: MiB moved per measurement: 64 B messages ${mib[0]}, 4 KiB ${mib[1]}, 64 KiB ${mib[2]}; same CPU = both processes on CPU 0, 2 CPUs = parent on CPU 0, child on CPU 1"
echo "# note: shm: a 1 MiB ring of slots in POSIX shared memory, handed over with two process-shared semaphores; the receiver copies each message out, as read() would; pipes and sockets keep their default buffers (a pipe: 64 KiB)"
echo "# note: reference: dd if=/dev/zero bs=64k | dd of=/dev/null bs=64k (each dd pinned with taskset), $ref_mib MiB, against ipc_bench's pipe at 64 KiB"
# Warm up: the first CPU-heavy second after idle runs slower (the CPUs' clocks ramp up).
"$prog" -C -s 65536 -t "${mib[2]}" -c 0,0 memcpy pipe >/dev/null
for i in "${!sizes[@]}"; do
    for place in "${places[@]}"; do
        "$prog" -C -s "${sizes[$i]}" -t "${mib[$i]}" -c "$place"
    done
done

# dd_mbs WRITER_CPU READER_CPU: the reading dd's bytes / seconds, in MB/s. The writer goes
# where ipc_bench's child (the sender) goes, the reader where its parent (the receiver) goes.
dd_mbs() {
    local line
    line=$(taskset -c "$1" dd if=/dev/zero bs=64k count=$((ref_mib * 16)) 2>/dev/null |
        taskset -c "$2" dd of=/dev/null bs=64k 2>&1 >/dev/null | grep ' copied, ') ||
        { echo "bench/ipc: dd failed" >&2; return 1; }
    # "536870912 bytes (537 MB, 512 MiB) copied, 0.151 s, 3.6 GB/s"
    awk '{ for (i = 1; i <= NF; i++) if ($i == "s,") printf "%.3f\n", $1 / $(i - 1) / 1e6 }' <<<"$line"
}
if command -v taskset >/dev/null && command -v dd >/dev/null; then
    for place in "${places[@]}"; do
        if [[ $place == 0,0 ]]; then label="same CPU"; else label="2 CPUs"; fi
        dd_mbs "${place#*,}" "${place%,*}" >/dev/null # warm-up
        echo "reference $label,dd | dd 64 KiB,$(dd_mbs "${place#*,}" "${place%,*}")"
        "$prog" -C -s 65536 -t "$ref_mib" -c "$place" pipe |
            sed "s/^64 KiB $label,pipe,/reference $label,ipc_bench pipe 64 KiB,/"
    done
else
    echo "# note: no reference rows: taskset (util-linux) or dd (coreutils) is missing"
fi
