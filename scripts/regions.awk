# scripts/regions.awk - the exercise regions of one lab (or capstone) folder: the student
# track's only parser of region markers and tasks.txt. Used by scripts/handout.sh.
#
#   awk -f regions.awk -v mode=MODE -v tasks=DIR/tasks.txt -v unit="lab 04" [-v keep=N] FILE...
#
# A region is the lines between two marker lines (CONTRIBUTING.md, "Exercises"):
#       /* task 2 begin: child_side */
#       ...the reference code a student writes...
#       /* task 2 end */
# Modes:
#   stub      print the one FILE with every region replaced by its stub from tasks.txt and
#             a TODO comment (what to write, hint, man pages); the region of task `keep`
#             (if given) stays the reference, without its markers
#   check     check the markers of every FILE against tasks.txt: balanced, not nested, each
#             region's name has a stub of the same task, every stub and task is used, every
#             task has a title, what, hint and man; print "task<TAB>title" per task
#   distinct  print the distinctive lines of every region ("TASK<TAB>NAME<TAB>LINE"): its
#             lines (trimmed, 12 characters or more, not comments) that occur nowhere
#             outside a region in the FILEs; fails if a region has none
# Exit status 1 (with messages on stderr) on any error.

function trim(s) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    return s
}
function err(msg) {
    printf "%s\n", msg > "/dev/stderr"
    bad = 1
}
function add(arr, n, text,    old) {
    if (n in arr) {
        old = arr[n]
        arr[n] = old "\n" text
    } else {
        arr[n] = text
    }
}
# The TODO comment and the stub of region `name` (task n), indented like the marker.
function emit_stub(n, name, indent,    lines, k, i, msg, body) {
    msg = "TODO: task " n " of " unit " (" title[n] ")"
    print indent "/* " msg
    k = split(what[n], lines, "\n")
    for (i = 1; i <= k; i++)
        print indent " * " lines[i]
    k = split(hint[n], lines, "\n")
    for (i = 1; i <= k; i++)
        print indent " * " (i == 1 ? "Hint: " : "      ") lines[i]
    print indent " * Read: " man[n]
    print indent " */"
    k = split(stub[name], lines, "\n")
    for (i = 1; i <= k; i++) {
        body = lines[i]
        gsub(/@TODO@/, "\"" msg "\"", body)
        print body
    }
}

BEGIN {
    if (tasks == "" || unit == "" || (mode != "stub" && mode != "check" && mode != "distinct")) {
        print "regions.awk: usage: -v mode=stub|check|distinct -v tasks=FILE -v unit=NAME" > "/dev/stderr"
        exit 2
    }
    ntasks = 0
    cur = 0
    instub = ""
    ln = 0
    while ((r = (getline line < tasks)) > 0) {
        ln++
        if (instub != "") {
            if (line == "end") {
                instub = ""
                continue
            }
            add(stub, instub, line)
            continue
        }
        if (line ~ /^[ \t]*(#|$)/)
            continue
        if (line ~ /^task [0-9]+: /) {
            cur = line
            sub(/^task /, "", cur)
            sub(/:.*/, "", cur)
            cur += 0
            t = line
            sub(/^task [0-9]+: /, "", t)
            title[cur] = t
            if (cur != ntasks + 1)
                err(tasks ":" ln ": task " cur " after task " ntasks " (number them 1, 2, ...)")
            ntasks = cur
        } else if (cur == 0) {
            err(tasks ":" ln ": '" line "' before the first 'task N: TITLE' line")
        } else if (line ~ /^what: /) {
            add(what, cur, substr(line, 7))
        } else if (line ~ /^hint: /) {
            add(hint, cur, substr(line, 7))
        } else if (line ~ /^man: /) {
            if (cur in man) {
                t = man[cur]
                man[cur] = t ", " substr(line, 6)
            } else {
                man[cur] = substr(line, 6)
            }
        } else if (line ~ /^stub [A-Za-z0-9_]+$/) {
            instub = substr(line, 6)
            if (instub in stubtask)
                err(tasks ":" ln ": a second stub named " instub)
            stubtask[instub] = cur
        } else {
            err(tasks ":" ln ": not understood: '" line "'")
        }
    }
    if (r < 0)
        err("regions.awk: cannot read " tasks)
    if (instub != "")
        err(tasks ": stub " instub " has no 'end' line")
    if (ntasks == 0)
        err(tasks ": no task")
    for (n = 1; n <= ntasks; n++)
        if (!(n in what) || !(n in hint) || !(n in man) || title[n] == "")
            err(tasks ": task " n " needs a title, what:, hint: and man: lines")
    region = ""    # the name of the region we are in, "" outside
    rtask = 0
    nregions = 0
}

FNR == 1 && region != "" {
    err(prev ": region " region " has no end marker")
    region = ""
}
{ prev = FILENAME }

/^[ \t]*\/\* task [0-9]+ begin: [A-Za-z0-9_]+ \*\/[ \t]*$/ {
    split(trim($0), f, " ")
    if (region != "")
        err(FILENAME ":" FNR ": region " f[5] " begins inside region " region)
    region = f[5]
    rtask = f[3] + 0
    nregions++
    used[region] = 1
    taskused[rtask] = 1
    if (region in seen)
        err(FILENAME ":" FNR ": a second region named " region)
    seen[region] = 1
    if (!(region in stubtask))
        err(FILENAME ":" FNR ": region " region " has no 'stub " region "' in " tasks)
    else if (stubtask[region] != rtask)
        err(FILENAME ":" FNR ": region " region " is task " rtask " here, task " stubtask[region] " in " tasks)
    if (rtask < 1 || rtask > ntasks)
        err(FILENAME ":" FNR ": task " rtask " is not in " tasks)
    if (mode == "stub" && rtask != keep) {
        indent = $0
        sub(/[^ \t].*/, "", indent)
        emit_stub(rtask, region, indent)
    }
    next
}
/^[ \t]*\/\* task [0-9]+ end \*\/[ \t]*$/ {
    split(trim($0), f, " ")
    if (region == "")
        err(FILENAME ":" FNR ": an end marker outside any region")
    else if (f[3] + 0 != rtask)
        err(FILENAME ":" FNR ": end of task " f[3] " closes region " region " of task " rtask)
    region = ""
    next
}
/\/\* task [0-9]+ (begin|end)/ {
    err(FILENAME ":" FNR ": a malformed marker (alone on its line: /* task N begin: NAME */ or /* task N end */)")
}
{
    if (mode == "stub") {
        if (region == "" || rtask == keep)
            print
        next
    }
    t = trim($0)
    if (region == "") {
        outside[t] = 1
        next
    }
    nlines[region]++
    if (length(t) >= 12 && t !~ /^(\/\*|\*|\/\/)/) {
        cand[++ncand] = t
        candregion[ncand] = region
        candtask[ncand] = rtask
    }
}

END {
    if (region != "")
        err(prev ": region " region " has no end marker")
    if (mode == "check") {
        for (s in stubtask)
            if (!(s in used))
                err(tasks ": stub " s " is used by no region")
        for (n = 1; n <= ntasks; n++)
            if (!(n in taskused))
                err(tasks ": task " n " has no region")
        for (s in seen)
            if (nlines[s] == 0)
                err("region " s " is empty")
        if (!bad)
            for (n = 1; n <= ntasks; n++)
                printf "%d\t%s\n", n, title[n]
    }
    if (mode == "distinct") {
        for (i = 1; i <= ncand; i++)
            if (!(cand[i] in outside)) {
                printf "%d\t%s\t%s\n", candtask[i], candregion[i], cand[i]
                found[candregion[i]] = 1
            }
        for (s in seen)
            if (!(s in found))
                err("region " s " has no distinctive line (none of 12+ characters that occurs nowhere else)")
    }
    exit bad ? 1 : 0
}
