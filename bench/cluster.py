#!/usr/bin/env python3
"""The cluster benchmark (issue #17), run by bench/run.sh:

    python3 bench/cluster.py CORPUS_DIR WORK_DIR [--copies 5] [--port 8091]
        [--parts steady,first] [--compare OTHER_BIN_DIR]

10,000 feeds (each corpus file under --copies URLs) from a local nginx on 127.0.0.1, and a
throwaway PostgreSQL (initdb into WORK_DIR, a Unix socket there, default durability: fsync
and synchronous commits on, as SQLite's synchronous=FULL). Measures, in the same run:

- the steady-state cost of a poll (every feed polled again, all answering 304) with the
  state in SQLite and in PostgreSQL: the daemon's CPU, plus PostgreSQL's own (every server
  process's CPU) — the ratio is the figure (target: at most 2x);
- the first poll of every feed by 1, 2 and 3 nodes sharing the PostgreSQL (wall time, and
  the per-node rate it implies on this machine's cores).

--compare measures another build's feedspoold (say, the commit before a change) on the
same PostgreSQL steady-state cycle, in the same run, for before/after figures.

The feeds are spread over four loopback hosts (127.0.0.1-4, one nginx): per_host (32) is
the cluster's, so on one host three nodes would share 32 requests at once between them.
"""
import os, pwd, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon import arguments, cpu_seconds, request, start_nginx, stop_nginx, wait_for  # noqa: E402

HOSTS = (1, 2, 3, 4)

def run_pg(args, **kw):
    """Runs a PostgreSQL program as the postgres user when we are root (it refuses root)."""
    if os.getuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/tmp", **kw)

class Postgres:
    def __init__(self, work):
        versions = sorted(int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit())
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        if os.getuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        run_pg([f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "feedspool", "-E", "UTF8", "--locale=C"])
        opts = f"-k {self.dir} -c listen_addresses='' -p 5432 -c max_connections=100"
        run_pg([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-o", opts, "-l", f"{self.dir}/log", "-w", "start"])
        self.postmaster = int(open(f"{self.dir}/data/postmaster.pid").readline())

    def url(self, db):
        return f"host={self.dir} port=5432 user=feedspool dbname={db}"

    def createdb(self, db):
        subprocess.run([f"{self.bin}/createdb", "-h", self.dir, "-U", "feedspool", db], check=True)

    def psql(self, db, sql):
        out = subprocess.run([f"{self.bin}/psql", "-h", self.dir, "-U", "feedspool", "-d", db, "-Atc", sql], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def cpu(self):
        """CPU seconds of the server and every backend (children of the postmaster), the
        ones that exited included (their time is the postmaster's children's time)."""
        total = 0.0
        with open(f"/proc/{self.postmaster}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tck
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.postmaster:
                    total += (int(fields[11]) + int(fields[12])) / tck
            except OSError:
                continue
        return total

    def stop(self):
        try:
            run_pg([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop"])
        except subprocess.CalledProcessError:
            pass

def config(path, urls, sock, extra):
    lines = ['spool_dir = "spool"', 'state_dir = "state"', f'socket = "{sock}"', "allow_private_networks = true", 'full_text = "never"',
             "concurrency = 32", "per_host = 32", 'interval = "24h"'] + extra + [""]
    for u in urls:
        lines += ["[[feed]]", f'url = "{u}"']
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")

def start(binary, work, name, urls, extra):
    d = os.path.join(work, name)
    os.makedirs(d)
    sock = os.path.join(d, "ctl.sock")
    config(os.path.join(d, "feedspool.toml"), urls, sock, extra)
    p = subprocess.Popen([os.path.join(binary, "feedspoold"), "--config", os.path.join(d, "feedspool.toml")],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "daemon.log"), "w"))
    wait_for(lambda: os.path.exists(sock), 120, f"{name}'s socket")
    return p, sock

def polls(sock):
    try:
        return request(sock, "status")["result"]["polls"]
    except (OSError, ValueError, KeyError):
        return 0

def steady(pid, sock, total, pg=None):
    """One cycle of conditional requests (every feed made due, all answer 304): daemon CPU,
    and PostgreSQL's."""
    before = polls(sock)
    c0, p0, t0 = cpu_seconds(pid), (pg.cpu() if pg else 0.0), time.monotonic()
    request(sock, "poll")
    wait_for(lambda: polls(sock) >= before + total, 900, "a steady-state cycle")
    return time.monotonic() - t0, cpu_seconds(pid) - c0, (pg.cpu() - p0 if pg else 0.0)

def steady_pg(binary, work, urls, pg, procs, name):
    """The first poll with the state in PostgreSQL (one node), then two steady cycles."""
    total = len(urls)
    pg.createdb(name)
    t0 = time.monotonic()
    p, sock = start(binary, work, name, urls, [f'state_url = "{pg.url(name)}"', f'node = "{name}"'])
    procs.append(p)
    wait_for(lambda: polls(sock) >= total, 1800, "PostgreSQL's first poll")
    first = time.monotonic() - t0
    cycles = [steady(p.pid, sock, total, pg) for _ in range(2)]
    p.send_signal(signal.SIGTERM); p.wait(timeout=60); procs.remove(p)
    return first, cycles

def measure_steady(binary, work, urls, pg, procs, compare=None):
    """The steady-state cost, SQLite then PostgreSQL (one node), each after its first poll."""
    total = len(urls)
    t0 = time.monotonic()
    p, sock = start(binary, work, "sqlite", urls, [])
    procs.append(p)
    wait_for(lambda: polls(sock) >= total, 900, "SQLite's first poll")
    sq_first = time.monotonic() - t0
    sq = [steady(p.pid, sock, total) for _ in range(2)]
    p.send_signal(signal.SIGTERM); p.wait(timeout=60); procs.remove(p)
    pq_first, pq = steady_pg(binary, work, urls, pg, procs, "steady")
    other = steady_pg(compare, work, urls, pg, procs, "compared") if compare else None

    print("| measure | SQLite | PostgreSQL | ratio | target |\n|---|---|---|---|---|")
    def row(label, s, q):
        (sw, sc, _), (pw_, pc, ps) = s, q
        print(f"| {label}: wall / CPU a poll (daemon + PostgreSQL) | {sw:.1f} s / {sc / total * 1e6:.0f} us "
              f"| {pw_:.1f} s / {pc / total * 1e6:.0f} + {ps / total * 1e6:.0f} = {(pc + ps) / total * 1e6:.0f} us | **{(pc + ps) / sc:.2f}x** | <= 2x |")
    for i in range(2):
        row(f"steady-state cycle {i + 1} (all 304)", sq[i], pq[i])
    if other:
        for i in range(2):
            row(f"the same, {compare}'s feedspoold, cycle {i + 1}", sq[i], other[1][i])
    print(f"| first poll (one node): wall | {sq_first:.1f} s | {pq_first:.1f} s | {pq_first / sq_first:.2f}x | - |", flush=True)

def main():
    def more(ap):
        ap.add_argument("--parts", default="steady,first")
        ap.add_argument("--compare", help="another build's directory, measured beside --bin")
    a, corpus, work, binary = arguments(8091, more)
    parts = set(a.parts.split(","))
    start_nginx(work, corpus, a.port, HOSTS)
    procs, pg = [], None
    try:
        pg = Postgres(work)
        files = sorted(n for n in os.listdir(corpus) if n.endswith(".xml"))
        urls = [f"http://127.0.0.{HOSTS[i % len(HOSTS)]}:{a.port}/c/{n}?copy={k}" for i, (k, n) in enumerate((k, n) for k in range(a.copies) for n in files)]
        total = len(urls)

        print(f"\n### cluster: {total} feeds from nginx on 4 loopback hosts, PostgreSQL with full durability for deliveries ({os.cpu_count()} cores)\n", flush=True)
        if "steady" in parts:
            measure_steady(binary, work, urls, pg, procs, compare=a.compare and os.path.abspath(a.compare))
        if "first" not in parts:
            return
        print("\n| nodes | first poll of every feed: wall | feeds/s | nodes' CPU + PostgreSQL's | articles |\n|---|---|---|---|---|", flush=True)
        # The first poll of every feed by 1, 2 and 3 nodes, each on a new database.
        first = {}
        for n in (1, 2, 3):
            db = f"first{n}"
            pg.createdb(db)
            c0, t0 = pg.cpu(), time.monotonic()
            nodes = [start(binary, work, f"n{n}-{i}", urls, [f'state_url = "{pg.url(db)}"', f'node = "n{i}"']) for i in range(n)]
            procs += [q for q, _ in nodes]
            wait_for(lambda: int(pg.psql(db, "SELECT COUNT(*) FROM feeds WHERE last_fetch IS NOT NULL") or 0) >= total, 1200, f"the first poll by {n} node(s)")
            wall = time.monotonic() - t0
            cpu = sum(cpu_seconds(q.pid) for q, _ in nodes)
            articles = int(pg.psql(db, "SELECT COALESCE(SUM(delivered), 0) FROM feeds"))
            first[n] = (wall, cpu, pg.cpu() - c0, articles)
            print(f"| {n} | {wall:.1f} s | {total / wall:.0f} ({total / wall / n:.0f} a node) | {cpu:.1f} s + {first[n][2]:.1f} s | {articles} |", flush=True)
            for q, _ in nodes:
                q.send_signal(signal.SIGTERM)
            for q, _ in nodes:
                q.wait(timeout=60)
                procs.remove(q)

    finally:
        for q in procs:
            if q.poll() is None:
                q.kill()
        if pg:
            pg.stop()
        stop_nginx(work)

if __name__ == "__main__":
    main()
