# bench/render.awk - turn a benchmark's CSV rows into a terminal table, Markdown or SVG.
#
# Usage: awk -v fmt=text|md|svg -v name=NAME -v machine="..." -v runs=N -f render.awk DATA
#
# DATA is what bench/NAME/run.sh printed, once per repetition, concatenated:
#   # title: what the benchmark shows          (the first of each key counts)
#   # unit: s                                  (unit of the values)
#   # better: lower                            (or higher: which way is good)
#   # note: a sentence for the reader          (any number; repeats are dropped)
#   group,variant,value                        (one row per measurement)
# For every (group, variant) it prints the median and the min-max of the values; the first
# variant of a group is its baseline, and "vs" is how many times better each one is.
# Bars are scaled within each group: in the text table to the largest median of the group,
# in the SVG to the largest max of the group (so every min-max line fits).
# Plain POSIX awk (mawk, gawk, busybox): no plotting tool, no extension.

BEGIN { FS = ","; ng = 0; nnotes = 0; better = "lower"; unit = ""; title = name }

/^# [a-z]+: / {
    key = $0; sub(/^# /, "", key); sub(/:.*/, "", key)
    val = $0; sub(/^# [a-z]+: /, "", val)
    if (key == "note") {
        if (!(val in seen_note)) { seen_note[val] = 1; notes[++nnotes] = val }
    } else if (!(key in meta)) {
        meta[key] = val
    }
    next
}
/^#/ || /^[ \t]*$/ { next }
NF != 3 || $3 !~ /^[0-9.eE+-]+$/ { printf "render.awk: bad row %d: %s\n", NR, $0 > "/dev/stderr"; bad = 1; exit 1 }
{
    g = $1; v = $2
    if (!(g in gidx)) { gidx[g] = ++ng; gname[ng] = g; nv[ng] = 0 }
    gi = gidx[g]
    if (!((gi, v) in vidx)) { vidx[gi, v] = ++nv[gi]; vname[gi, nv[gi]] = v; n[gi, nv[gi]] = 0 }
    vi = vidx[gi, v]
    vals[gi, vi, ++n[gi, vi]] = $3 + 0
}

# Numbers with about three significant digits: 0.672, 12.3, 187
function num(x) {
    if (x >= 100) return sprintf("%.0f", x)
    if (x >= 10) return sprintf("%.1f", x)
    if (x >= 1) return sprintf("%.2f", x)
    return sprintf("%.3f", x)
}
function xml(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s)
    return s
}
function bar(len,   s) { s = ""; while (len-- > 0) s = s "#"; return s }

# Sort vals[gi, vi, 1..k] (insertion sort: a handful of values), then fill med/lo/hi.
function stats(gi, vi,   k, i, j, t) {
    k = n[gi, vi]
    for (i = 2; i <= k; i++) {
        t = vals[gi, vi, i]
        for (j = i - 1; j >= 1 && vals[gi, vi, j] > t; j--) vals[gi, vi, j + 1] = vals[gi, vi, j]
        vals[gi, vi, j + 1] = t
    }
    lo[gi, vi] = vals[gi, vi, 1]; hi[gi, vi] = vals[gi, vi, k]
    med[gi, vi] = (k % 2) ? vals[gi, vi, (k + 1) / 2] : (vals[gi, vi, k / 2] + vals[gi, vi, k / 2 + 1]) / 2
}
function ratio(gi, vi) {
    if (med[gi, vi] == 0 || med[gi, 1] == 0) return "-"
    return sprintf("%.2fx", better == "higher" ? med[gi, vi] / med[gi, 1] : med[gi, 1] / med[gi, vi])
}

END {
    if (bad) exit 1
    if (ng == 0) { print "render.awk: no data rows" > "/dev/stderr"; exit 1 }
    if ("title" in meta) title = meta["title"]
    if ("unit" in meta) unit = meta["unit"]
    if ("better" in meta) better = meta["better"]
    for (gi = 1; gi <= ng; gi++) {
        gmax[gi] = gtop[gi] = 0
        for (vi = 1; vi <= nv[gi]; vi++) {
            stats(gi, vi)
            if (med[gi, vi] > gmax[gi]) gmax[gi] = med[gi, vi]
            if (hi[gi, vi] > gtop[gi]) gtop[gi] = hi[gi, vi]
        }
    }
    if (fmt == "text") text(); else if (fmt == "md") md(); else if (fmt == "svg") svg()
    else { print "render.awk: fmt must be text, md or svg" > "/dev/stderr"; exit 1 }
}

function text(   gi, vi, w) {
    printf "== %s: %s\n", name, title
    printf "%s; %d run%s each, %s is better\n", machine, runs, runs == 1 ? "" : "s", better
    for (gi = 1; gi <= ng; gi++) {
        printf "%-18s %10s %17s  %s\n", gname[gi], "median " unit, "min-max", "vs " vname[gi, 1]
        for (vi = 1; vi <= nv[gi]; vi++) {
            w = gmax[gi] > 0 ? int(30 * med[gi, vi] / gmax[gi] + 0.5) : 0
            printf "  %-16s %10s %17s  %8s  %s\n", vname[gi, vi], num(med[gi, vi]),
                num(lo[gi, vi]) "-" num(hi[gi, vi]), ratio(gi, vi), bar(w)
        }
    }
    for (i = 1; i <= nnotes; i++) printf "note: %s\n", notes[i]
}

function md(   gi, vi, i) {
    printf "# Benchmark %s: %s\n\n", name, title
    printf "Machine: %s. Each value is the median of %d run%s, with the min-max beside it; ", machine, runs, runs == 1 ? "" : "s"
    printf "%s is better. \"vs\" compares the median with the first row of its group.\n\n", better
    for (gi = 1; gi <= ng; gi++) {
        printf "| %s | median (%s) | min-max (%s) | vs %s |\n", gname[gi], unit, unit, vname[gi, 1]
        printf "|---|---:|---:|---:|\n"
        for (vi = 1; vi <= nv[gi]; vi++)
            printf "| %s | %s | %s-%s | %s |\n", vname[gi, vi], num(med[gi, vi]), num(lo[gi, vi]), num(hi[gi, vi]), ratio(gi, vi)
        printf "\n"
    }
    for (i = 1; i <= nnotes; i++) printf "- %s\n", notes[i]
    if (nnotes) printf "\n"
    printf "![%s](%s.svg)\n", xml(name), name
}

function svg(   W, left, right, bh, gap, y, gi, vi, h, scale, c, i, rows, nm, mline) {
    W = 760; left = 170; right = 150; bh = 18; gap = 6
    rows = 0
    for (gi = 1; gi <= ng; gi++) rows += nv[gi]
    nm = split(machine, mline, "; ") # the stamp is too long for one line of the chart
    h = 54 + 16 * nm + ng * 30 + rows * (bh + gap) + 20 * nnotes + 20
    split("#4e79a7 #f28e2b #59a14f #e15759 #76b7b2 #edc948 #b07aa1 #9c755f", c, " ")
    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, h, W, h
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s: %s</text>\n", xml(name), xml(title)
    y = 22
    for (i = 1; i <= nm; i++) { y += 16; printf "<text x=\"10\" y=\"%d\" fill=\"#555\">%s</text>\n", y, xml(mline[i]) }
    y += 16
    printf "<text x=\"10\" y=\"%d\" fill=\"#555\">bar: median of %d run%s (%s, %s is better); line: min-max; bars scaled within each group</text>\n", y, runs, runs == 1 ? "" : "s", xml(unit), better
    y += 8
    for (gi = 1; gi <= ng; gi++) {
        y += 22
        printf "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>\n", y, xml(gname[gi])
        y += 8
        scale = gtop[gi] > 0 ? (W - left - right) / gtop[gi] : 0 # the longest line fits
        for (vi = 1; vi <= nv[gi]; vi++) {
            printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8, y + 13, xml(vname[gi, vi])
            printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", left, y, scale * med[gi, vi], bh, c[(vi - 1) % 8 + 1]
            printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-width=\"1.5\"/>\n", left + scale * lo[gi, vi], y + bh / 2, left + scale * hi[gi, vi], y + bh / 2
            printf "<text x=\"%.1f\" y=\"%d\">%s %s (%s)</text>\n", left + scale * hi[gi, vi] + 6, y + 13, num(med[gi, vi]), xml(unit), ratio(gi, vi)
            y += bh + gap
        }
    }
    y += 10
    for (i = 1; i <= nnotes; i++) { y += 16; printf "<text x=\"10\" y=\"%d\" fill=\"#555\">%s</text>\n", y, xml(notes[i]) }
    printf "</svg>\n"
}
