# scripts/seq2dot.awk - turns a sequence-diagram source (fig/*.seq) into Graphviz dot with
# @style tokens (scripts/figures.sh expands them from mk/figures.style). One line each:
#   actor ID "Label" [STYLE] [late]   a column (lifeline), left to right in this order;
#                                     `late` hides it until a `start ID` line
#   msg FROM TO "label" [STYLE]       an arrow on a new row (STYLE: msg signal call data weak)
#   note ID "text" [STYLE]            a box on ID's lifeline on a new row (default: note)
#   +note / +msg / +start / +end      the same, on the current row (no new row)
#   start ID                          ID's lifeline begins here (its label in a box)
#   end ID "text"                     ID's lifeline ends here, with a last box
#   gap                               an empty row
#   title "text"                      a caption under the diagram
# "\n" in a label starts a new line. Lines starting with # are comments.
function q(s) { return "\"" s "\"" }
function newrow() { rows++ }
function arg(i,   s) {        # the i-th field, a "quoted string" possibly with spaces
    s = $0
    if (match(s, /"[^"]*"/)) {
        if (i == "str") return substr(s, RSTART + 1, RLENGTH - 2)
    }
    return ""
}
function rest_after_str(   s) {
    s = $0
    if (match(s, /"[^"]*"/)) s = substr(s, RSTART + RLENGTH)
    gsub(/^[ \t]+|[ \t]+$/, "", s)
    return s
}
BEGIN { n = 0; rows = 0 }
/^[ \t]*(#|$)/ { next }
{
    cmd = $1; same = 0
    if (substr(cmd, 1, 1) == "+") { same = 1; cmd = substr(cmd, 2) }
    if (cmd == "actor") {
        id = $2; order[++n] = id; label[id] = arg("str")
        split(rest_after_str(), w, /[ \t]+/)
        style[id] = (w[1] != "" && w[1] != "late") ? w[1] : "process"
        late[id] = (w[1] == "late" || w[2] == "late")
        if (!late[id]) startrow[id] = 0
        endrow[id] = -1
        next
    }
    if (cmd == "title") { title = arg("str"); next }
    if (cmd == "gap") { newrow(); next }
    if (!same) newrow()
    # a message label of several lines needs room above its arrow: one empty row per extra line
    if (cmd == "msg" && !same) { extra = gsub(/\\n/, "&", $0); rows += extra }
    r = rows
    if (cmd == "msg") {
        m++; mfrom[m] = $2; mto[m] = $3; mrow[m] = r; mlabel[m] = arg("str")
        s = rest_after_str(); mstyle[m] = (s == "") ? "msg" : s
    } else if (cmd == "note") {
        s = rest_after_str()
        box[$2, r] = arg("str"); boxstyle[$2, r] = (s == "") ? "note" : s
    } else if (cmd == "start") {
        startrow[$2] = r; box[$2, r] = label[$2]; boxstyle[$2, r] = style[$2]
    } else if (cmd == "end") {
        endrow[$2] = r; s = rest_after_str()
        box[$2, r] = arg("str"); boxstyle[$2, r] = (s == "") ? "ended" : s
    } else {
        printf "seq2dot: line %d: unknown command %s\n", NR, cmd > "/dev/stderr"; exit 1
    }
}
END {
    rows++                                  # one empty row at the bottom
    print "digraph seq {"
    print "@defaults"
    print "graph [ranksep=0.32 nodesep=0.5 newrank=true]"
    print "node [shape=point width=0.01 height=0.01 color=\"#94a3b8\"]"
    if (title != "") print "graph [label=" q(title) " labelloc=b fontsize=13]"
    for (i = 1; i <= n; i++) {
        a = order[i]
        if (startrow[a] == 0) { box[a, 0] = label[a]; boxstyle[a, 0] = style[a] }
        for (r = 0; r <= rows; r++) {
            alive = (a in startrow) && r >= startrow[a] && (endrow[a] < 0 || r <= endrow[a])
            if ((a, r) in box) printf "  %s_%d [@%s label=%s]\n", a, r, boxstyle[a, r], q(box[a, r])
            else if (!alive) printf "  %s_%d [style=invis]\n", a, r
            else printf "  %s_%d\n", a, r
            if (r > 0) {
                live = (a in startrow) && r > startrow[a] && (endrow[a] < 0 || r <= endrow[a])
                printf "  %s_%d -> %s_%d [arrowhead=none weight=100 %s]\n", a, r - 1, a, r,
                    live ? "style=dashed color=\"#94a3b8\"" : "style=invis"
            }
        }
    }
    for (r = 0; r <= rows; r++) {
        printf "  { rank=same;"
        for (i = 1; i <= n; i++) printf " %s_%d;", order[i], r
        print " }"
        for (i = 1; i < n; i++) printf "  %s_%d -> %s_%d [style=invis]\n", order[i], r, order[i + 1], r
    }
    for (k = 1; k <= m; k++) {
        for (i = 1; i <= n; i++) { if (order[i] == mfrom[k]) f = i; if (order[i] == mto[k]) t = i }
        lo = f < t ? f : t; hi = f < t ? t : f
        for (i = lo; i < hi; i++) {
            attr = "@" mstyle[k] " constraint=false"
            if (f < t) attr = attr (i == hi - 1 ? "" : " arrowhead=none")
            else attr = attr " dir=back" (i == lo ? "" : " arrowtail=none")
            if (i == (f < t ? lo : hi - 1)) attr = attr " label=" q(" " mlabel[k] " ")
            printf "  %s_%d -> %s_%d [%s]\n", order[i], mrow[k], order[i + 1], mrow[k], attr
        }
    }
    print "}"
}
