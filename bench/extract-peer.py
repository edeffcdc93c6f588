#!/usr/bin/env python3
"""CPU time of trafilatura's extract() over pages (one process), for make bench.

usage: extract-peer.py FILE...   prints: pages<TAB>cpu_seconds (extraction calls only)
"""
import sys
import time

import trafilatura  # pip install trafilatura lxml_html_clean

pages = [open(p, "rb").read() for p in sys.argv[1:]]
start = time.process_time()
for html in pages:
    trafilatura.extract(html)
print("%d\t%.3f" % (len(pages), time.process_time() - start))
