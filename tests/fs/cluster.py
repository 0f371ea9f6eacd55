#!/usr/bin/python3
"""The file service on real QEMU clusters (stdlib only).

    tests/fs/cluster.py [FILTER]

The runner of tests/common/ (one cluster per scenario, time limits,
teardown, `N passed, M failed`); node logs are kept in
build/test-runs/fs/<scenario>/. Programs on the nodes do the work through
the POSIX calls: `fstest` (user/fstest.c) writes and checks files whose every
byte depends on its offset and a seed, and runs the table of error cases;
the shell and the file tools are used as a user would.
"""
import os
import random
import re
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "common"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lincheck"))
from clusterctx import BackgroundExec, ClusterError, Fail, Scenarios, check, expect, run  # noqa: E402

scenario = Scenarios(reasons=(ClusterError,))

MIB = 1 << 20
FS_CHUNK = 64 * 1024
NO_REPAIRD = "services=naming,fs,chunkd,primaryd"  # the default, less anti-entropy


def pattern(off, seed, n):
    """fstest's bytes (user/fstest.c: pattern) at file offsets off..off+n."""
    out = bytearray(n)
    m = (1 << 64) - 1
    s = (seed * 0xbf58476d1ce4e5b9) & m
    for i in range(n):
        x = (((off + i + 1) * 0x9e3779b97f4a7c15) & m) ^ s
        x ^= x >> 29
        out[i] = (x ^ (x >> 8)) & 0xFF
    return bytes(out)


def flip_in_image(path, needle):
    """Flips one byte in the middle of every copy of needle in a disk image
    (copy-on-write leaves older copies in free slots: the live one is among
    them); returns how many, -1 if there is none."""
    with open(path, "r+b") as f:
        data = f.read()
        found, at = 0, data.find(needle)
        while at >= 0:
            mid = at + len(needle) // 2
            f.seek(mid)
            f.write(bytes([data[mid] ^ 0x5A]))
            found += 1
            at = data.find(needle, at + 1)
        return found or -1


M64 = (1 << 64) - 1


def _mix(x):
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & M64
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & M64
    return x ^ (x >> 31)


def replicas(ino, index, nodes, gone=()):
    """services/fs/placement.c: the chunk's replicas, best first, placed
    without the nodes in `gone`."""
    score = {k: _mix(_mix(_mix(ino) ^ index) ^ ((k << 32) | k))
             for k in range(1, nodes + 1) if k not in gone}
    return sorted(score, key=lambda k: (-score[k], k))[:3]


def wait_any_log(c, pattern, timeout, offs=None):
    """Waits until some node's log matches pattern (past offs[k], if given):
    returns that node."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for k in range(1, c.n + 1):
            if rx.search(c._log_bytes(k), (offs or {}).get(k, 0)):
                return k
        time.sleep(0.2)
    raise Fail(f"no node logged {pattern!r} within {timeout} s")


def ino_of(c, k, path):
    m = re.search(r"ino: (\d+)", expect(c, k, f"stat {path}"))
    check(m, f"stat {path} printed no inode number")
    return int(m.group(1))


def fs_leader(c, k=1):
    """The metadata leader as node k's log last named it."""
    found = re.findall(rb"fs: leader is node (\d+)", c._log_bytes(k))
    return int(found[-1]) if found else None


@scenario(300)
def fs_files_across_nodes(ctx):
    """A file written on one node reads back byte for byte on every node:
    sizes from 0 B to 8 MiB (chunk edges around 64 KiB included), a sparse
    file, truncation down and up (zeros, never the old bytes), and a file
    rewritten from another node."""
    c = ctx.cluster(3)
    sizes = [0, 1, 4095, 65535, 65536, 65537, 1000000, 8 * MIB]
    for i, size in enumerate(sizes):
        out = expect(c, 1 + i % 3, f"fstest write /f{i} {size} {i + 7}", timeout=180)
        check(f"wrote {size} bytes" in out, out)
    for k in (1, 2, 3):
        for i, size in enumerate(sizes):
            out = expect(c, k, f"fstest check /f{i} {size} {i + 7}", timeout=120)
            check(f"ok {size} bytes" in out, f"node {k}, /f{i}: {out}")
    # Odd-sized calls: every write and read straddles chunk edges.
    expect(c, 2, "fstest write /odd 300000 5 7777", timeout=60)
    check("ok 300000" in expect(c, 3, "fstest check /odd 300000 5 1000", timeout=60), "odd")
    check("sparse ok" in expect(c, 3, "fstest sparse /sparse", timeout=60), "sparse")
    check("trunc ok" in expect(c, 1, "fstest trunc /trunc", timeout=60), "truncate")
    # Rewrite from another node: every reader sees the new bytes.
    expect(c, 3, "fstest write /f6 1000000 99", timeout=120)
    for k in (1, 2):
        check("ok 1000000" in expect(c, k, "fstest check /f6 1000000 99", timeout=60),
              f"node {k} reads the rewrite")


@scenario(240)
def fs_call_errors(ctx):
    """Every POSIX call and its error cases (fstest errors: a table of named
    tests), from two nodes in their own directories, and 1000 files in one
    directory listed by readdir exactly once each, in order."""
    c = ctx.cluster(3)
    for k in (2, 3):
        out, st = c.exec(k, f"fstest errors /t{k}", timeout=120)
        fails = [ln for ln in out.splitlines() if ln.startswith("FAIL")]
        check(st == 0 and not fails and "0 failed" in out, f"node {k}:\n{out}")
        check(len([ln for ln in out.splitlines() if ln.startswith("PASS")]) >= 12, out)
    out = expect(c, 1, "fstest many /many 1000", timeout=180)
    check("1000 files listed" in out, out)
    out = expect(c, 2, "ls /many", timeout=60)
    check(len(out.split()) == 1000, f"ls /many on node 2 lists {len(out.split())} names")


@scenario(240)
def fs_shell_tools(ctx):
    """What a user types: redirection (>, >>, <), cat, cp, mv, rm -r,
    mkdir -p, rmdir, touch, stat, wc, head, ls -l, cd/pwd, df, mount, each
    seen from another node."""
    c = ctx.cluster(3)
    expect(c, 1, "echo one > /notes")
    expect(c, 2, "echo two >> /notes")
    check(expect(c, 3, "cat /notes") == "one\ntwo", "cat after > and >>")
    check(expect(c, 3, "wc < /notes").split()[:3] == ["2", "2", "8"], "wc < file")
    expect(c, 1, "mkdir -p /a/b/c")
    expect(c, 2, "cp /notes /a/b/c/copy")
    check(expect(c, 3, "head -n 1 /a/b/c/copy") == "one", "head of the copy")
    expect(c, 3, "mv /a/b/c/copy /a/moved")
    check(expect(c, 1, "cat /a/moved") == "one\ntwo", "moved file")
    out, st = c.exec(2, "cat /a/b/c/copy")
    check(st == 1 and "No such file" in out, f"the old name still reads: {out!r}")
    expect(c, 1, "touch /a/empty")
    check(re.search(r"size\s*:?\s*0", expect(c, 2, "stat /a/empty")), "stat of an empty file")
    out = expect(c, 3, "ls -l /a")
    check("moved" in out and "empty" in out and "b" in out, out)
    out, st = c.exec(1, "rmdir /a")
    check(st == 1, f"rmdir of a non-empty directory: {out!r}")
    expect(c, 2, "rm -r /a")
    out, st = c.exec(3, "ls /a")
    check(st == 1, f"/a still lists after rm -r: {out!r}")
    check(expect(c, 1, "cd /; mkdir /w; cd /w; pwd") == "/w", "cd and pwd")
    out = expect(c, 1, "df")
    check(re.search(r"total", out), f"df: {out}")
    check(expect(c, 2, "mount").startswith("hard"), "default mount mode")
    check(expect(c, 2, "mount soft,timeo=500,retrans=2 mount") == "soft,timeo=500,retrans=2",
          "a command under a soft mount")


@scenario(240)
def fs_append_three_nodes(ctx):
    """O_APPEND from three nodes at once: every record lands exactly once,
    each writer's in its order, none torn or overwritten."""
    c = ctx.cluster(3)
    expect(c, 1, "touch /log")
    runs = [BackgroundExec(c, k, f"fstest append /log w{k} 60", 180) for k in (1, 2, 3)]
    for r in runs:
        out, st = r.result(200)
        check(st == 0 and "appended 60" in out, out)
    out = expect(c, 2, "fstest records /log w1,w2,w3 60", timeout=60)
    check("records ok" in out, out)


@scenario(300)
def fs_concurrent_writers(ctx):
    """Writers on three nodes at once: disjoint ranges of one file each land
    whole; overlapping writes of the same range leave every 64 KiB block
    wholly one writer's (a chunk's writes are ordered by its primary)."""
    c = ctx.cluster(3)
    expect(c, 1, "touch /shared")
    part = 512 * 1024
    runs = [BackgroundExec(c, k, f"fstest pwrite /shared {(k - 1) * part} {part} {k}", 200)
            for k in (1, 2, 3)]
    for r in runs:
        out, st = r.result(220)
        check(st == 0, out)
    for k in (1, 2, 3):
        out = expect(c, 1 + k % 3, f"fstest blocks /shared {(k - 1) * part} {part} {k}",
                     timeout=60)
        check("blocks ok" in out, f"node {k}'s range: {out}")
    runs = [BackgroundExec(c, k, f"fstest pwrite /over 0 {part} {10 + k}", 200)
            for k in (1, 2, 3)]
    for r in runs:
        out, st = r.result(220)
        check(st == 0, out)
    for k in (1, 2, 3):
        out = expect(c, k, f"fstest blocks /over 0 {part} 11,12,13", timeout=60)
        check("blocks ok" in out, f"node {k}: {out}")


@scenario(300)
def fs_five_nodes(ctx):
    """Five nodes (five metadata voters, each chunk on three of them): a
    file written on node 5 reads back on every node; with a node killed it
    still reads (every chunk keeps a majority of its three replicas), and a
    new file can still be written. (Two dead nodes would leave the chunks
    they share, about 3 in 10, with one replica: those wait for a node to
    come back, as a majority is what a write needs.)"""
    c = ctx.cluster(5)
    expect(c, 5, "fstest write /five 1000000 5", timeout=120)
    for k in (1, 2, 3, 4):
        check("ok 1000000" in expect(c, k, "fstest check /five 1000000 5", timeout=120), f"{k}")
    c.kill(1)
    check("ok 1000000" in expect(c, 4, "fstest check /five 1000000 5", timeout=180), "after")
    expect(c, 3, "fstest write /after 300000 6", timeout=180)
    check("ok 300000" in expect(c, 5, "fstest check /after 300000 6", timeout=120), "new file")


@scenario(360)
def fs_node_gone_for_good(ctx):
    """A node gone for longer than the grace period (here 6 s) is declared
    out by the repaird beside the metadata leader; every chunk that had a
    replica there gets a third copy on the next node in its order, so the
    file then survives a second node's death among the same chunks (which,
    with the copies where they were, would leave some chunks one replica,
    no majority). Both nodes come back: they are declared in, caught up,
    and the extra copies are removed (fsck clean throughout at the end).
    Garbage (those copies) is collected every round here (gc=1, 2 s)."""
    grace = "services=naming,fs,chunkd,primaryd,repaird:grace=6:gc=1"
    c = ctx.cluster(5, node_args={k: grace for k in range(1, 6)})
    expect(c, 5, "fstest write /g 1048576 51", timeout=120)
    ino = ino_of(c, 1, "/g")
    first, second = 4, 3
    both = [i for i in range(16) if {first, second} <= set(replicas(ino, i, 5))]
    check(both, "no chunk of /g has replicas on both nodes 3 and 4: pick other nodes")
    offs = {k: len(c._log_bytes(k)) for k in range(1, 6)}
    t0 = time.monotonic()
    c.kill(first)
    judge = wait_any_log(c, rb"repaird: node 4: no answer for \d+ s", 60, offs)
    t1 = time.monotonic()
    # grace 6 s, a round 2 s, a ping 1 s: rounds that waited on the dead
    # node's timeouts declared it out 18 s after its death (repaird next_peer)
    check(t1 - t0 < 13, f"node 4 declared out {t1 - t0:.1f} s after its death (grace 6 s)")
    t2 = wait_fsck_clean(c, 1, 120)
    out = expect(c, 2, "fsck", timeout=120)
    check("0 problems" in out and "down 0" in out, f"fsck with node 4 out:\n{out}")
    c.kill(second)
    check("ok 1048576" in expect(c, 1, "fstest check /g 1048576 51", timeout=180),
          "/g does not read back with nodes 3 and 4 dead")
    offs = {k: len(c._log_bytes(k)) for k in range(1, 6)}
    for k in (first, second):
        c.restart(k)
    wait_any_log(c, rb"repaird: node 4 answers again", 60, offs)
    wait_any_log(c, rb"repaird: removed \d+ copies of chunks now placed on other nodes", 90,
                 offs)
    wait_fsck_clean(c, 2, 120)
    check("ok 1048576" in expect(c, 4, "fstest check /g 1048576 51", timeout=120), "node 4")
    ctx.note = (f"node 4 declared out by node {judge}'s repaird {t1 - t0:.1f} s after its "
                f"death, re-replicated {t2 - t1:.1f} s later; {len(both)} of 16 chunks had "
                f"replicas on nodes 3 and 4")


@scenario(300)
def fs_kill_minority_midwrite(ctx):
    """A node (a chunk primary for about a third of the chunks, and maybe
    the metadata leader) is killed while another writes 4 MiB: the write
    completes within a bound, every byte reads back from the survivors, and
    once the node is back it serves reads of the file too."""
    c = ctx.cluster(3)
    w = BackgroundExec(c, 1, "fstest write /big 4194304 3", 200)
    time.sleep(2.0)
    c.kill(3)
    t0 = time.monotonic()
    out, st = w.result(220)
    took = time.monotonic() - t0
    check(st == 0 and "wrote 4194304" in out, f"the write did not complete: {out}")
    # Bounded: a new metadata leader's wait for old leases (4 s + 1 s), a
    # few chunk leases of the dead node running out, and the rest of the
    # data at the cluster's pace (about 1 MB/s here) with two replicas.
    check(took < 45, f"the write took {took:.1f} s after the kill")
    ctx.note = f"write finished {took:.1f} s after the kill"
    check("ok 4194304" in expect(c, 2, "fstest check /big 4194304 3", timeout=120), "node 2")
    c.restart(3)
    c.wait_log(3, rb"fs: ready", 60)
    check("ok 4194304" in expect(c, 3, "fstest check /big 4194304 3", timeout=120), "node 3")


@scenario(300)
def fs_corrupt_replica(ctx):
    """A block of one replica corrupted in its disk image from the host:
    reads on every node still return the right bytes, fsck reports the
    corrupt replica, fsck -r rewrites it from a good one, and fsck is then
    clean. A node down while a file is written is caught up the same way.
    (Without anti-entropy, which would repair them first: fs_anti_entropy.)"""
    c = ctx.cluster(3, node_args={k: NO_REPAIRD for k in (1, 2, 3)})
    expect(c, 1, "fstest write /victim 262144 21", timeout=120)
    check("0 problems" in expect(c, 1, "fsck", timeout=120), "fsck before any damage")
    block = pattern(65536, 21, 4096)  # the first block of chunk 1
    c.kill(2)
    img = os.path.join(c.dir, "disk-2.img")
    at = flip_in_image(img, block)
    check(at >= 0, "chunk 1 of /victim not found in node 2's disk image")
    off = c.restart(2)
    c.wait_log(2, rb"fs: ready", 60, off)
    for k in (1, 2, 3):
        out = expect(c, k, "fstest check /victim 262144 21", timeout=120)
        check("ok 262144" in out, f"node {k} read damaged data: {out}")
    out, st = c.exec(3, "fsck", timeout=120)
    check(st == 1 and re.search(r"/victim chunk 1 \(ino \d+\): node 2 corrupt", out),
          f"fsck did not report the corrupt replica:\n{out}")
    out = expect(c, 3, "fsck -r", timeout=120)
    check("repaired 1 of 1" in out and "0 problems" in out, f"fsck -r:\n{out}")
    check("0 problems" in expect(c, 1, "fsck", timeout=120), "fsck after the repair")
    # A node down during writes: its replicas are missing, then repaired.
    c.kill(3)
    expect(c, 1, "fstest write /late 400000 22", timeout=180)
    off = c.restart(3)
    c.wait_log(3, rb"fs: ready", 60, off)
    out, st = c.exec(2, "fsck", timeout=120)
    check(st == 1 and re.search(r"/late chunk \d+ \(ino \d+\): node 3 missing", out),
          f"fsck did not see node 3's missing replicas:\n{out}")
    expect(c, 2, "fsck -r", timeout=180)
    check("0 problems" in expect(c, 1, "fsck", timeout=120), "fsck after catching up")
    check("ok 400000" in expect(c, 3, "fstest check /late 400000 22", timeout=120), "node 3")


@scenario(300)
def fs_split_brain(ctx):
    """Seed scenario 1: a chunk's primary cut off from the other two. Its
    writes are refused (no majority can take them once its lease is gone,
    and the others fence it); the majority side takes over the chunk after
    the lease runs out and writes; after the heal every node reads the
    majority's bytes, and fsck -r leaves no divergent replica."""
    c = ctx.cluster(3)
    expect(c, 1, "fstest write /sb 65536 1", timeout=60)
    ino = ino_of(c, 1, "/sb")
    p = replicas(ino, 0, 3)[0]
    q = [k for k in (1, 2, 3) if k != p][0]
    expect(c, p, "fstest check /sb 65536 1", timeout=60)  # p now holds the lease
    c.partition(f"{p}/" + ",".join(str(k) for k in (1, 2, 3) if k != p))
    out, st = c.exec(p, "mount soft,timeo=1000,retrans=3 fstest write /sb 65536 2", timeout=90)
    check(st != 0, f"node {p}, cut off, could write:\n{out}")
    t0 = time.monotonic()
    out = expect(c, q, "fstest write /sb 65536 3", timeout=120)
    ctx.note = f"primary {p} cut off; node {q} wrote after {time.monotonic() - t0:.1f} s"
    c.heal()
    for k in (1, 2, 3):
        check("ok 65536" in expect(c, k, "fstest check /sb 65536 3", timeout=120),
              f"node {k} does not read the majority's write")
    expect(c, q, "fsck -r", timeout=120)
    check("0 problems" in expect(c, p, "fsck", timeout=120), "divergent replicas left")


def wait_fsck_clean(c, k, timeout):
    deadline = time.monotonic() + timeout
    out = ""
    while time.monotonic() < deadline:
        out, st = c.exec(k, "fsck -q", timeout=120)
        if st == 0 and "0 problems" in out:
            return time.monotonic()
        time.sleep(2)
    raise Fail(f"fsck not clean within {timeout} s:\n{out}")


@scenario(300)
def fs_anti_entropy(ctx):
    """Background repair, no fsck -r: a node that was down while a file was
    written is caught up after it returns, and a block corrupted in a disk
    image is found by the store's scrub and rewritten, by Merkle-tree
    anti-entropy between the stores (repaird)."""
    c = ctx.cluster(3)
    c.kill(3)
    expect(c, 1, "fstest write /late 400000 31", timeout=180)
    t0 = time.monotonic()
    off = c.restart(3)
    c.wait_log(3, rb"fs: ready", 60, off)
    t1 = wait_fsck_clean(c, 2, 90)
    check("ok 400000" in expect(c, 3, "fstest check /late 400000 31", timeout=120), "node 3")
    c.kill(2)
    check(flip_in_image(os.path.join(c.dir, "disk-2.img"), pattern(131072, 31, 4096)) >= 0,
          "chunk 2 of /late not found in node 2's disk image")
    off = c.restart(2)
    c.wait_log(2, rb"chunkd: scrub: chunk \d+/2 has bad blocks", 60, off)
    t2 = time.monotonic()
    wait_fsck_clean(c, 3, 90)
    ctx.note = (f"caught up {t1 - t0:.1f} s after the restart, corrupt block repaired "
                f"{time.monotonic() - t2:.1f} s after the scrub found it")


@scenario(420)
def fs_random_ops(ctx):
    """Seeded random operations (open, write, pwrite past the end, read,
    ftruncate down and up, close, rename over, unlink) on two nodes at once,
    each over its own files, every read compared with an in-memory model,
    while the fabric drops 10% of frames and the third node is killed and
    restarted. FS_RANDOM_SEED=S replays a run. The nodes' clocks are skewed
    and drift (docs/trace.md, "Clocks"): correctness does not rest on them."""
    seed = int(os.environ.get("FS_RANDOM_SEED", "3"))
    c = ctx.cluster(3, skew=True)
    expect(c, 1, "echo warm > /warm", timeout=60)  # the first lease waits out a new leader's
    runs = [BackgroundExec(c, k, f"fstest random /r{k} {seed + k} 300", 400) for k in (1, 2)]
    time.sleep(3)
    c.net("* * loss 0.1")
    time.sleep(3)
    c.kill(3)
    time.sleep(4)
    c.restart(3)
    time.sleep(3)
    c.net("* * clear")
    for k, r in zip((1, 2), runs):
        out, st = r.result(400)
        check(st == 0 and "random ok 300 ops" in out, f"node {k}, seed {seed + k}:\n{out}")
    ctx.note = f"seed {seed}"


@scenario(420)
def fs_linearizable(ctx):
    """Clients on every node replace whole files (a temporary file renamed
    over the name) and read them back, on three names, while the fabric
    partitions, drops and duplicates and nodes are killed and restarted. The
    history (host clock; an operation whose outcome is unknown stays open)
    must be linearizable (build/host/lincheck)."""
    from history import History
    seed = int(os.environ.get("FS_LIN_SEED", "5"))
    faults_s = float(os.environ.get("FS_LIN_SECONDS", "30"))  # how long the faults go on
    c = ctx.cluster(3)
    expect(c, 1, "mkdir /lin", timeout=60)
    h = History()
    down = set()
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def client(k):
        rnd = random.Random(seed * 100 + k)
        n = 0
        while not stop.is_set():
            with lock:
                busy = k in down
            if busy:
                time.sleep(0.2)
                continue
            key = rnd.choice(["k0", "k1", "k2"])
            if rnd.random() < 0.5:
                n += 1
                val = f"v{k}x{n}"
                t = h.begin(str(k), "put", key, [val])
                cmd = f"mount soft,timeo=2000,retrans=2 fstest put /lin/{key} {val}"
            else:
                t = h.begin(str(k), "get", key)
                cmd = f"mount soft,timeo=2000,retrans=2 fstest get /lin/{key}"
            try:
                out, st = c.exec(k, cmd, timeout=30)
            except (ClusterError, OSError):
                h.end_unknown(t)
                time.sleep(0.5)
                continue
            out = out.strip()
            if st == 0 and cmd.split()[3] == "put" and out == "ok":
                h.end(t, "ok")
            elif st == 0 and cmd.split()[3] == "get" and out and " " not in out:
                h.end(t, out)
            elif st == 0:
                errors.append(f"{cmd}: {out!r}")
                h.end_unknown(t)
            else:
                h.end_unknown(t)

    acts = []

    def nemesis():
        rnd = random.Random(seed)
        end = time.monotonic() + faults_s
        while time.monotonic() < end:
            time.sleep(rnd.uniform(2, 4))
            act = rnd.choice(["partition", "lossdup", "kill"])
            acts.append(act)
            x = rnd.randrange(1, 4)
            if act == "partition":
                c.partition([[x], [k for k in (1, 2, 3) if k != x]])
                time.sleep(rnd.uniform(3, 6))
                c.heal()
            elif act == "lossdup":
                c.net("* * loss 0.15 dup 0.15 reorder 0.2 10 delay 1 3")
                time.sleep(rnd.uniform(3, 6))
                c.net("* * clear")
            else:
                with lock:
                    down.add(x)
                c.kill(x)
                time.sleep(rnd.uniform(1, 4))
                c.restart(x)
                with lock:
                    down.discard(x)
        c.heal()
        c.net("* * clear")

    threads = [threading.Thread(target=client, args=(k,)) for k in (1, 2, 3)]
    for t in threads:
        t.start()
    try:
        nemesis()
        time.sleep(5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    path = os.path.join(ctx.logs, ctx.name + ".hist")
    ok, out = h.check(path)
    check(not errors, "unparsable answers: " + "; ".join(errors[:3]))
    lines = h.lines()
    done = [ln for ln in lines if not ln.endswith("-> ?")]
    check(len(lines) >= 60 and len(done) >= 40, f"only {len(lines)} ops, {len(done)} known")
    check(ok, f"history in {path}:\n{out[:3000]}")
    ctx.note = (f"{len(lines)} ops, {len(lines) - len(done)} unknown, seed {seed}, "
                f"faults {' '.join(acts)}: " + out.splitlines()[0])


@scenario(240)
def fs_garbage(ctx):
    """The chunks of an unlinked file are removed from every store in the
    background (repaird); a file unlinked while open keeps its chunks until
    it is closed and gone. The repairds collect every round here (gc=1, 2 s;
    10 s by default)."""
    gc = "services=naming,fs,chunkd,primaryd,repaird:gc=1"
    c = ctx.cluster(3, node_args={k: gc for k in (1, 2, 3)})
    expect(c, 1, "fstest write /g 300000 41", timeout=120)
    out = expect(c, 2, "fsck", timeout=120)
    check("0 orphans" in out and "5 chunks" in out, out)
    expect(c, 3, "rm /g")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        out = expect(c, 2, "fsck -q", timeout=120)
        if "0 orphans" in out:
            break
        time.sleep(2)
    check("0 orphans" in out, f"chunks of /g left behind: {out}")
    ctx.note = f"collected in {60 - (deadline - time.monotonic()):.0f} s"
    # Unlinked while open: still there for the descriptor through several
    # collections (every 2 s here), gone once it is closed.
    expect(c, 1, "fstest write /h 200000 42", timeout=120)
    out = expect(c, 2, "fstest unlinked /h 200000 42 5", timeout=120)
    check("unlinked ok" in out, out)
    deadline = time.monotonic() + 30
    while "0 orphans" not in (out := expect(c, 2, "fsck -q", timeout=120)):
        check(time.monotonic() < deadline, f"chunks of the closed /h left behind: {out}")
        time.sleep(1)
    # A file that ends where a chunk ends: its last write's PREPARE fenced
    # (created, empty) the chunk after the end, which no write used; the
    # primary removes it once that lease has ended (a few seconds).
    offs = {k: c.log_size(k) for k in (1, 2, 3)}
    expect(c, 1, "fstest write /k 131072 43 65536", timeout=120)
    wait_any_log(c, rb"fenced for a write that did not come; removed from [12] replicas", 30,
                 offs)
    deadline = time.monotonic() + 30
    while "0 orphans" not in (out := expect(c, 2, "fsck -q", timeout=120)):
        check(time.monotonic() < deadline, f"the prepared chunk past /k's end stays: {out}")
        time.sleep(1)
    check("2 chunks" in out, f"/k: {out}")


def bad_counts(c, k):
    """df's "bad requests" lines on node k: {node: (fs, chunkd, primaryd)}."""
    out = expect(c, k, "df", timeout=60)
    found = re.findall(r"bad requests: node (\d+): fs (\d+), chunkd (\d+), primaryd (\d+)", out)
    check(len(found) == c.n, f"df shows no bad request counts for every node:\n{out}")
    return {int(n): tuple(int(x) for x in xs) for n, *xs in found}


def chunk_req_hex(op, ino=1, token=0, data=b""):
    """services/fs/chunkproto.h's request layout, as rawcall's hex."""
    hdr = struct.pack("<BBQIIIQQQIII", op, 0, ino, 0, 0, len(data), token, 0, 0, 0, 0, len(data))
    return (hdr + data).hex()


@scenario(180)
def fs_bad_requests(ctx):
    """Malformed requests from node 1 to each of node 2's three file servers
    (user/rawcall): no bytes, a short header, noise, noise of the largest
    size a message may have, an op the server does not serve, and
    malformed datagrams (to the metadata server: its Raft peers' and
    sessions' kinds and closes; to chunkd and primaryd, which take only a
    forwarded copy and a prepare hint as datagrams). Every call is
    answered with an error; df's counts for node 2 rise by exactly what was
    sent, and no other node's; the servers go on serving."""
    c = ctx.cluster(3)
    before = bad_counts(c, 1)
    noise = ["-", "00", "ffffffff", "+100", "+69632"]
    calls = {
        "fs": noise,
        # WRITE goes to a primary, never a store; LEASE to the metadata
        "chunks": noise + [chunk_req_hex(101, data=b"x"), chunk_req_hex(120)],
        # REPLICATE goes from a primary to a store, never to a primary
        "primary": noise + [chunk_req_hex(110, token=5, data=b"x"), chunk_req_hex(120)],
    }
    # Datagrams to the metadata server: empty, noise, a close cut short, a
    # Raft frame too short for its header, one whose message does not
    # decode, a keepalive of the wrong length, a forwarded command that is
    # no server command.
    close = "08"
    raft_frame = "52" + struct.pack("<IHH", 1, 0, 1).hex() + "ffffffff"
    datagrams = {"fs": ["-", "+100", close, "52", raft_frame, "4b00", "46ffffffff"],
                 "chunks": ["01", "+10"], "primary": ["01", "+10"]}
    for name in ("fs", "chunks", "primary"):
        out = expect(c, 1, f"rawcall 2 {name} " + " ".join(calls[name]), timeout=60)
        lines = out.splitlines()
        check(len(lines) == len(calls[name]) and
              all(re.match(r"\d+: status -(22|74) ", ln) for ln in lines),
              f"{name}: not every malformed call was refused with an error:\n{out}")
        if datagrams[name]:
            expect(c, 1, f"rawcall -d 2 {name} " + " ".join(datagrams[name]))
    time.sleep(0.5)  # the datagrams are out once sent: let them arrive
    after = bad_counts(c, 3)
    sent = tuple(len(calls[s]) + len(datagrams[s]) for s in ("fs", "chunks", "primary"))
    want = tuple(b + s for b, s in zip(before[2], sent))
    check(after[2] == want, f"node 2's counts (fs, chunkd, primaryd): {before[2]} -> "
          f"{after[2]}, expected {want}")
    for k in (1, 3):
        check(after[k] == before[k], f"node {k}'s counts changed: {before[k]} -> {after[k]}")
    # Still serving: every chunk of a 5-chunk file has a replica on node 2,
    # and some have their primary there.
    expect(c, 2, "fstest write /after 300000 4", timeout=120)
    check("ok 300000" in expect(c, 3, "fstest check /after 300000 4", timeout=120), "read")
    ctx.note = f"node 2 counted (fs, chunkd, primaryd) {sent}"


def df_avail(c, k):
    """df on node k: {node: bytes available}."""
    out = expect(c, k, "df", timeout=60)
    rows = re.findall(r"^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%", out, re.M)
    check(len(rows) == c.n, f"df lists {len(rows)} nodes:\n{out}")
    return {int(r[0]): int(r[3]) for r in rows}


@scenario(180)
def fs_disk_full(ctx):
    """A full disk gives ENOSPC and loses nothing acknowledged. On 20 MiB
    disks (a 9 MiB chunks region each: lib/disklabel.c) one node writes a
    file until write() fails: it fails with ENOSPC, promptly, and so do a
    new file's first write and cp; every byte acknowledged before reads back
    from another node, as does a file written before; df shows no space.
    Once the file is removed its chunks are collected (repaird, here every
    round: gc=1, 2 s), df shows the space again, and a new file is written
    and read back."""
    gc = "services=naming,fs,chunkd,primaryd,repaird:gc=1"
    c = ctx.cluster(3, disk_mb=20, node_args={k: gc for k in (1, 2, 3)})
    expect(c, 2, "fstest write /keep 200000 5", timeout=60)
    t0 = time.monotonic()
    out, st = c.exec(1, f"fstest write /fill {64 * MIB} 7", timeout=90)
    took = time.monotonic() - t0
    m = re.search(r"write at (\d+): No space left on device", out)
    check(st == 1 and m, f"filling did not end in ENOSPC: {st} {out!r}")
    acked = int(m.group(1))
    check(acked >= 6 * MIB, f"only {acked} bytes fit in 9 MiB chunk regions")
    check(all(v < FS_CHUNK for v in df_avail(c, 3).values()), "df shows space left")
    out, st = c.exec(2, "fstest write /more 100000 8", timeout=60)
    check(st == 1 and "No space left on device" in out, f"a new file: {st} {out!r}")
    out, st = c.exec(3, "cp /keep /keep2", timeout=60)
    check(st == 1 and "No space left on device" in out, f"cp: {st} {out!r}")
    out = expect(c, 3, f"fstest check /fill {acked} 7", timeout=120)
    check(f"ok {acked}" in out, f"acknowledged bytes lost: {out}")
    check("ok 200000" in expect(c, 1, "fstest check /keep 200000 5", timeout=60), "/keep")
    expect(c, 2, "rm /fill")
    t1 = time.monotonic()
    deadline = t1 + 45  # repaird collects every round (2 s) here
    while True:
        avail = df_avail(c, 1)
        if all(v >= acked - MIB for v in avail.values()):
            break
        check(time.monotonic() < deadline, f"space not freed 45 s after rm: {avail}")
        time.sleep(2)
    freed = time.monotonic() - t1
    expect(c, 1, "fstest write /again 4000000 9", timeout=60)
    check("ok 4000000" in expect(c, 2, "fstest check /again 4000000 9", timeout=60), "/again")
    ctx.note = (f"{acked} bytes acknowledged, ENOSPC after {took:.1f} s; space back "
                f"{freed:.0f} s after rm")


@scenario(240)
def fs_programs_by_path(ctx):
    """Programs run from the file service by path: a boot program installed
    into /bin on one node runs on another as /bin/NAME (the shell reads it
    and the kernel spawns it from memory), with redirection and its exit
    status; a path that is not there, a directory and a file that is not a
    program each give a clear error."""
    c = ctx.cluster(3)
    check("-> /bin/echo" in expect(c, 1, "install echo", timeout=60), "install")
    expect(c, 1, "install exitcode /bin/ec", timeout=60)
    check(expect(c, 2, "/bin/echo hello from the file service") ==
          "hello from the file service", "/bin/echo on node 2")
    expect(c, 3, "/bin/echo one two > /out")
    check(expect(c, 1, "cat /out") == "one two", "redirected output of /bin/echo")
    out, st = c.exec(3, "/bin/ec 7")
    check(st == 7, f"exit status through /bin/ec: {st} {out!r}")
    out, st = c.exec(2, "/bin/nope")
    check(st != 0 and ("No such file" in out or "not found" in out),
          f"a missing program: {st} {out!r}")
    out, st = c.exec(2, "/bin")
    check(st != 0 and "directory" in out.lower(), f"a directory: {st} {out!r}")
    out, st = c.exec(2, "/out")
    check(st != 0 and "exec" in out.lower(), f"a file that is no program: {st} {out!r}")


@scenario(300)
def fs_restart_all(ctx):
    """Every node killed at once and restarted: the namespace and every
    acknowledged byte are back."""
    c = ctx.cluster(3)
    expect(c, 1, "mkdir /keep")
    expect(c, 2, "fstest write /keep/a 500000 11", timeout=120)
    expect(c, 3, "echo kept > /keep/b")
    for k in (1, 2, 3):
        c.kill(k)
    offs = {k: c.restart(k) for k in (1, 2, 3)}
    for k in (1, 2, 3):
        c.wait_log(k, rb"fs: ready", 60, offs[k])
    check("ok 500000" in expect(c, 3, "fstest check /keep/a 500000 11", timeout=120), "data")
    check(expect(c, 1, "cat /keep/b") == "kept", "small file")
    check(expect(c, 2, "ls /keep").split() == ["a", "b"], "namespace")


@scenario(300)
def fs_soft_and_hard(ctx):
    """Seed scenario 2: a node cut off from the others. A soft mount gives
    an error within about timeo x retrans; a hard one waits, and completes
    once the partition heals."""
    c = ctx.cluster(3)
    expect(c, 1, "echo before > /m")
    c.partition("1/2,3")
    t0 = time.monotonic()
    out, st = c.exec(1, "mount soft,timeo=500,retrans=2 cat /m", timeout=60)
    took = time.monotonic() - t0
    check(st == 1 and ("timed out" in out or "I/O error" in out), f"soft: {st} {out!r}")
    check(took < 15, f"the soft mount took {took:.1f} s to give up")
    hard = BackgroundExec(c, 1, "cat /m", 120)
    time.sleep(4)
    check(hard.thread.is_alive(), "a hard mount gave up while cut off")
    c.heal()
    out, st = hard.result(90)
    check(st == 0 and out == "before", f"hard mount after heal: {st} {out!r}")
    ctx.note = f"soft gave up in {took:.1f} s"


if __name__ == "__main__":
    sys.exit(run(scenario, "fs"))
