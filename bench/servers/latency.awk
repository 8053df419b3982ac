# bench/servers/latency.awk - the p99 latency table of the servers benchmark.
#
# Usage: awk [-v p=50] -f bench/servers/latency.awk bench/results/servers.csv
#
# bench/servers/run.sh leaves, next to each requests/s row, a comment line
#     ## latency,GROUP,MODEL,P50,P99          (microseconds)
# which bench/render.awk ignores. This prints, as a Markdown table, the median p99 (with
# -v p=50: p50) of every (group, model) over the runs, with the min-max: a row per model,
# a column per group.
# Plain POSIX awk.

BEGIN {
    FS = ","; ng = 0; nm = 0
    if (p == "") p = 99
    if (p != 50 && p != 99) { print "latency.awk: p must be 50 or 99" > "/dev/stderr"; bad = 1; exit 2 }
    col = (p == 50) ? 4 : 5
}
/^## latency,/ {
    g = $2; m = $3
    if (!(g in gseen)) { gseen[g] = 1; gname[++ng] = g }
    if (!(m in mseen)) { mseen[m] = 1; mname[++nm] = m }
    v[g, m, ++k[g, m]] = $col + 0
}
# the median and min-max of v[g, m, 1..k], sorted in place (a handful of values)
function cell(g, m,   n, i, j, t, med) {
    n = k[g, m]
    if (n == 0) return "-"
    for (i = 2; i <= n; i++) {
        t = v[g, m, i]
        for (j = i - 1; j >= 1 && v[g, m, j] > t; j--) v[g, m, j + 1] = v[g, m, j]
        v[g, m, j + 1] = t
    }
    med = (n % 2) ? v[g, m, (n + 1) / 2] : (v[g, m, n / 2] + v[g, m, n / 2 + 1]) / 2
    if (n == 1) return fmt(med)
    return fmt(med) " (" fmt(v[g, m, 1]) "–" fmt(v[g, m, n]) ")"
}
# microseconds, or milliseconds from 10 ms on
function fmt(us) {
    if (us >= 10000) return sprintf("%.0f ms", us / 1000)
    if (us >= 1000) return sprintf("%.1f ms", us / 1000)
    return sprintf("%.0f µs", us)
}
END {
    if (bad) exit 2
    if (ng == 0) { print "latency.awk: no '## latency' lines in the input" > "/dev/stderr"; exit 1 }
    printf "| p%d latency |", p
    for (i = 1; i <= ng; i++) printf " %s |", gname[i]
    printf "\n|---|"
    for (i = 1; i <= ng; i++) printf "---:|"
    printf "\n"
    for (j = 1; j <= nm; j++) {
        printf "| %s |", mname[j]
        for (i = 1; i <= ng; i++) printf " %s |", cell(gname[i], mname[j])
        printf "\n"
    }
}
