#!/usr/bin/env bash
# bench/ipc/run.sh - one run of the IPC bandwidth benchmark, as CSV rows for bench/run.sh:
# ipc_bench moves data from a child to its parent through each mechanism (pipe, socketpair,
# mqueue, shm, tcp, udp) next to a memcpy of the same bytes (each group's baseline: "vs" is
# the ratio to memcpy), for messages of 64 B, 4 KiB and 64 KiB, with the two processes on
# one CPU and on two. Then the reference: bench/ipc/pipe_ref, a pipe's writer that only
# writes one static 64 KiB buffer and a reader that only reads into one buffer (lmbench's
# bw_pipe), pinned the same way, against ipc_bench's pipe at 64 KiB (median of 3 each).
# MB/s. BENCH_QUICK=1: tiny sizes; BENCH_SCALE=class: about a tenth of the work.
# The latency half is bench/ipc-lat. See bench/ipc/README.md.
set -euo pipefail
prog=${BIN:?BIN must be set (bench/run.sh sets it)}/bench/ipc/ipc_bench
[[ -x $prog ]] || { echo "bench/ipc: $prog is missing: run make first" >&2; exit 1; }
ref=${BIN}/bench/ipc/pipe_ref
[[ -x $ref ]] || { echo "bench/ipc: $ref is missing: run make first" >&2; exit 1; }
sizes=(64 4096 65536)
reps=3 # reference: measurements per row (the median is the row)
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    mib=(1 1 1)
    ref_mib=4
    reps=1
elif [[ ${BENCH_SCALE:-} == class ]]; then
    mib=(1 16 64)
    ref_mib=256
else
    mib=(4 128 512) # MiB per measurement, for each message size
    ref_mib=1024
fi
places=("0,0")
(($(getconf _NPROCESSORS_ONLN) >= 2)) && places+=("0,1")

echo "# title: IPC bandwidth between two pinned processes, vs memcpy of the same bytes"
echo "# unit: MB/s"
echo "# better: higher"
echo "# note: MiB moved per measurement: 64 B messages ${mib[0]}, 4 KiB ${mib[1]}, 64 KiB ${mib[2]}; same CPU = both processes on CPU 0, 2 CPUs = parent on CPU 0, child on CPU 1"
echo "# note: shm: a 1 MiB ring of slots in POSIX shared memory, handed over with two process-shared semaphores; the receiver copies each message out, as read() would; pipes and sockets keep their default buffers (a pipe: 64 KiB)"
echo "# note: reference: pipe_ref (bench/ipc), a writer that only write()s one static 64 KiB buffer and a reader that only read()s into one buffer, pinned like ipc_bench's pipe; $ref_mib MiB, median of $reps, taken in turn with ipc_bench's pipe at 64 KiB"
echo "# note: why it is the limit: moving bytes through a pipe costs a write() that copies them into the pipe and a read() that copies them out, plus the wake-ups; pipe_ref does that and nothing else, so no pipe program can beat it - 1.00x means no overhead of our own"
# Warm up: the first CPU-heavy second after idle runs slower (the CPUs' clocks ramp up).
"$prog" -C -s 65536 -t "${mib[2]}" -c 0,0 memcpy pipe >/dev/null
for i in "${!sizes[@]}"; do
    for place in "${places[@]}"; do
        "$prog" -C -s "${sizes[$i]}" -t "${mib[$i]}" -c "$place"
    done
done

# The reference, pinned the same way: pipe_ref's reader is the parent (CPU A), its writer the
# child (CPU B). Each row is the median of $reps measurements, ours and the reference taken in
# turn (each first every other time), so that a passing disturbance hits both alike.
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for place in "${places[@]}"; do
    if [[ $place == 0,0 ]]; then label="same CPU"; else label="2 CPUs"; fi
    refs=() ours=()
    for ((k = 0; k < reps; k++)); do # in turn, each first every other time
        ((k % 2)) || refs+=("$("$ref" -C -t "$ref_mib" -c "$place")")
        ours+=("$("$prog" -C -s 65536 -t "$ref_mib" -c "$place" pipe | cut -d, -f3)")
        ((k % 2 == 0)) || refs+=("$("$ref" -C -t "$ref_mib" -c "$place")")
    done
    echo "reference $label,pipe_ref write+read,$(printf '%s\n' "${refs[@]}" | median)"
    echo "reference $label,ipc_bench pipe 64 KiB,$(printf '%s\n' "${ours[@]}" | median)"
done
