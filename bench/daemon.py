#!/usr/bin/env python3
"""The daemon benchmark (issue #5), run by bench/run.sh:

    python3 bench/daemon.py CORPUS_DIR WORK_DIR [--copies 5] [--port 8090]

feedspoold with 10,000 feeds (each corpus file served under --copies URLs by a local nginx
on 127.0.0.1) plus one live feed this script rewrites. Measures: the first poll of every
feed (wall, CPU, articles), idle CPU, a steady-state cycle of conditional requests (all
304), peak RSS, `status` latency with 100 concurrent clients, and tail -f latency (poll
request -> article event on a subscribed connection). Prints a markdown table.
"""
import argparse, json, os, shutil, signal, socket, statistics, subprocess, sys, threading, time

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0

def request(path, cmd, **extra):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    s.sendall((json.dumps({"v": 1, "cmd": cmd, **extra}) + "\n").encode())
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data)

def wait_for(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    sys.exit(f"timed out waiting for {what}")

def live_feed(n):
    items = "".join(
        f"<item><title>Live story {i}</title><link>https://live.example/{i}</link><guid>live-{i}</guid>"
        f"<description>Live text number {i}, fresh.</description></item>" for i in range(n, -1, -1))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Live</title>{items}</channel></rss>'

def arguments(port, more=None):
    """The benchmarks' common arguments: corpus, work directory, copies, port, binaries;
    `more(parser)` adds a benchmark's own."""
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("work")
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--port", type=int, default=port)
    ap.add_argument("--bin", default=".build/release")
    if more:
        more(ap)
    a = ap.parse_args()
    return a, os.path.abspath(a.corpus), os.path.abspath(a.work), os.path.abspath(a.bin)

def start_nginx(work, corpus, port, hosts=(1,)):
    """A fresh WORK directory and nginx serving CORPUS under /c/ on 127.0.0.H:PORT for each
    host H; returns the directory it serves (www)."""
    shutil.rmtree(work, ignore_errors=True)
    www = os.path.join(work, "www")
    os.makedirs(os.path.join(work, "ngx"))
    os.makedirs(www)
    os.symlink(corpus, os.path.join(www, "c"))
    conf = open("bench/nginx.conf.in").read().replace("@PREFIX@", os.path.join(work, "ngx")).replace("@CORPUS@", www).replace("@PORT@", str(port))
    conf = conf.replace(f"listen 127.0.0.1:{port};", " ".join(f"listen 127.0.0.{h}:{port};" for h in hosts))
    with open(os.path.join(work, "ngx", "nginx.conf"), "w") as f:
        f.write(conf)
    subprocess.run(["nginx", "-p", os.path.join(work, "ngx"), "-c", os.path.join(work, "ngx", "nginx.conf"), "-e", os.path.join(work, "ngx", "error.log")], check=True)
    return www

def stop_nginx(work):
    pid = os.path.join(work, "ngx", "nginx.pid")
    if os.path.exists(pid):
        os.kill(int(open(pid).read()), signal.SIGQUIT)

def main():
    a, corpus, work, binary = arguments(8090)
    www = start_nginx(work, corpus, a.port)
    with open(os.path.join(www, "live.xml"), "w") as f:
        f.write(live_feed(0))
    daemon = None
    try:
        files = sorted(n for n in os.listdir(corpus) if n.endswith(".xml"))
        base = f"http://127.0.0.1:{a.port}"
        urls = [f"{base}/c/{n}?copy={k}" for k in range(a.copies) for n in files]
        live = f"{base}/live.xml"
        sock = os.path.join(work, "ctl.sock")
        lines = [f'spool_dir = "spool"', 'state_dir = "state"', f'socket = "{sock}"', "allow_private_networks = true", 'full_text = "never"',
                 "concurrency = 32", "per_host = 32", 'interval = "24h"', ""]
        for u in urls + [live]:
            lines += ["[[feed]]", f'url = "{u}"']
        with open(os.path.join(work, "feedspool.toml"), "w") as f:
            f.write("\n".join(lines) + "\n")
        total = len(urls) + 1

        notify_path = os.path.join(work, "notify.sock")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        t0 = time.monotonic()
        daemon = subprocess.Popen([os.path.join(binary, "feedspoold"), "--config", os.path.join(work, "feedspool.toml")],
                                  env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "daemon.log"), "w"))
        notify.settimeout(60)
        while b"READY=1" not in notify.recv(4096):
            pass
        ready = time.monotonic() - t0
        def drain():  # keep reading, as systemd would
            notify.settimeout(None)
            while True:
                try:
                    notify.recv(4096)
                except OSError:
                    return
        threading.Thread(target=drain, daemon=True).start()
        def polls():
            return request(sock, "status")["result"]["polls"]
        wait_for(lambda: polls() >= total, 900, "the first poll of every feed")
        first_wall = time.monotonic() - t0
        first_cpu = cpu_seconds(daemon.pid)
        st = request(sock, "status")["result"]
        delivered, dups = st["articles"]["delivered_total"], st["articles"]["duplicates_skipped"]
        rss_first, peak_first = rss_mb(daemon.pid), peak_rss_mb(daemon.pid)

        c0 = cpu_seconds(daemon.pid)
        time.sleep(10)
        idle_cpu = (cpu_seconds(daemon.pid) - c0) / 10 * 100

        c0, t1 = cpu_seconds(daemon.pid), time.monotonic()
        request(sock, "poll")
        wait_for(lambda: polls() >= 2 * total, 600, "a steady-state cycle")
        cycle_wall, cycle_cpu = time.monotonic() - t1, cpu_seconds(daemon.pid) - c0
        rss_steady, peak_steady = rss_mb(daemon.pid), peak_rss_mb(daemon.pid)

        # status with 100 concurrent clients, 5 rounds
        latencies = []
        def one():
            s0 = time.monotonic()
            request(sock, "status")
            latencies.append(time.monotonic() - s0)
        for _ in range(5):
            threads = [threading.Thread(target=one) for _ in range(100)]
            for t in threads: t.start()
            for t in threads: t.join()
        latencies.sort()

        # tail -f latency: poll request -> article event
        sub = socket.socket(socket.AF_UNIX)
        sub.connect(sock)
        sub.sendall(b'{"v":1,"cmd":"subscribe"}\n')
        f = sub.makefile("rb")
        f.readline()
        tails = []
        for i in range(1, 6):
            with open(os.path.join(www, "live.xml.new"), "w") as out:
                out.write(live_feed(i))
            os.rename(os.path.join(www, "live.xml.new"), os.path.join(www, "live.xml"))
            s0 = time.monotonic()
            request(sock, "poll", feeds=[live])
            while True:
                ev = json.loads(f.readline())
                if ev.get("event") == "article" and ev.get("title") == f"Live story {i}":
                    tails.append(time.monotonic() - s0)
                    break
        sub.close()
        rss = peak_rss_mb(daemon.pid)
        with open(f"/proc/{daemon.pid}/status") as st_f:
            kinds = {l.split(":")[0]: int(l.split()[1]) / 1024 for l in st_f if l.startswith(("RssAnon", "RssFile", "RssShmem"))}

        # Where the resident memory is, by mapping (the ten largest), for the record.
        maps, cur = {}, None
        with open(f"/proc/{daemon.pid}/smaps") as sm:
            for l in sm:
                parts = l.split()
                if len(parts) >= 5 and "-" in parts[0] and ":" not in parts[0]:
                    cur = parts[5] if len(parts) > 5 else "[anon]"
                elif parts and parts[0] == "Rss:" and cur is not None:
                    maps[cur] = maps.get(cur, 0) + int(parts[1])
        top = sorted(maps.items(), key=lambda kv: -kv[1])[:10]

        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=60)
        print(f"\n### daemon: {total} feeds ({len(files)} corpus files x {a.copies} URLs + 1 live) from nginx on 127.0.0.1\n")
        print("| measure | value | target |\n|---|---|---|")
        print(f"| start to READY=1 (state open, socket listening) | {ready:.2f} s | - |")
        print(f"| first poll of every feed: wall / daemon CPU | {first_wall:.1f} s / {first_cpu:.1f} s | - |")
        print(f"| articles delivered / duplicates skipped on it | {delivered} / {dups} | - |")
        print(f"| steady-state cycle of {total} conditional requests (all unchanged) | {cycle_wall:.2f} s wall, {cycle_cpu:.2f} s CPU ({cycle_cpu / total * 1e6:.0f} us/feed) | - |")
        print(f"| idle CPU between polls | {idle_cpu:.2f} % of a core | - |")
        print(f"| **peak RSS** (first poll / after a steady cycle / end) | **{peak_first:.1f} / {peak_steady:.1f} / {rss:.1f} MB** (RSS now {rss_first:.1f}, {rss_steady:.1f}; at the end anon {kinds.get('RssAnon', 0):.1f} + file {kinds.get('RssFile', 0):.1f} + shmem {kinds.get('RssShmem', 0):.1f}) | <= 64 MB |")
        print(f"| status latency, 100 concurrent clients x 5 | median {statistics.median(latencies) * 1000:.1f} ms, p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms | - |")
        print(f"| tail -f: poll request -> article event (5 runs) | median {statistics.median(tails) * 1000:.0f} ms, max {max(tails) * 1000:.0f} ms | < 1 s |")
        print(f"| SIGTERM -> exit | status {code} | 0 |")
        print("\nResident memory at the end, largest mappings: " + ", ".join(f"{os.path.basename(k)} {v / 1024:.1f} MB" for k, v in top))
    finally:
        if daemon and daemon.poll() is None:
            daemon.kill()
        stop_nginx(work)

if __name__ == "__main__":
    main()
