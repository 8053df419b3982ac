# bench/render.awk - turn a benchmark's CSV rows into a terminal table, Markdown or SVG.
#
# Usage: awk -v fmt=text|md|svg|tsv -v name=NAME -v machine="..." -v runs=N -f render.awk DATA
#
# DATA is what bench/NAME/run.sh printed, once per repetition, concatenated:
#   # title: what the benchmark shows          (the first of each key counts)
#   # unit: s                                  (unit of the values)
#   # better: lower                            (or higher: which way is good)
#   # note: a sentence for the reader          (any number; repeats are dropped)
#   group,variant,value                        (one row per measurement)
#   group,variant,value,errors                 (the same, with its count of errors)
# For every (group, variant) it prints the median, the min-max and the spread of the values
# (the larger distance from the median to the min or the max, in % of the median); the
# first variant of a group is its baseline, and "vs" is how many times better each one is.
# errors (failed requests, timeouts, starved connections, lost messages: whatever the
# benchmark counts) is summed over the runs; the "errors" column appears when any row has
# the 4th field (a 3-field row counts 0), and a cell with errors > 0 is marked FAILED.
# Bars are scaled within each group: in the text table to the largest median of the group,
# in the SVG to the largest max of the group (so every min-max line fits). In the SVG each
# variant keeps one colour in every group (by order of first appearance), with a legend;
# the machine and date go in a footer; the width is computed from the text it holds and
# long lines are wrapped, so that nothing is cut off.
# Plain POSIX awk (mawk, gawk, busybox): no plotting tool, no extension.

BEGIN { FS = ","; ng = 0; nnotes = 0; nvg = 0; has_err = 0; better = "lower"; unit = ""; title = name }

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
(NF != 3 && NF != 4) || $3 !~ /^[0-9.eE+-]+$/ || (NF == 4 && $4 !~ /^[0-9]+$/) {
    printf "render.awk: bad row %d: %s\n", NR, $0 > "/dev/stderr"; bad = 1; exit 1
}
{
    g = $1; v = $2
    if (!(g in gidx)) { gidx[g] = ++ng; gname[ng] = g; nv[ng] = 0 }
    gi = gidx[g]
    if (!((gi, v) in vidx)) { vidx[gi, v] = ++nv[gi]; vname[gi, nv[gi]] = v; n[gi, nv[gi]] = 0; errs[gi, nv[gi]] = 0 }
    if (!(v in vcol)) { vcol[v] = ++nvg; vglob[nvg] = v }
    vi = vidx[gi, v]
    vals[gi, vi, ++n[gi, vi]] = $3 + 0
    if (NF == 4) { has_err = 1; errs[gi, vi] += $4 }
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
# The spread of a cell: the larger of max - median and median - min, in % of the median,
# after pm ("+-" or "±"); "-" for a single value (no spread to measure) or a zero median.
function spread(gi, vi, pm,   d, e, p) {
    if (n[gi, vi] < 2 || med[gi, vi] == 0) return "-"
    d = hi[gi, vi] - med[gi, vi]; e = med[gi, vi] - lo[gi, vi]
    if (e > d) d = e
    p = 100 * d / med[gi, vi]
    return pm sprintf(p < 9.95 ? "%.1f%%" : "%.0f%%", p)
}

END {
    if (bad) exit 1
    if (ng == 0) { print "render.awk: no data rows" > "/dev/stderr"; exit 1 }
    if ("title" in meta) title = meta["title"]
    if ("unit" in meta) unit = meta["unit"]
    if ("better" in meta) better = meta["better"]
    nfail = 0
    for (gi = 1; gi <= ng; gi++) {
        gmax[gi] = gtop[gi] = 0
        for (vi = 1; vi <= nv[gi]; vi++) {
            stats(gi, vi)
            if (med[gi, vi] > gmax[gi]) gmax[gi] = med[gi, vi]
            if (hi[gi, vi] > gtop[gi]) gtop[gi] = hi[gi, vi]
            if (errs[gi, vi] > 0) { nfail++; failg[nfail] = gi; failv[nfail] = vi }
        }
    }
    if (fmt == "text") text(); else if (fmt == "md") md(); else if (fmt == "svg") svg()
    else if (fmt == "tsv") tsv()
    else { print "render.awk: fmt must be text, md, svg or tsv" > "/dev/stderr"; exit 1 }
}

# tsv: one line per cell, for bench/compare.sh: group, variant, median, vs (unrounded, "-"
# where there is none), spread (as in the table), errors, the median as the table prints it;
# tab-separated.
function tsv(   gi, vi, r) {
    for (gi = 1; gi <= ng; gi++)
        for (vi = 1; vi <= nv[gi]; vi++) {
            r = "-"
            if (med[gi, vi] != 0 && med[gi, 1] != 0)
                r = better == "higher" ? med[gi, vi] / med[gi, 1] : med[gi, 1] / med[gi, vi]
            printf "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", gname[gi], vname[gi, vi], med[gi, vi],
                r, spread(gi, vi, ""), errs[gi, vi], num(med[gi, vi])
        }
}

function plural(k, word) { return k " " word (k == 1 ? "" : "s") }

function text(   gi, vi, w, i, vw, fg, fv) {
    printf "== %s: %s\n", name, title
    printf "%s; %s each, %s is better\n", machine, plural(runs, "run"), better
    # The name column: as wide as the longest variant or group (16 at least, groups 2 wider).
    vw = 16
    for (gi = 1; gi <= ng; gi++) for (vi = 1; vi <= nv[gi]; vi++) if (length(vname[gi, vi]) > vw) vw = length(vname[gi, vi])
    for (gi = 1; gi <= ng; gi++) if (length(gname[gi]) - 2 > vw) vw = length(gname[gi]) - 2
    fg = "%-" (vw + 2) "s"; fv = "  %-" vw "s"
    for (gi = 1; gi <= ng; gi++) {
        printf fg " %10s %17s %7s", gname[gi], "median " unit, "min-max", "spread"
        if (has_err) printf " %6s", "errors"
        printf "  %s\n", "vs " vname[gi, 1]
        for (vi = 1; vi <= nv[gi]; vi++) {
            w = gmax[gi] > 0 ? int(30 * med[gi, vi] / gmax[gi] + 0.5) : 0
            printf fv " %10s %17s %7s", vname[gi, vi], num(med[gi, vi]),
                num(lo[gi, vi]) "-" num(hi[gi, vi]), spread(gi, vi, "+-")
            if (has_err) printf " %6d", errs[gi, vi]
            printf "  %8s  %s", ratio(gi, vi), bar(w)
            if (errs[gi, vi] > 0) printf "  FAILED"
            printf "\n"
        }
    }
    for (i = 1; i <= nnotes; i++) printf "note: %s\n", notes[i]
    for (i = 1; i <= nfail; i++)
        printf "FAILED: %s / %s: %s over %s\n", gname[failg[i]], vname[failg[i], failv[i]],
            plural(errs[failg[i], failv[i]], "error"), plural(runs, "run")
}

function md(   gi, vi, i, e) {
    printf "# Benchmark %s: %s\n\n", name, title
    printf "Machine: %s. Each value is the median of %s, with the min-max beside it and the spread ", machine, plural(runs, "run")
    printf "(± the larger distance from the median to the min or the max, in %% of the median); "
    printf "%s is better. \"vs\" compares the median with the first row of its group.", better
    if (has_err) printf " \"errors\" counts the failed requests, timeouts, starved connections and lost messages of all the runs: a cell with errors is a failure, not a measurement."
    printf "\n\n"
    for (gi = 1; gi <= ng; gi++) {
        printf "| %s | median (%s) | min-max (%s) | spread |", gname[gi], unit, unit
        if (has_err) printf " errors |"
        printf " vs %s |\n", vname[gi, 1]
        printf "|---|---:|---:|---:|%s---:|\n", has_err ? "---:|" : ""
        for (vi = 1; vi <= nv[gi]; vi++) {
            e = errs[gi, vi]
            printf "| %s | %s | %s-%s | %s |", vname[gi, vi], num(med[gi, vi]), num(lo[gi, vi]), num(hi[gi, vi]), spread(gi, vi, "±")
            if (has_err) printf " %s |", (e > 0 ? "**" e " FAILED**" : "0")
            printf " %s |\n", ratio(gi, vi)
        }
        printf "\n"
    }
    for (i = 1; i <= nnotes; i++) printf "- %s\n", notes[i]
    if (nnotes) printf "\n"
    if (nfail) {
        printf "**FAILED**:"
        for (i = 1; i <= nfail; i++)
            printf "%s %s / %s (%s)", (i > 1 ? ";" : ""), gname[failg[i]], vname[failg[i], failv[i]], plural(errs[failg[i], failv[i]], "error")
        printf ".\n\n"
    }
    printf "![%s: a bar chart of the medians, group by group](%s.svg)\n", xml(name), name
}

# --- SVG ---------------------------------------------------------------------------------
# Text widths are estimated, never measured: CW times the font size per byte (a UTF-8
# character of two or three bytes counts two or three: wider than it is, which is safe),
# CWB for bold. Sans-serif fonts (DejaVu Sans, Liberation Sans, Arial) stay under these
# for the text charts carry; tests/bench.bats checks every <text> against the width with
# the same estimate.
function tw(s, size, bold) { return length(s) * size * (bold ? CWB : CW) }

# wrap(s, maxw, size, bold, out): split s at spaces into lines no wider than maxw (a word
# wider than maxw gets a line of its own); returns the number of lines, in out[1..].
function wrap(s, maxw, size, bold, out,   k, nw, words, i, line) {
    nw = split(s, words, " ")
    k = 0; line = ""
    for (i = 1; i <= nw; i++) {
        if (line != "" && tw(line " " words[i], size, bold) > maxw) { out[++k] = line; line = words[i] }
        else line = (line == "" ? "" : line " ") words[i]
    }
    if (line != "" || k == 0) out[++k] = line
    return k
}
function widest_word(s, size, bold,   nw, words, i, m) {
    nw = split(s, words, " "); m = 0
    for (i = 1; i <= nw; i++) if (tw(words[i], size, bold) > m) m = tw(words[i], size, bold)
    return m
}
function emit(s) { body[++nbody] = s }
# A block of wrapped text at x = PAD, one line every lh px from y (the global); returns nothing.
function para(s, size, bold, fill, lh,   k, i, ln, attrs) {
    k = wrap(s, W - 2 * PAD, size, bold, ln)
    attrs = (size != 12 ? " font-size=\"" size "\"" : "") (bold ? " font-weight=\"bold\"" : "") (fill != "" ? " fill=\"" fill "\"" : "")
    for (i = 1; i <= k; i++) { y += lh; emit(sprintf("<text x=\"%d\" y=\"%d\"%s>%s</text>", PAD, y, attrs, xml(ln[i]))) }
}
# The label beside a bar: median, spread, ratio, and "0 errors" when the benchmark counts
# them (a failed cell gets elabel, in red, after it).
function vlabel(gi, vi,   s) {
    s = spread(gi, vi, "±")
    return num(med[gi, vi]) " " unit (s == "-" ? "" : " " s) " (" ratio(gi, vi) ")" (has_err && errs[gi, vi] == 0 ? ", 0 errors" : "")
}
function elabel(gi, vi) { return errs[gi, vi] > 0 ? "FAILED: " plural(errs[gi, vi], "error") : "" }

function svg(   left, plotw, right, bh, gap, gi, vi, i, m, subt, nm, mline, lx, item, scale, x, col, fail) {
    CW = 0.62; CWB = 0.68; PAD = 12; FZ = 12
    bh = 18; gap = 6; plotw = 380
    split("#4e79a7 #f28e2b #59a14f #b07aa1 #76b7b2 #edc948 #9c755f #ff9da7 #bab0ac #e15759", col, " ")
    subt = "bar: median of " plural(runs, "run") " (" unit ", " better " is better); black line: min-max; ±: the spread, in % of the median; bars scaled within each group"
    if (has_err) subt = subt "; a red outline and FAILED: a cell with errors"
    nm = split(machine, mline, "; ")
    # The width: the widest variant name on the left, the bars, the widest value label (and
    # error label) on the right; at least 760 px, and at least the widest single word.
    m = 0
    for (gi = 1; gi <= ng; gi++) for (vi = 1; vi <= nv[gi]; vi++) if (tw(vname[gi, vi], FZ, 0) > m) m = tw(vname[gi, vi], FZ, 0)
    left = PAD + m + 10
    m = 0
    for (gi = 1; gi <= ng; gi++) for (vi = 1; vi <= nv[gi]; vi++) {
        x = tw(vlabel(gi, vi), FZ, 0)
        if (errs[gi, vi] > 0) x += 8 + tw(elabel(gi, vi), FZ, 1)
        if (x > m) m = x
    }
    right = 6 + m + PAD
    W = left + plotw + right
    if (W < 760) { plotw += 760 - W; W = 760 }
    m = widest_word(name ": " title, 14, 1)
    for (i = 1; i <= nnotes; i++) if (widest_word(notes[i], FZ, 0) > m) m = widest_word(notes[i], FZ, 0)
    for (i = 1; i <= nm; i++) if (widest_word(mline[i], 11, 0) > m) m = widest_word(mline[i], 11, 0)
    for (i = 1; i <= nvg; i++) if (16 + tw(vglob[i], FZ, 0) > m) m = 16 + tw(vglob[i], FZ, 0)
    for (gi = 1; gi <= ng; gi++) if (tw(gname[gi], FZ, 1) > m) m = tw(gname[gi], FZ, 1)
    if (m + 2 * PAD > W) { plotw += m + 2 * PAD - W; W = m + 2 * PAD }
    W = int(W + 0.999)

    nbody = 0; y = 4
    para(name ": " title, 14, 1, "", 18)
    para(subt, FZ, 0, "#555", 16)
    # The legend: one swatch per variant, in order of first appearance, wrapped.
    y += 22; lx = PAD
    for (i = 1; i <= nvg; i++) {
        item = 16 + tw(vglob[i], FZ, 0)
        if (lx > PAD && lx + item > W - PAD) { lx = PAD; y += 18 }
        emit(sprintf("<rect class=\"key\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", lx, y - 10, col[(i - 1) % 10 + 1]))
        emit(sprintf("<text x=\"%d\" y=\"%d\">%s</text>", lx + 16, y, xml(vglob[i])))
        lx += item + 18
    }
    y += 4
    for (gi = 1; gi <= ng; gi++) {
        y += 24
        emit(sprintf("<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>", PAD, y, xml(gname[gi])))
        y += 8
        scale = gtop[gi] > 0 ? plotw / gtop[gi] : 0 # the longest line fits
        for (vi = 1; vi <= nv[gi]; vi++) {
            fail = errs[gi, vi] > 0
            emit(sprintf("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", left - 8, y + 13, xml(vname[gi, vi])))
            emit(sprintf("<rect class=\"bar\" data-variant=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"%s/>",
                xml(vname[gi, vi]), left, y, scale * med[gi, vi], bh, col[(vcol[vname[gi, vi]] - 1) % 10 + 1],
                fail ? " stroke=\"#c00000\" stroke-width=\"2.5\"" : ""))
            emit(sprintf("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-width=\"1.5\"/>", left + scale * lo[gi, vi], y + bh / 2, left + scale * hi[gi, vi], y + bh / 2))
            x = left + scale * hi[gi, vi] + 6
            emit(sprintf("<text x=\"%.1f\" y=\"%d\">%s</text>", x, y + 13, xml(vlabel(gi, vi))))
            if (fail)
                emit(sprintf("<text x=\"%.1f\" y=\"%d\" font-weight=\"bold\" fill=\"#c00000\">%s</text>", x + tw(vlabel(gi, vi), FZ, 0) + 8, y + 13, xml(elabel(gi, vi))))
            y += bh + gap
        }
    }
    y += 6
    for (i = 1; i <= nnotes; i++) para(notes[i], FZ, 0, "#333", 16)
    # The footer: what it was measured on, and when.
    y += 12
    emit(sprintf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\"/>", PAD, y, W - PAD, y))
    y += 2
    for (i = 1; i <= nm; i++) para((i == 1 ? "Measured on: " : "") mline[i], 11, 0, "#555", 15)
    y += 10
    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, y, W, y
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    for (i = 1; i <= nbody; i++) print body[i]
    printf "</svg>\n"
}
